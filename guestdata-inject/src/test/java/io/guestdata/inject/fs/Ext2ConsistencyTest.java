package io.guestdata.inject.fs;

import io.guestdata.testkit.Command;
import io.guestdata.testkit.ToolTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.guestdata.inject.fs.GuestFsException.Kind;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The checks a kernel (or e2fsck) makes and libext2fs does not, on images damaged with debugfs the
 * way the author did: each open or write refused as CORRUPT with the group, inode or count
 * named, nothing written (SHA-256 unchanged), both for READ_ONLY (the dry run) and READ_WRITE.
 */
@ToolTest
class Ext2ConsistencyTest {

    @TempDir
    Path dir;

    private Path tree() throws IOException {
        Path t = dir.resolve("tree");
        Files.createDirectories(t.resolve("etc"));
        Files.createDirectories(t.resolve("root/.ssh"));
        Files.writeString(t.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n");
        Files.writeString(t.resolve("etc/shadow"), "root:*:19000:0:99999:7:::\n");
        for (int i = 0; i < 40; i++) {
            Files.createDirectories(t.resolve("usr/share/d" + i));
            Files.writeString(t.resolve("usr/share/d" + i + "/f"), "x".repeat(i * 100));
        }
        return t;
    }

    private Path image(String... options) throws IOException {
        return Ext2Tools.mkfs(dir.resolve("fs.img"), 16 * 1024, 0, tree(), options);
    }

    private GuestFsException refusedOpen(Path img, OpenMode mode) {
        String before = Ext2Tools.sha256(img);
        GuestFsException e = assertThrows(GuestFsException.class, () -> Ext2Filesystem.open(img, 0, mode).close());
        assertEquals(before, Ext2Tools.sha256(img), "a refused open writes nothing");
        return e;
    }

    /** The reproduction: a block bitmap location far outside the filesystem, checksum recomputed. */
    @ParameterizedTest
    @EnumSource(OpenMode.class)
    void blockBitmapOutsideTheFilesystemIsRefusedBeforeTheBitmapsAreRead(OpenMode mode) throws IOException {
        Path img = image("-t", "ext4");
        debugfsScript(img, "set_bg 0 block_bitmap 16777216\nset_bg 0 checksum calc\n");
        GuestFsException e = refusedOpen(img, mode);
        assertEquals(Kind.CORRUPT, e.kind());
        assertTrue(e.getMessage().contains("group 0: the block bitmap at block 16777216 is outside the filesystem's"
                + " blocks 1-16383"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"ext2", "ext3"})
    void blockBitmapOutsideItsGroupWithoutFlexBg(String type) throws IOException {
        Path img = image("-t", type);
        Ext2Tools.debugfsWrite(img, 0, "set_bg 1 inode_bitmap 5");
        GuestFsException e = refusedOpen(img, OpenMode.READ_WRITE);
        assertEquals(Kind.CORRUPT, e.kind());
        assertTrue(e.getMessage().contains("group 1: the inode bitmap at block 5 is outside the group's blocks 8193-16383"),
                e.getMessage());
    }

    @Test
    void descriptorChecksumMismatch() throws IOException {
        Path img = image("-t", "ext4");
        Ext2Tools.debugfsWrite(img, 0, "set_bg 1 free_inodes_count 7"); // checksum left stale
        GuestFsException e = refusedOpen(img, OpenMode.READ_ONLY);
        assertEquals(Kind.CORRUPT, e.kind());
        assertTrue(e.getMessage().contains("group 1: the group descriptor checksum does not match"), e.getMessage());
    }

    @Test
    void freeBlocksOfAGroupDisagreeWithItsBitmap() throws IOException {
        Path img = image("-t", "ext4");
        long free = Long.parseLong(bgField(img, 1, "free blocks"));
        debugfsScript(img, "set_bg 1 free_blocks_count " + (free + 100) + "\nset_bg 1 checksum calc\n");
        GuestFsException e = refusedOpen(img, OpenMode.READ_ONLY);
        assertEquals(Kind.CORRUPT, e.kind());
        assertTrue(e.getMessage().contains("group 1: the block bitmap has " + free + " free blocks, its descriptor says "
                + (free + 100)), e.getMessage());
    }

    @Test
    void superblockFreeCountsDisagreeWithTheGroups() throws IOException {
        Path img = image("-t", "ext4");
        long free = Long.parseLong(Ext2Tools.superblockField(img, 0, "Free blocks"));
        Ext2Tools.debugfsWrite(img, 0, "ssv free_blocks_count " + (free + 1000));
        GuestFsException e = refusedOpen(img, OpenMode.READ_WRITE);
        assertEquals(Kind.CORRUPT, e.kind());
        assertTrue(e.getMessage().contains("the superblock says " + (free + 1000) + " free blocks"), e.getMessage());
    }

    @Test
    void blocksBeyondThePartitionWindow() throws IOException {
        Path img = image("-t", "ext4");
        String before = Ext2Tools.sha256(img);
        long window = 8L << 20; // half of the 16 MiB filesystem
        GuestFsException e = assertThrows(GuestFsException.class, () -> Ext2Filesystem.open(img, 0, window,
                OpenMode.READ_WRITE, InstantSource.system()));
        assertEquals(Kind.CORRUPT, e.kind());
        assertTrue(e.getMessage().contains("block count 16384 × 1024 bytes (16777216 bytes) exceeds the 8388608-byte"
                + " partition"), e.getMessage());
        assertEquals(before, Ext2Tools.sha256(img));
    }

    @Test
    void firstDataBlockMustMatchTheBlockSize() throws IOException {
        Path img = image("-t", "ext4", "-b", "4096");
        Ext2Tools.debugfsWrite(img, 0, "ssv first_data_block 1");
        GuestFsException e = refusedOpen(img, OpenMode.READ_ONLY);
        assertTrue(e.getMessage().contains("s_first_data_block is 1; with 4096-byte blocks it must be 0")
                || e.kind() == Kind.OPEN_FAILED, e.getMessage());
    }

    /** The other reproduction: authorized_keys and /etc/passwd one inode, i_links_count 1. */
    @Test
    void linkCountThatLiesIsRefusedForEveryWriteAndForStat() throws IOException, GuestFsException {
        Path img = image("-t", "ext4");
        Ext2Tools.debugfsWrite(img, 0, "ln /etc/passwd /root/.ssh/authorized_keys");
        String before = Ext2Tools.sha256(img);
        try (Ext2Filesystem fs = Ext2Filesystem.open(img, 0, OpenMode.READ_WRITE)) {
            GuestPath keys = GuestPath.of("/root/.ssh/authorized_keys");
            for (Ext2Write w : List.<Ext2Write>of(
                    f -> f.append(keys, "ssh-ed25519 AAAA\n".getBytes(StandardCharsets.UTF_8)),
                    f -> f.replace(keys, new byte[1]),
                    f -> f.chmod(keys, 0600),
                    f -> f.chown(keys, 0, 0),
                    f -> f.stat(keys),
                    f -> f.stat(GuestPath.of("/etc/passwd")))) {
                GuestFsException e = assertThrows(GuestFsException.class, () -> w.on(fs));
                assertEquals(Kind.CORRUPT, e.kind(), e::getMessage);
                assertTrue(e.getMessage().contains("link count lies:") && e.getMessage().contains(
                        "has i_links_count 1, but 2 directory entries name it"), e.getMessage());
            }
            // a read is not a write: the guest's files still read
            assertEquals("root:x:0:0:root:/root:/bin/bash\n", new String(fs.read(GuestPath.of("/etc/passwd"), 100),
                    StandardCharsets.UTF_8));
        }
        assertEquals(before, Ext2Tools.sha256(img));
    }

    /** A true count of 2 is a real hard link: refused by HardLinkPolicy.REFUSE with the true count. */
    @Test
    void trueHardLinkStaysRefusedByThePolicy() throws IOException, GuestFsException {
        Path img = image("-t", "ext4");
        Ext2Tools.debugfsWrite(img, 0, "ln /etc/shadow /root/shadow");
        Ext2Tools.debugfsWrite(img, 0, "sif /etc/shadow links_count 2");
        Ext2Tools.assertClean(img, 0);
        try (Ext2Filesystem fs = Ext2Filesystem.open(img, 0, OpenMode.READ_WRITE)) {
            assertEquals(2, fs.stat(GuestPath.of("/etc/shadow")).linkCount());
            GuestFsException e = assertThrows(GuestFsException.class,
                    () -> fs.replace(GuestPath.of("/etc/shadow"), new byte[1]));
            assertEquals(Kind.HARD_LINK_REFUSED, e.kind());
        }
    }

    @Test
    void directoryHardLinkOnAWrittenPathIsRefused() throws IOException, GuestFsException {
        Path img = image("-t", "ext4");
        Ext2Tools.debugfsWrite(img, 0, "ln /etc /root/etc");
        String before = Ext2Tools.sha256(img);
        try (Ext2Filesystem fs = Ext2Filesystem.open(img, 0, OpenMode.READ_WRITE)) {
            GuestFsException e = assertThrows(GuestFsException.class,
                    () -> fs.replace(GuestPath.of("/etc/motd"), new byte[1]));
            assertEquals(Kind.CORRUPT, e.kind());
            assertTrue(e.getMessage().contains("directory hard link: \"etc\" in directory inode 2 (inode "), e.getMessage());
            assertTrue(e.getMessage().contains("has 2 names besides \".\" and \"..\""), e.getMessage());
            // an unrelated path is fine
            fs.replace(GuestPath.of("/usr/share/d3/new"), new byte[] {'x'});
        }
        assertTrue(!before.equals(Ext2Tools.sha256(img)));
    }

    @Test
    void usedDirectoriesCountChecked() throws IOException, GuestFsException {
        Path img = image("-t", "ext2");
        long dirs = Long.parseLong(bgField(img, 0, "directories"));
        Ext2Tools.debugfsWrite(img, 0, "set_bg 0 used_dirs_count " + (dirs + 2));
        try (Ext2Filesystem fs = Ext2Filesystem.open(img, 0, OpenMode.READ_WRITE)) {
            GuestFsException e = assertThrows(GuestFsException.class,
                    () -> fs.replace(GuestPath.of("/etc/motd"), new byte[1]));
            assertEquals(Kind.CORRUPT, e.kind());
            assertTrue(e.getMessage().contains("group 0 holds " + dirs + " directories, its descriptor says " + (dirs + 2)),
                    e.getMessage());
        }
    }

    @Test
    void writesKeepTheCensusTrue() throws IOException, GuestFsException {
        Path img = image("-t", "ext4");
        try (Ext2Filesystem fs = Ext2Filesystem.open(img, 0, OpenMode.READ_WRITE)) {
            fs.makeDirectories(GuestPath.of("/srv/a/b"), 0755, 0, 0);
            fs.replace(GuestPath.of("/srv/a/b/f"), new byte[] {'1'});
            fs.append(GuestPath.of("/srv/a/b/f"), new byte[] {'2'});
            fs.chmod(GuestPath.of("/srv/a/b/f"), 0600);
            assertEquals(1, fs.stat(GuestPath.of("/srv/a/b/f")).linkCount());
            assertEquals(0600, fs.stat(GuestPath.of("/srv/a/b/f")).mode());
        }
        Ext2Tools.assertClean(img, 0);
    }

    @Test
    void attributesAreInTheStat() throws IOException, GuestFsException {
        Path img = image("-t", "ext4");
        Ext2Tools.debugfsWrite(img, 0, "sif /etc/shadow flags 0x80020");
        Ext2Tools.debugfsWrite(img, 0, "sif /etc/passwd flags 0x80010");
        try (Ext2Filesystem fs = Ext2Filesystem.open(img, 0, OpenMode.READ_ONLY)) {
            assertEquals(java.util.Set.of(InodeAttribute.APPEND_ONLY), fs.stat(GuestPath.of("/etc/shadow")).attributes());
            assertEquals(java.util.Set.of(InodeAttribute.IMMUTABLE), fs.stat(GuestPath.of("/etc/passwd")).attributes());
            assertEquals(java.util.Set.of(), fs.stat(GuestPath.of("/etc")).attributes());
        }
    }

    /** Several debugfs -w requests in one open (a second open would already refuse the first change). */
    private static void debugfsScript(Path img, String requests) {
        Command.Result r = Ext2Tools.run(List.of("debugfs", "-w", "-f", "/dev/stdin", img.toString()), requests);
        if (r.exit() != 0 || r.stderr().lines().skip(1).anyMatch(l -> !l.isBlank())) {
            throw new AssertionError("debugfs -w: " + r.stdout() + r.stderr());
        }
    }

    private interface Ext2Write {
        void on(Ext2Filesystem fs) throws GuestFsException;
    }

    /** A field of {@code dumpe2fs} for group {@code g}, e.g. "free blocks" from "N free blocks". */
    private static String bgField(Path img, int group, String what) {
        String out = Ext2Tools.runOk(List.of("dumpe2fs", img.toString())).stdout();
        int at = out.indexOf("Group " + group + ":");
        Matcher m = Pattern.compile("(\\d+) " + what).matcher(out.substring(at));
        if (!m.find()) {
            throw new AssertionError("no '" + what + "' for group " + group + " in dumpe2fs");
        }
        return m.group(1);
    }

    /**
     * What the mutation fuzz found with random seeds, each pinned here: fields e2fsck stops at (or
     * reports against every new path) that a kernel would mount, refused before anything is written. Requests separated by
     * ";" are run one debugfs -w each (a second one may need what the first left behind).
     */
    @ParameterizedTest
    @ValueSource(strings = {
        "ssv first_ino 12|s_first_ino is 12, not 11",
        "ssv journal_uuid 01234567-89ab-cdef-0123-456789abcdef|names a journal device besides the journal inode 8",
        "sif <1> block[0] 100|the bad-blocks inode 1 is not empty",
        "sif /etc faddr 7|has i_faddr 7",
        "feature -resize_inode|without the resize_inode feature",
        // seed 6655699347353025695 case 1654: osd2 fields of /etc that e2fsck pass 1 marks bad
        "sif /etc blocks_hi 3|has i_blocks_hi 3 without the huge_file feature",
        "sif /etc file_acl_hi 1|has i_file_acl_hi 1 without the 64bit feature",
        "sif /etc size_hi 1|has i_size_high 1 on a directory without the largedir feature",
        // seed -6574242842713835008 case 33: s_prj_quota_inum, which e2fsck marks in use whatever the features
        "ssv prj_quota_inum 12|s_prj_quota_inum is 12 without the quota feature",
        "ssv usr_quota_inum 3|s_usr_quota_inum is 3 without the quota feature",
        "ssv orphan_file_inum 12|s_orphan_file_inum is 12 without the orphan_file feature",
        // seed -6574242842713835008 case 3903: a reserved inode free, a free inode used: the counts still agree
        "freei <5>;seti <2000>|reserved inode 5 is free in the inode bitmap",
        "freei /etc/shadow;seti <2000>|but is free in the inode bitmap (e2fsck: \"Inode bitmap differences: +",
        "sif /etc/shadow links_count 0|is in use in the inode bitmap but has i_links_count 0",
        "ln <7> /etc/seven|an entry names inode 7, a reserved, quota or orphan-file inode"})
    void fieldsTheFuzzFoundAreRefused(String c) throws IOException {
        String[] request = c.split("\\|");
        Path img = image("-t", "ext3");
        for (String r : request[0].split(";")) {
            Ext2Tools.debugfsWrite(img, 0, r);
        }
        String before = Ext2Tools.sha256(img);
        GuestFsException e = assertThrows(GuestFsException.class, () -> {
            try (Ext2Filesystem fs = Ext2Filesystem.open(img, 0, OpenMode.READ_WRITE)) {
                fs.stat(GuestPath.of("/etc/passwd"));
            }
        });
        assertTrue(e.getMessage().contains(request[1]), e.getMessage());
        assertEquals(before, Ext2Tools.sha256(img), "nothing written");
    }
}
