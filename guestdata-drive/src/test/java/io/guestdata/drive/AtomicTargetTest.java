package io.guestdata.drive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicTargetTest {
    @TempDir
    Path dir;

    @Test
    void commitRenamesTheTemporaryFileIntoPlace() throws Exception {
        Path target = dir.resolve("disk.config");
        try (AtomicTarget t = AtomicTarget.open(target)) {
            assertFalse(Files.exists(target), "target must not appear before commit");
            t.channel().write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            t.commit();
        }
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(target));
        assertEquals(List.of(target), list());
        assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(target)), "a hypervisor running as another user must read it");
    }

    @Test
    void closingWithoutCommitLeavesNothingAndKeepsAnOldTarget() throws Exception {
        Path target = dir.resolve("disk.config");
        Files.write(target, new byte[] {9});
        try (AtomicTarget t = AtomicTarget.open(target)) {
            t.channel().write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            assertTrue(Files.exists(t.tempPath()));
        }
        assertArrayEquals(new byte[] {9}, Files.readAllBytes(target));
        assertEquals(List.of(target), list());
    }

    @Test
    void refusesAMissingDirectoryAndADirectoryTarget() {
        ImageException missing = assertThrows(ImageException.class,
                () -> AtomicTarget.open(dir.resolve("nope/disk.config")));
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
        ImageException isDir = assertThrows(ImageException.class, () -> AtomicTarget.open(dir));
        assertTrue(isDir.getMessage().contains("is a directory"), isDir.getMessage());
    }

    @Test
    void commitNewNamesTheImageWhenTheNameIsFree() throws Exception {
        Path target = dir.resolve("seed.iso");
        try (AtomicTarget t = AtomicTarget.open(target)) {
            t.channel().write(ByteBuffer.wrap(new byte[] {4, 5}));
            t.commitNew();
        }
        assertArrayEquals(new byte[] {4, 5}, Files.readAllBytes(target));
        assertEquals(List.of(target), list(), "the temporary name must be gone");
        assertEquals(1, (int) Files.getAttribute(target, "unix:nlink"));
    }

    @Test
    void commitNewNeverReplacesAFileThatAppearedMeanwhile() throws Exception {
        Path target = dir.resolve("seed.iso");
        try (AtomicTarget t = AtomicTarget.open(target)) {
            t.channel().write(ByteBuffer.wrap(new byte[] {4, 5}));
            Files.write(target, new byte[] {7});
            assertThrows(java.nio.file.FileAlreadyExistsException.class, t::commitNew);
        }
        assertArrayEquals(new byte[] {7}, Files.readAllBytes(target));
        assertEquals(List.of(target), list(), "the temporary file must be removed on close");
    }

    @Test
    void commitNewDoesNotFollowADanglingSymlink() throws Exception {
        Path target = dir.resolve("seed.iso");
        Files.createSymbolicLink(target, dir.resolve("elsewhere"));
        try (AtomicTarget t = AtomicTarget.open(target)) {
            assertThrows(java.nio.file.FileAlreadyExistsException.class, t::commitNew);
        }
        assertFalse(Files.exists(dir.resolve("elsewhere")));
        assertTrue(Files.isSymbolicLink(target));
    }

    private List<Path> list() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }
}
