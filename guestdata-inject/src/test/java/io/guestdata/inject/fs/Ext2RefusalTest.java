package io.guestdata.inject.fs;

import io.guestdata.testkit.ToolTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.guestdata.inject.fs.GuestFsException.Kind;

import static io.guestdata.inject.fs.Ext2Tools.assertClean;
import static io.guestdata.inject.fs.Ext2Tools.sha256;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every refusal: a specific kind and message, the image bytes unchanged (SHA-256 before and
 * after) and {@code e2fsck -fn} still clean.
 */
@ToolTest
class Ext2RefusalTest {

    @TempDir
    Path dir;

    private Path ext4(String... extra) throws IOException {
        Path t = dir.resolve("tree");
        Files.createDirectories(t.resolve("etc"));
        Files.writeString(t.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n");
        List<String> options = new java.util.ArrayList<>(List.of("-t", "ext4"));
        options.addAll(List.of(extra));
        return Ext2Tools.mkfs(dir.resolve("r.img"), 16 * 1024, 0, t, options.toArray(String[]::new));
    }

    private static GuestFsException refusedOpen(Path img, OpenMode mode, Kind kind) {
        String before = sha256(img);
        var e = assertThrows(GuestFsException.class, () -> Ext2Filesystem.open(img, 0, mode));
        assertEquals(kind, e.kind(), e::getMessage);
        assertEquals(before, sha256(img));
        assertTrue(e.path().isEmpty());
        return e;
    }

    @Test
    void journal_needing_recovery_is_refused_for_writing() throws Exception {
        Path img = ext4();
        Ext2Tools.debugfsWrite(img, 0, "feature needs_recovery");
        var e = refusedOpen(img, OpenMode.READ_WRITE, Kind.UNSAFE_STATE);
        assertTrue(e.getMessage().startsWith("open " + img + ": the journal needs recovery (incompat needs_recovery)"),
                e.getMessage());
        assertClean(img, 0);
        // Reading stays possible (without replaying the journal: it may be stale), and writes nothing.
        String before = sha256(img);
        try (Ext2Filesystem fs = Ext2Filesystem.open(img, 0, OpenMode.READ_ONLY)) {
            assertEquals(32, fs.read(GuestPath.of("/etc/passwd"), 100).length);
        }
        assertEquals(before, sha256(img));
    }

    @ParameterizedTest(name = "s_state {0}")
    @CsvSource({
            "2, errors are recorded in the superblock (s_state 0x0002 has EXT2_ERROR_FS)",
            "3, errors are recorded in the superblock (s_state 0x0003 has EXT2_ERROR_FS)",
            "0, not cleanly unmounted (s_state 0x0000 lacks EXT2_VALID_FS)",
            "5, orphan inodes are being recovered (s_state 0x0005 has EXT3_ORPHAN_FS)"})
    void unclean_or_erroneous_state_is_refused(int state, String reason) throws Exception {
        Path img = ext4();
        Ext2Tools.debugfsWrite(img, 0, "ssv state " + state);
        var e = refusedOpen(img, OpenMode.READ_WRITE, Kind.UNSAFE_STATE);
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        assertClean(img, 0);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "mmp, READ_WRITE, mmp (multi-mount protection): a read-write open waits about 11 s",
            "inline_data, READ_WRITE, 'inline_data: small files and directories live inside the inode'",
            "inline_data, READ_ONLY, 'inline_data: small files and directories live inside the inode'",
            "quota, READ_WRITE, 'quota: libext2fs writes do not update the quota files'",
            "project, READ_WRITE, 'project: libext2fs writes do not update project quota'",
            "casefold, READ_WRITE, 'casefold: case-insensitive directories'",
            "encrypt, READ_WRITE, 'encrypt: names and contents in encrypted directories are ciphertext'",
            "bigalloc, READ_WRITE, 'bigalloc: cluster allocation is untested here'"})
    void unsupported_features_are_refused_with_the_reason(String feature, OpenMode mode, String reason)
            throws Exception {
        Path img = ext4("-O", feature);
        // mke2fs 1.47.0 -d does not account the files it copies in the quota inodes, so a quota
        // image is "inconsistent" from birth: compare e2fsck before and after instead of expecting 0.
        int fsckBefore = Ext2Tools.e2fsckExit(img, 0);
        var e = refusedOpen(img, mode, Kind.UNSUPPORTED_FEATURE);
        assertTrue(e.getMessage().contains("unsupported feature: " + reason), e.getMessage());
        assertEquals(fsckBefore, Ext2Tools.e2fsckExit(img, 0));
    }

    @Test
    void mmp_can_still_be_read_without_waiting_or_writing() throws Exception {
        Path img = ext4("-O", "mmp");
        String before = sha256(img);
        long start = System.nanoTime();
        try (Ext2Filesystem fs = Ext2Filesystem.open(img, 0, OpenMode.READ_ONLY)) {
            assertEquals(32, fs.read(GuestPath.of("/etc/passwd"), 100).length);
        }
        assertTrue(System.nanoTime() - start < 5_000_000_000L, "a read-only open must not run the MMP wait");
        assertEquals(before, sha256(img));
    }

    @Test
    void read_only_open_refuses_every_write() throws Exception {
        Path img = ext4();
        String before = sha256(img);
        try (Ext2Filesystem fs = Ext2Filesystem.open(img, 0, OpenMode.READ_ONLY)) {
            GuestPath p = GuestPath.of("/etc/passwd");
            List<Ext2SymlinkTest.GuestFsOperation> writes = List.of(
                    f -> f.replace(p, "x".getBytes()),
                    f -> f.append(p, "x".getBytes()),
                    f -> f.chmod(p, 0600),
                    f -> f.chown(p, 1, 1),
                    f -> f.makeDirectories(GuestPath.of("/new/dir"), 0755, 0, 0));
            for (var write : writes) {
                var e = assertThrows(GuestFsException.class, () -> write.run(fs));
                assertEquals(Kind.READ_ONLY, e.kind());
                assertTrue(e.getMessage().endsWith(img + " is opened READ_ONLY; nothing was written"), e.getMessage());
            }
        }
        assertEquals(before, sha256(img));
        assertClean(img, 0);
    }

    @Test
    void no_space_is_refused_before_writing() throws Exception {
        Path t = dir.resolve("tiny");
        Files.createDirectories(t.resolve("etc"));
        Files.writeString(t.resolve("etc/big"), "x".repeat(20_000));
        Path img = Ext2Tools.mkfs(dir.resolve("tiny.img"), 256, 0, t, "-t", "ext2", "-b", "1024", "-N", "32");
        String before = sha256(img);
        long free;
        try (Ext2Filesystem fs = Ext2Filesystem.open(img, 0, OpenMode.READ_WRITE)) {
            free = fs.freeBytes();
            byte[] tooBig = new byte[(int) free + 1024];
            var e = assertThrows(GuestFsException.class, () -> fs.replace(GuestPath.of("/etc/new"), tooBig));
            assertEquals(Kind.NO_SPACE, e.kind());
            assertTrue(e.getMessage().matches("replace /etc/new: creating a \\d+-byte file needs up to \\d+ blocks "
                    + "of 1024 bytes \\(metadata margin included\\), \\d+ are free \\(blocks reserved for root not counted\\)"),
                    e.getMessage());
            assertEquals(Kind.NO_SPACE, assertThrows(GuestFsException.class,
                    () -> fs.append(GuestPath.of("/etc/big"), tooBig)).kind());
            assertEquals(Kind.NO_SPACE, assertThrows(GuestFsException.class,
                    () -> fs.replace(GuestPath.of("/etc/big"), new byte[(int) free + 20_000 + 4096])).kind());
            assertEquals(free, fs.freeBytes());
        }
        assertEquals(before, sha256(img));
        assertClean(img, 0);
        // Replacing the 20 000-byte file with one of the same size fits: its own blocks are counted as freed.
        try (Ext2Filesystem fs = Ext2Filesystem.open(img, 0, OpenMode.READ_WRITE)) {
            fs.replace(GuestPath.of("/etc/big"), "y".repeat(20_000).getBytes());
        }
        assertClean(img, 0);
    }

    @Test
    void running_out_of_inodes_is_refused_before_writing() throws Exception {
        Path img = Ext2Tools.mkfs(dir.resolve("inodes.img"), 1024, 0, null, "-t", "ext2", "-b", "1024", "-N", "16");
        int created = 0;
        try (Ext2Filesystem fs = Ext2Filesystem.open(img, 0, OpenMode.READ_WRITE)) {
            GuestFsException e = null;
            while (e == null) {
                try {
                    fs.replace(GuestPath.of("/f" + created), "x".getBytes());
                    created++;
                } catch (GuestFsException x) {
                    e = x;
                }
            }
            assertEquals(Kind.NO_SPACE, e.kind());
            assertTrue(e.getMessage().endsWith("needs 1 inodes, 0 are free"), e.getMessage());
            var mkdir = assertThrows(GuestFsException.class,
                    () -> fs.makeDirectories(GuestPath.of("/d/e"), 0755, 0, 0));
            assertEquals(Kind.NO_SPACE, mkdir.kind());
        }
        assertTrue(created > 0);
        assertClean(img, 0);
    }

    @Test
    void immutable_append_only_and_verity_inodes_are_refused() throws Exception {
        Path img = ext4("-O", "verity");
        Path t = dir.resolve("tree");
        Files.writeString(t.resolve("etc/immutable"), "i\n");
        Files.writeString(t.resolve("etc/appendonly"), "a\n");
        Files.writeString(t.resolve("etc/verity"), "v\n");
        img = Ext2Tools.mkfs(img, 16 * 1024, 0, t, "-t", "ext4", "-O", "verity");
        Ext2Tools.debugfsWrite(img, 0, "set_inode_field /etc/immutable flags 0x80010");
        Ext2Tools.debugfsWrite(img, 0, "set_inode_field /etc/appendonly flags 0x80020");
        Ext2Tools.debugfsWrite(img, 0, "set_inode_field /etc/verity flags 0x180000");
        String before = sha256(img);
        try (Ext2Filesystem fs = Ext2Filesystem.open(img, 0, OpenMode.READ_WRITE)) {
            var e = assertThrows(GuestFsException.class, () -> fs.replace(GuestPath.of("/etc/immutable"), "x".getBytes()));
            assertEquals(Kind.INODE_FLAGS_REFUSED, e.kind());
            assertEquals("replace /etc/immutable: /etc/immutable is immutable (chattr +i) (i_flags 0x80010)", e.getMessage());
            assertEquals(Kind.INODE_FLAGS_REFUSED, assertThrows(GuestFsException.class,
                    () -> fs.chmod(GuestPath.of("/etc/immutable"), 0600)).kind());
            assertEquals(Kind.INODE_FLAGS_REFUSED, assertThrows(GuestFsException.class,
                    () -> fs.replace(GuestPath.of("/etc/appendonly"), "x".getBytes())).kind());
            assertEquals(Kind.INODE_FLAGS_REFUSED, assertThrows(GuestFsException.class,
                    () -> fs.append(GuestPath.of("/etc/verity"), "x".getBytes())).kind());
        }
        assertEquals(before, sha256(img));
        try (Ext2Filesystem fs = Ext2Filesystem.open(img, 0, OpenMode.READ_WRITE)) {
            fs.append(GuestPath.of("/etc/appendonly"), "b\n".getBytes());
        }
        assertArrayEquals("a\nb\n".getBytes(), Ext2Tools.cat(img, 0, "/etc/appendonly"));
        assertClean(img, 0);
    }

    @Test
    void not_ext_short_and_missing_images_fail_with_the_libext2fs_message() throws Exception {
        Path junk = dir.resolve("junk.img");
        Files.write(junk, new byte[64 * 1024]);
        var e = refusedOpen(junk, OpenMode.READ_WRITE, Kind.OPEN_FAILED);
        assertEquals("open " + junk + ": libext2fs cannot open it as ext2/3/4: Bad magic number in super-block "
                + "(errcode 2133571347)", e.getMessage());
        assertEquals(2133571347L, e.errcode());
        Path shortFile = dir.resolve("short.img");
        Files.write(shortFile, new byte[3]);
        e = refusedOpen(shortFile, OpenMode.READ_ONLY, Kind.OPEN_FAILED);
        assertTrue(e.getMessage().contains("Attempt to read block from filesystem resulted in short read"), e.getMessage());
        Path missing = dir.resolve("missing.img");
        e = assertThrows(GuestFsException.class, () -> Ext2Filesystem.open(missing, 0, OpenMode.READ_ONLY));
        assertEquals(Kind.OPEN_FAILED, e.kind());
        assertTrue(e.getMessage().contains("NoSuchFileException"), e.getMessage());
        // The wrong offset into a partitioned image is "not ext" too.
        Path part = Ext2Tools.mkfs(dir.resolve("part.img"), 8 * 1024, 1048576, null, "-t", "ext4");
        refusedOpen(part, OpenMode.READ_ONLY, Kind.OPEN_FAILED);
    }

    @Test
    void a_closed_filesystem_says_so() throws Exception {
        Path img = ext4();
        Ext2Filesystem fs = Ext2Filesystem.open(img, 0, OpenMode.READ_WRITE);
        fs.close();
        fs.close();
        var e = assertThrows(GuestFsException.class, () -> fs.read(GuestPath.of("/etc/passwd"), 10));
        assertEquals(Kind.CLOSED, e.kind());
        assertEquals(Kind.CLOSED, assertThrows(GuestFsException.class, fs::freeBytes).kind());
    }

    @Test
    void too_large_for_the_caller_is_refused() throws Exception {
        Path img = ext4();
        try (Ext2Filesystem fs = Ext2Filesystem.open(img, 0, OpenMode.READ_ONLY)) {
            var e = assertThrows(GuestFsException.class, () -> fs.read(GuestPath.of("/etc/passwd"), 31));
            assertEquals(Kind.TOO_LARGE, e.kind());
            assertEquals("read /etc/passwd: /etc/passwd is 32 bytes, more than the limit of 31", e.getMessage());
            assertEquals(Kind.IS_A_DIRECTORY, assertThrows(GuestFsException.class,
                    () -> fs.read(GuestPath.of("/etc"), 100)).kind());
        }
    }
}
