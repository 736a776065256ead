package io.guestdata.bench.inject;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import io.guestdata.inject.fs.Ext2Filesystem;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.fs.GuestPath;
import io.guestdata.inject.fs.OpenMode;

/**
 * What the checks before the first write cost on a big image, beside e2fsck -fn on the same image
 * in the same run (timed harness, not JMH: each sample is one open of a cold handle; the page cache
 * is warm after the first run, as for e2fsck).
 *
 * <ul>
 *   <li>open: {@code Ext2Filesystem.open} READ_ONLY, i.e. libext2fs' open plus geometry, group
 *       descriptors, reading the bitmaps and checking them against descriptors and superblock;</li>
 *   <li>census: the first {@code stat} after it, which takes the census (inode scan, block
 *       ownership, every directory read and parsed);</li>
 *   <li>e2fsck -fn: the whole process.</li>
 * </ul>
 *
 * <pre>java -cp ... io.guestdata.bench.inject.CheckCost IMAGE [RUNS]</pre>
 */
public final class CheckCost {

    private CheckCost() {
    }

    public static void main(String[] args) throws Exception {
        Path image = Path.of(args[0]);
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        List<Double> open = new ArrayList<>();
        List<Double> census = new ArrayList<>();
        List<Double> fsck = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            try (Ext2Filesystem fs = Ext2Filesystem.open(image, 0, OpenMode.READ_ONLY)) {
                long t1 = System.nanoTime();
                fs.stat(GuestPath.of("/")); // any checked call takes the census first
                long t2 = System.nanoTime();
                open.add((t1 - t0) / 1e6);
                census.add((t2 - t1) / 1e6);
            } catch (GuestFsException e) {
                throw new IllegalStateException("the checks refused " + image + ": " + e.getMessage(), e);
            }
            long t3 = System.nanoTime();
            e2fsck(image);
            fsck.add((System.nanoTime() - t3) / 1e6);
        }
        System.out.printf("%s: %d runs, median ms: open+checks %.1f, census %.1f, together %.1f; e2fsck -fn %.1f"
                        + " (checks/e2fsck %.2f)%n", image, runs, median(open), median(census),
                median(open) + median(census), median(fsck), (median(open) + median(census)) / median(fsck));
        System.out.println("  open+checks " + open + "\n  census " + census + "\n  e2fsck " + fsck);
    }

    private static void e2fsck(Path image) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("e2fsck", "-fn", image.toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("e2fsck -fn " + image + " exited " + p.exitValue());
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }
}
