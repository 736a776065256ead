package io.guestdata.drive.iso9660;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.testkit.ToolTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The memory bound of {@link Iso9660Writer}: a 300 MiB file, generated while it is read, written by
 * a forked JVM limited to a 64 MiB heap (it would fail with OutOfMemoryError if the writer held
 * the content, and its peak heap use must stay under 32 MiB); the image is then checked with isoinfo and extracted with xorriso, and the
 * extracted file's hash compared with the generator's.
 */
@ToolTest
class BoundedMemoryTest {
    static final long SIZE = 300L * 1024 * 1024;
    static final long SEED = 20250304;
    static final String HEAP = "-Xmx64m";

    @TempDir
    Path dir;

    @Test
    void writesA300MiBFileUnderA64MiBHeap() throws Exception {
        Path iso = dir.resolve("big.iso");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String out = IsoTools.run(java, HEAP, "-XX:+UseSerialGC", "-cp", classpath, LargeImageMain.class.getName(),
                iso.toString(), Long.toString(SIZE), Long.toString(SEED));
        assertTrue(out.startsWith("peak-heap-bytes "), out);
        long peak = Long.parseLong(out.trim().substring("peak-heap-bytes ".length()));
        // the JVM's own baseline is a few MiB; the writer adds its 64 KiB buffer and the layout
        assertTrue(peak < 32L * 1024 * 1024, "peak heap " + peak + " bytes for a " + SIZE + "-byte file");

        assertEquals(List.of(iso), IsoTools.list(dir));
        String d = IsoTools.isoinfo(iso, "-d");
        assertTrue(d.contains("Volume size is: " + Files.size(iso) / 2048 + "\n"), d);
        assertTrue(Files.size(iso) > SIZE && Files.size(iso) < SIZE + 1024 * 1024, "size " + Files.size(iso));
        IsoStructure.check(iso);

        Path extracted = dir.resolve("x");
        IsoTools.runClean(IsoTools.XORRISO_COMPLAINTS, "xorriso", "-abort_on", "FAILURE", "-indev", iso.toString(), "-osirrox", "on",
                "-extract", "/openstack/content/0000", extracted.toString());
        assertEquals(IsoTools.digest(new io.guestdata.drive.ImageFile("g", SIZE, new GeneratedContent(SEED, SIZE))),
                IsoTools.digest(extracted));
        IsoTools.deleteTree(extracted);
    }
}
