package io.guestdata.drive.vfat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.drive.ImageContent;
import io.guestdata.drive.ImageException;
import io.guestdata.drive.ImageFile;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad input at the front door: a specific error naming the path and the rule, and nothing left behind. */
class VfatHostileInputTest {
    private static final ImageContent NEVER_OPENED = () -> {
        throw new AssertionError("content must not be opened when the input is refused");
    };

    @TempDir
    Path dir;

    private final VfatWriter writer = new VfatWriter(FatOptions.configDrive(VfatWriterTest.RECORDED));

    static Stream<Arguments> refusedTrees() {
        return Stream.of(
                Arguments.of(List.of(file("openstack/a:b")), "openstack/a:b", "contains ':'"),
                Arguments.of(List.of(file("ec2/star*")), "ec2/star*", "contains '*'"),
                Arguments.of(List.of(file("q?/x")), "q?/x", "contains '?'"),
                Arguments.of(List.of(file("back\\slash")), "back\\slash", "contains '\\'"),
                Arguments.of(List.of(file("pipe|")), "pipe|", "contains '|'"),
                Arguments.of(List.of(file("tab\there")), "tab\there", "control character U+0009"),
                Arguments.of(List.of(file("dot./x")), "dot./x", "ends with a period"),
                Arguments.of(List.of(file("space ")), "space ", "ends with a space"),
                Arguments.of(List.of(file("lone\uD83D")), "lone\uD83D", "unpaired UTF-16 surrogate U+D83D"),
                Arguments.of(List.of(file("a/" + "n".repeat(256))), "a/" + "n".repeat(256),
                        "256 UTF-16 code units long; FAT long names hold at most 255"),
                Arguments.of(List.of(file("a/" + "😀".repeat(128))), "a/" + "😀".repeat(128), "256 UTF-16 code units"),
                Arguments.of(List.of(file("Meta_Data.json"), file("meta_data.JSON")), "meta_data.JSON",
                        "differ only in case"),
                Arguments.of(List.of(file("OpenStack/x"), file("openstack/y")), "openstack/y", "differ only in case"),
                Arguments.of(List.of(file("a/b"), file("a/b")), "a/b", "appears twice"),
                Arguments.of(List.of(file("a/b"), file("a")), "a", "is a directory"),
                Arguments.of(List.of(file("a"), file("a/b")), "a/b", "'a' is a file"),
                Arguments.of(List.of(file("/etc/passwd")), "/etc/passwd", "starts with '/'"),
                Arguments.of(List.of(file("a//b")), "a//b", "empty segment"),
                Arguments.of(List.of(file("a/")), "a/", "ends with '/'"),
                Arguments.of(List.of(file("")), "\"\"", "empty path"),
                Arguments.of(List.of(file("a/./b")), "a/./b", "'.' segment"),
                Arguments.of(List.of(file("../b")), "../b", "'..' segment"),
                Arguments.of(List.of(file("nul\0byte")), "nul\\0byte", "NUL"),
                Arguments.of(List.of(file("deep/".repeat(820) + "x")), "deep/".repeat(820) + "x",
                        "4101 bytes in UTF-8; a guest can open paths of at most 4095 bytes"),
                Arguments.of(List.of(file("ok"), new ImageFile("big/disk.raw", 1L << 32, NEVER_OPENED)),
                        "big/disk.raw", "at most 4294967295 bytes"));
    }

    private static ImageFile file(String path) {
        return new ImageFile(path, 1, NEVER_OPENED);
    }

    @ParameterizedTest
    @MethodSource("refusedTrees")
    void refusedBeforeAnythingIsWritten(List<ImageFile> files, String subject, String rule) throws Exception {
        Path target = dir.resolve("disk.config");
        ImageException e = assertThrows(ImageException.class, () -> writer.write(files, target));
        assertEquals(subject, e.subject(), e.getMessage());
        assertTrue(e.getMessage().contains(rule), e.getMessage());
        assertEquals(List.of(), listing());
        assertThrows(ImageException.class, () -> writer.imageSize(files));
    }

    @Test
    void aFileOfExactly4GibMinus1IsAccepted() throws Exception {
        long size = writer.imageSize(List.of(new ImageFile("big", (1L << 32) - 1, NEVER_OPENED)));
        assertTrue(size > 1L << 32, "grown to fit: " + size);
    }

    @Test
    void contentShorterThanItsSizeFailsAndLeavesNothing() throws IOException {
        List<ImageFile> files = List.of(ImageFile.of("a/ok", new byte[10]),
                new ImageFile("a/short", 5000, () -> new ByteArrayInputStream(new byte[4000])));
        IOException e = assertThrows(IOException.class, () -> writer.write(files, dir.resolve("disk.config")));
        assertTrue(e.getMessage().contains("a/short") && e.getMessage().contains("ended after 4000 bytes"), e.getMessage());
        assertEquals(List.of(), listing());
    }

    @Test
    void contentLongerThanItsSizeFailsAndLeavesNothing() throws IOException {
        List<ImageFile> files = List.of(new ImageFile("long", 0, () -> new ByteArrayInputStream(new byte[1])));
        IOException e = assertThrows(IOException.class, () -> writer.write(files, dir.resolve("disk.config")));
        assertTrue(e.getMessage().contains("long: content has more than its size of 0 bytes"), e.getMessage());
        assertEquals(List.of(), listing());
    }

    @Test
    void contentThatCannotBeOpenedIsReportedWithItsPath() throws IOException {
        List<ImageFile> files = List.of(new ImageFile("a/gone", 3, () -> {
            throw new java.nio.file.NoSuchFileException("/host/gone");
        }));
        IOException e = assertThrows(IOException.class, () -> writer.write(files, dir.resolve("disk.config")));
        assertTrue(e.getMessage().startsWith("a/gone: cannot open its content"), e.getMessage());
        assertEquals(List.of(), listing());
    }

    @Test
    void anOldImageSurvivesAFailedWrite() throws Exception {
        Path target = dir.resolve("disk.config");
        Files.write(target, new byte[] {42});
        List<ImageFile> files = List.of(new ImageFile("x", 10, () -> new ByteArrayInputStream(new byte[3])));
        assertThrows(IOException.class, () -> writer.write(files, target));
        assertEquals(List.of(target), listing());
        assertEquals(1, Files.size(target));
    }

    @Test
    void unwritableTargetsAreRefusedAndNothingIsCreated() throws Exception {
        List<ImageFile> files = List.of(ImageFile.of("a", new byte[1]));
        Path notADirectory = dir.resolve("plain-file");
        Files.write(notADirectory, new byte[0]);
        ImageException underFile = assertThrows(ImageException.class,
                () -> writer.write(files, notADirectory.resolve("disk.config")));
        assertTrue(underFile.getMessage().contains("does not exist"), underFile.getMessage());
        Path subdir = Files.createDirectory(dir.resolve("sub"));
        ImageException isDir = assertThrows(ImageException.class, () -> writer.write(files, subdir));
        assertTrue(isDir.getMessage().contains("is a directory"), isDir.getMessage());
        ImageException missing = assertThrows(ImageException.class,
                () -> writer.write(files, dir.resolve("missing/disk.config")));
        assertEquals(dir.resolve("missing/disk.config").toString(), missing.subject());
        assertEquals(List.of(notADirectory, subdir), listing());
        try (Stream<Path> s = Files.list(subdir)) {
            assertEquals(0, s.count());
        }
    }

    @Test
    void badOptionsAreRefused() {
        var base = FatOptions.configDrive(VfatWriterTest.RECORDED);
        assertThrows(IllegalArgumentException.class, () -> base.withVolumeLabel("twelve chars"));
        assertThrows(IllegalArgumentException.class, () -> base.withVolumeLabel("a.b"));
        assertThrows(IllegalArgumentException.class, () -> base.withVolumeLabel("é"));
        assertThrows(IllegalArgumentException.class, () -> base.withMinimumSizeBytes(-1));
        assertThrows(IllegalArgumentException.class, () -> base.withMinimumSizeBytes(2L << 40));
    }

    private List<Path> listing() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
