package io.guestdata.drive.iso9660;

import io.guestdata.drive.ImageFile;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * Run in a JVM with a small heap by {@link BoundedMemoryTest}: writes an image holding one
 * generated file of the given size, plus a few small ones, and prints the peak heap use.
 *
 * <p>usage: LargeImageMain TARGET SIZE SEED
 */
public final class LargeImageMain {
    private LargeImageMain() {
    }

    public static void main(String[] args) throws Exception {
        Path target = Path.of(args[0]);
        long size = Long.parseLong(args[1]);
        long seed = Long.parseLong(args[2]);
        List<ImageFile> files = List.of(new ImageFile("openstack/content/0000", size, new GeneratedContent(seed, size)),
                ImageFile.of("openstack/latest/meta_data.json", "{}".getBytes()),
                new ImageFile("openstack/content/0001", 5000, new GeneratedContent(seed + 1, 5000)));
        new Iso9660Writer(new IsoOptions("config-2", "guestdata 0.1.0", Instant.parse("2025-03-04T05:06:07Z"), "GUESTDATA"))
                .write(files, target);
        long peak = 0;
        for (var pool : java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == java.lang.management.MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        System.out.println("peak-heap-bytes " + peak);
    }
}
