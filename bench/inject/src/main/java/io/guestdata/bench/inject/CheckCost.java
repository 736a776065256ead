package io.guestdata.bench.inject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import io.guestdata.inject.fs.Ext2Filesystem;
import io.guestdata.inject.fs.FileWindow;
import io.guestdata.inject.fs.GuestFilesystem;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.fs.GuestPath;
import io.guestdata.inject.fs.OpenMode;
import io.guestdata.inject.sandbox.Ext2fsSandbox;
import io.guestdata.inject.sandbox.SandboxSession;
import io.guestdata.inject.sandbox.SandboxSettings;

/**
 * What the checks before the first write cost on a big image, beside e2fsck -fn on the same image
 * in the same run (timed harness, not JMH: each sample is one open of a cold handle; the page cache
 * is warm after the first run, as for e2fsck), in-process and through a warm sandboxed worker
 * (where every block the checks read crosses the worker's pipe in 128 KiB chunks).
 *
 * <ul>
 *   <li>open: {@code Ext2Filesystem.open} READ_ONLY, i.e. libext2fs' open plus geometry, group
 *       descriptors, reading the bitmaps and checking them against descriptors and superblock;</li>
 *   <li>census: the first {@code stat} after it, which takes the census (inode scan, block
 *       ownership, every directory read and parsed);</li>
 *   <li>e2fsck -fn: the whole process.</li>
 * </ul>
 *
 * <pre>java -cp ... io.guestdata.bench.inject.CheckCost IMAGE [RUNS]
 * java -cp ... io.guestdata.bench.inject.CheckCost --make-image IMAGE SIZE   (e.g. 2G, 20G)</pre>
 * {@code --make-image} writes the tree the figures in docs/benchmarks-inject.md were measured on: 3,000
 * directories and 30,000 files of 100 B–30 KiB (a fixed seed) and two sparse 1 GiB files with 1 MiB of
 * data each, made into ext4 by {@code mke2fs -d}.
 */
public final class CheckCost {

    private CheckCost() {
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("--make-image")) {
            makeImage(Path.of(args[1]), args[2]);
            return;
        }
        Path image = Path.of(args[0]);
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        List<Double> open = new ArrayList<>();
        List<Double> census = new ArrayList<>();
        List<Double> sandboxedOpen = new ArrayList<>();
        List<Double> sandboxedCensus = new ArrayList<>();
        List<Double> fsck = new ArrayList<>();
        try (Ext2fsSandbox sandbox = Ext2fsSandbox.start(SandboxSettings.defaults().withPoolSize(1))) {
            for (int i = 0; i < runs; i++) {
                try (FileWindow window = FileWindow.open(image, 0, false)) {
                    long t0 = System.nanoTime();
                    try (Ext2Filesystem fs = Ext2Filesystem.open(window, OpenMode.READ_ONLY)) {
                        timeCensus(fs, t0, open, census);
                    }
                }
                while (sandbox.idleWorkers() < 1) {
                    Thread.sleep(5);
                }
                try (FileWindow window = FileWindow.open(image, 0, false);
                     SandboxSession session = sandbox.session(InstantSource.system())) {
                    long t0 = System.nanoTime();
                    try (GuestFilesystem fs = session.open(window, OpenMode.READ_ONLY)) {
                        timeCensus(fs, t0, sandboxedOpen, sandboxedCensus);
                    }
                }
                long t3 = System.nanoTime();
                e2fsck(image);
                fsck.add((System.nanoTime() - t3) / 1e6);
            }
        } catch (GuestFsException e) {
            throw new IllegalStateException("the checks refused " + image + ": " + e.getMessage(), e);
        }
        System.out.printf("%s: %d runs, median ms: in-process open+checks %.1f, census %.1f, together %.1f;"
                        + " sandboxed open+checks %.1f, census %.1f, together %.1f; e2fsck -fn %.1f"
                        + " (in-process/e2fsck %.2f, sandboxed/e2fsck %.2f)%n", image, runs, median(open),
                median(census), median(open) + median(census), median(sandboxedOpen), median(sandboxedCensus),
                median(sandboxedOpen) + median(sandboxedCensus), median(fsck),
                (median(open) + median(census)) / median(fsck),
                (median(sandboxedOpen) + median(sandboxedCensus)) / median(fsck));
        System.out.println("  open+checks " + open + "\n  census " + census + "\n  sandboxed open+checks "
                + sandboxedOpen + "\n  sandboxed census " + sandboxedCensus + "\n  e2fsck " + fsck);
    }

    /** The open's time (from {@code t0}) and the first {@code stat}'s, which takes the census. */
    private static void timeCensus(GuestFilesystem fs, long t0, List<Double> open, List<Double> census)
            throws GuestFsException {
        long t1 = System.nanoTime();
        fs.stat(GuestPath.of("/")); // any checked call takes the census first
        long t2 = System.nanoTime();
        open.add((t1 - t0) / 1e6);
        census.add((t2 - t1) / 1e6);
    }

    private static void makeImage(Path image, String size) throws IOException, InterruptedException {
        Path tree = Files.createTempDirectory(image.toAbsolutePath().getParent(), "checkcost-tree");
        Random random = new Random(20261205L);
        byte[] data = new byte[30 * 1024];
        for (int d = 0; d < 3000; d++) {
            Path dir = Files.createDirectories(tree.resolve("d" + d / 100).resolve("e" + d));
            for (int f = 0; f < 10; f++) {
                random.nextBytes(data);
                Files.write(dir.resolve("f" + f), java.util.Arrays.copyOf(data, 100 + random.nextInt(30 * 1024 - 100)));
            }
        }
        for (String big : List.of("big1", "big2")) {
            try (var raf = new java.io.RandomAccessFile(tree.resolve(big).toFile(), "rw")) {
                raf.setLength(1L << 30);
                byte[] chunk = new byte[32 * 1024];
                random.nextBytes(chunk);
                for (int k = 0; k < 32; k++) { // 1 MiB of data in 32 places
                    raf.seek((long) k * (32L << 20));
                    raf.write(chunk);
                }
            }
        }
        Files.createDirectories(tree.resolve("etc"));
        Files.writeString(tree.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        Images.run(List.of("mke2fs", "-q", "-F", "-t", "ext4", "-d", tree.toString(), image.toString(), size));
        Images.run(List.of("rm", "-rf", tree.toString()));
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
