package io.guestdata.drive.vfat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.testkit.ToolTest;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The memory bound, tested where it cannot be faked: a 300 MiB file, generated while it is read,
 * written by a separate JVM whose heap is 24 MiB, then read back by fsck.fat and mcopy and
 * compared by SHA-256 with the generator's output.
 */
@ToolTest
class VfatMemoryBoundTest {
    private static final long SIZE = 300L << 20;

    @TempDir
    Path dir;

    @Test
    void a300MibFileIsWrittenWithA24MibHeap() throws Exception {
        Path image = dir.resolve("big.img");
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process p = new ProcessBuilder(java, "-Xmx24m", "-XX:+UseSerialGC", "-cp", classPath,
                LargeImageMain.class.getName(), image.toString(), Long.toString(SIZE))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.contains("heap "), out);
        assertTrue(Long.parseLong(out.strip().substring(out.strip().lastIndexOf(' ') + 1)) <= 24L << 20, out);

        assertTrue(Files.size(image) > SIZE, "grown past Nova's 64 MiB to fit: " + Files.size(image));
        FatTools.fsckClean(image);
        assertEquals("FAT16", FatTools.blkid(image).get("VERSION"));
        Path copy = dir.resolve("0000");
        FatTools.mtools("mcopy", image, "::/" + LargeImageMain.BIG_PATH, copy.toString());
        Files.delete(image);
        assertEquals(SIZE, Files.size(copy));
        assertEquals(sha256(new LargeImageMain.PatternStream(SIZE)), sha256(Files.newInputStream(copy)));
        try (var listing = Files.list(dir)) {
            assertEquals(List.of(copy), listing.toList());
        }
    }

    private static String sha256(InputStream in) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (DigestInputStream d = new DigestInputStream(in, md)) {
            d.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
