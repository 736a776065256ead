package io.guestdata.drive.iso9660;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.drive.ImageContent;
import io.guestdata.drive.ImageException;
import io.guestdata.drive.ImageFile;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every way to refuse an image: a specific {@link ImageException} naming the path and the limit,
 * thrown before any content is opened, and nothing left in the target's directory.
 */
class HostileInputTest {
    static final Iso9660Writer WRITER = new Iso9660Writer(new IsoOptions("config-2", "guestdata 0.1.0",
            Instant.parse("2025-03-04T05:06:07Z"), "GUESTDATA"));

    @TempDir
    Path dir;

    /** Content that fails the test if anyone opens it: validation must not read content. */
    static final ImageContent NEVER_OPENED = () -> {
        throw new AssertionError("content opened although the image was refused");
    };

    static ImageFile file(String path) {
        return new ImageFile(path, 1, NEVER_OPENED);
    }

    static ImageFile ok(String path) {
        return new ImageFile(path, 2, NEVER_OPENED);
    }

    static Stream<Arguments> refusedTrees() {
        String name256 = "n".repeat(256);
        String name255Utf8Over = "é".repeat(128); // 256 bytes in UTF-8
        String longPath = ("d".repeat(200) + "/").repeat(20) + "f"; // 4021 bytes... plus below
        String tooLongPath = longPath + "x".repeat(100);
        return Stream.of(
                Arguments.of(List.of(ok("a"), file("dir/" + name256)), "dir/" + name256, "256 bytes in UTF-8; the limit is 255"),
                Arguments.of(List.of(file("x/" + name255Utf8Over + "/y")), "x/" + name255Utf8Over + "/y", "the limit is 255"),
                Arguments.of(List.of(file(tooLongPath)), tooLongPath, "a guest can open paths of at most 4095 bytes"),
                Arguments.of(List.of(new ImageFile("big/disk.img", 1L << 32, NEVER_OPENED)), "big/disk.img",
                        "4294967296 bytes exceeds the ISO 9660 limit of 4294967295 bytes"),
                Arguments.of(List.of(ok("a/b"), file("a/b")), "a/b", "duplicate path"),
                Arguments.of(List.of(ok("a/b"), file("a")), "a", "is a file and also a directory"),
                Arguments.of(List.of(ok("a"), file("a/b")), "a/b", "'a' is a file and also a directory"),
                Arguments.of(List.of(ok("a/b/c"), file("a/b")), "a/b", "is a file and also a directory"),
                Arguments.of(List.of(file("/etc/passwd")), "/etc/passwd", "starts with '/'"),
                Arguments.of(List.of(file("a/../../etc/passwd")), "a/../../etc/passwd", "'..' segment"),
                Arguments.of(List.of(file("./a")), "./a", "'.' segment"),
                Arguments.of(List.of(file("a//b")), "a//b", "empty segment"),
                Arguments.of(List.of(file("a/")), "a/", "ends with '/'"),
                Arguments.of(List.of(file("")), "\"\"", "empty path"),
                Arguments.of(List.of(file("a\0b")), "a\\0b", "NUL"),
                Arguments.of(List.of(file("bad\uD800name")), "bad\uD800name", "unpaired UTF-16 surrogate"));
    }

    @ParameterizedTest
    @MethodSource("refusedTrees")
    void refusedBeforeAnythingIsWritten(List<ImageFile> files, String path, String reason) throws Exception {
        Path target = dir.resolve("disk.config");
        ImageException e = assertThrows(ImageException.class, () -> WRITER.write(files, target));
        assertEquals(path, e.subject());
        assertTrue(e.getMessage().startsWith(path + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        assertEquals(List.of(), IsoTools.list(dir), "nothing left in the target directory");
        assertThrows(ImageException.class, () -> WRITER.imageSize(files));
        assertThrows(ImageException.class, () -> WRITER.writeTo(files, java.nio.channels.Channels.newChannel(
                java.io.OutputStream.nullOutputStream())));
    }

    @Test
    void aFileOfExactly4GiBMinusOneIsLaidOut() throws Exception {
        long size = WRITER.imageSize(List.of(new ImageFile("big", 0xFFFF_FFFFL, NEVER_OPENED)));
        assertTrue(size > 0xFFFF_FFFFL && size % 4096 == 0, "size " + size);
    }

    @Test
    void targetInAMissingDirectory() throws Exception {
        Path target = dir.resolve("missing/disk.config");
        ImageException e = assertThrows(ImageException.class, () -> WRITER.write(List.of(file("a")), target));
        assertEquals(target.toString(), e.subject());
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        assertEquals(List.of(), IsoTools.list(dir));
    }

    @Test
    void targetUnderARegularFile() throws Exception {
        Path plain = Files.writeString(dir.resolve("plain"), "x");
        Path target = plain.resolve("disk.config");
        ImageException e = assertThrows(ImageException.class, () -> WRITER.write(List.of(file("a")), target));
        assertTrue(e.getMessage().startsWith(target + ": "), e.getMessage());
        assertEquals(List.of(plain), IsoTools.list(dir));
    }

    @Test
    void targetThatIsADirectory() throws Exception {
        Path target = Files.createDirectory(dir.resolve("disk.config"));
        ImageException e = assertThrows(ImageException.class, () -> WRITER.write(List.of(file("a")), target));
        assertTrue(e.getMessage().contains("is a directory"), e.getMessage());
        assertEquals(List.of(target), IsoTools.list(dir));
        assertEquals(List.of(), IsoTools.list(target));
    }

    @Test
    void targetInAReadOnlyDirectory() throws Exception {
        Assumptions.assumeFalse("root".equals(System.getProperty("user.name")), "root may write anywhere");
        Path ro = Files.createDirectory(dir.resolve("ro"));
        ro.toFile().setWritable(false);
        try {
            ImageException e = assertThrows(ImageException.class,
                    () -> WRITER.write(List.of(file("a")), ro.resolve("disk.config")));
            assertTrue(e.getMessage().contains("not writable"), e.getMessage());
            assertEquals(List.of(), IsoTools.list(ro));
        } finally {
            ro.toFile().setWritable(true);
        }
    }

    @Test
    void contentShorterThanDeclaredLeavesNoFile() throws Exception {
        Path target = dir.resolve("disk.config");
        List<ImageFile> files = List.of(ImageFile.of("a", "fine".getBytes()),
                new ImageFile("b/short", 10, () -> new ByteArrayInputStream(new byte[9])));
        IOException e = assertThrows(IOException.class, () -> WRITER.write(files, target));
        assertTrue(e.getMessage().startsWith("b/short: content ended after 9 bytes; the file was declared 10"), e.getMessage());
        assertEquals(List.of(), IsoTools.list(dir));
    }

    @Test
    void contentLongerThanDeclaredLeavesNoFileAndKeepsTheOldImage() throws Exception {
        Path target = dir.resolve("disk.config");
        Files.writeString(target, "previous image");
        List<ImageFile> files = List.of(new ImageFile("long", 3, () -> new ByteArrayInputStream(new byte[4])));
        IOException e = assertThrows(IOException.class, () -> WRITER.write(files, target));
        assertTrue(e.getMessage().startsWith("long: content has more than the declared 3 bytes"), e.getMessage());
        assertEquals(List.of(target), IsoTools.list(dir));
        assertEquals("previous image", Files.readString(target));
    }

    @Test
    void contentThatCannotBeOpenedLeavesNoFile() throws Exception {
        Path target = dir.resolve("disk.config");
        List<ImageFile> files = List.of(ImageFile.of("a", "x".getBytes()), new ImageFile("gone", 1,
                ImageContent.of(dir.resolve("does-not-exist"))));
        IOException e = assertThrows(IOException.class, () -> WRITER.write(files, target));
        assertTrue(e.getMessage().startsWith("gone: cannot open content"), e.getMessage());
        assertEquals(List.of(), IsoTools.list(dir));
    }

    @Test
    void contentFailingMidwayLeavesNoFile() throws Exception {
        Path target = dir.resolve("disk.config");
        ImageContent failing = () -> new InputStream() {
            int n;

            @Override
            public int read() throws IOException {
                if (n++ > 5000) {
                    throw new IOException("disk on fire");
                }
                return 1;
            }
        };
        IOException e = assertThrows(IOException.class,
                () -> WRITER.write(List.of(new ImageFile("burning", 10_000, failing)), target));
        assertEquals("burning: reading content failed: disk on fire", e.getMessage());
        assertEquals(List.of(), IsoTools.list(dir));
    }

    @Test
    void manyRefusalsReportTheFirstPathInInputOrder() {
        List<ImageFile> files = new ArrayList<>(List.of(ok("good"), file("bad/" + "x".repeat(300)), file("/abs")));
        ImageException e = assertThrows(ImageException.class, () -> WRITER.imageSize(files));
        assertTrue(e.subject().startsWith("bad/"), e.getMessage());
    }

    @Test
    void optionsOutsideTheFieldsAreRefused() {
        Instant t = Instant.parse("2025-01-01T00:00:00Z");
        assertThrows(IllegalArgumentException.class, () -> new IsoOptions("", "p", t, "a"));
        assertThrows(IllegalArgumentException.class, () -> new IsoOptions("x".repeat(33), "p", t, "a"));
        assertThrows(IllegalArgumentException.class, () -> new IsoOptions("config-2", "p".repeat(129), t, "a"));
        assertThrows(IllegalArgumentException.class, () -> new IsoOptions("config-2", "Növa", t, "a"));
        assertThrows(IllegalArgumentException.class, () -> new IsoOptions("config-2", "p", Instant.parse("1899-12-31T23:59:59Z"), "a"));
        assertThrows(IllegalArgumentException.class, () -> new IsoOptions("config-2", "p", Instant.parse("2156-01-01T00:00:00Z"), "a"));
        IsoOptions nova = IsoOptions.configDrive("OpenStack Nova 26.2.2");
        assertEquals("config-2", nova.volumeId());
        assertEquals(0, nova.recordedAt().getNano());
        assertArrayEquals("OpenStack Nova 26.2.2".getBytes(StandardCharsets.US_ASCII), nova.publisher().getBytes(StandardCharsets.US_ASCII));
    }
}
