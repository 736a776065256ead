package io.guestdata.inject.fs;

import io.guestdata.testkit.ToolTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static io.guestdata.inject.fs.Ext2Tools.assertClean;
import static io.guestdata.inject.fs.Ext2Tools.cat;
import static io.guestdata.inject.fs.Ext2Tools.stat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Writes on every filesystem layout guestdata claims to handle, each checked by e2fsck and debugfs. */
@ToolTest
class Ext2FilesystemTest {

    @TempDir
    Path dir;

    /** A filesystem layout: mke2fs options and where the filesystem starts in the image. */
    record Layout(String name, long offset, String... options) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Layout> layouts() {
        return Stream.of(
                new Layout("ext2", 0, "-t", "ext2"),
                new Layout("ext2 4k -I 128", 0, "-t", "ext2", "-b", "4096", "-I", "128"),
                new Layout("ext3", 0, "-t", "ext3"),
                new Layout("ext3 4k", 0, "-t", "ext3", "-b", "4096"),
                new Layout("ext4 defaults", 0, "-t", "ext4"),
                new Layout("ext4 1k", 0, "-t", "ext4", "-b", "1024"),
                new Layout("ext4 4k", 0, "-t", "ext4", "-b", "4096"),
                new Layout("ext4 ^has_journal", 0, "-t", "ext4", "-O", "^has_journal"),
                new Layout("ext4 ^extent", 0, "-t", "ext4", "-O", "^extent,^64bit"),
                new Layout("ext4 metadata_csum,64bit", 0, "-t", "ext4", "-O", "metadata_csum,64bit"),
                new Layout("ext4 ^metadata_csum uninit_bg", 0, "-t", "ext4", "-O", "^metadata_csum,uninit_bg"),
                new Layout("ext4 ^dir_index", 0, "-t", "ext4", "-O", "^dir_index"),
                new Layout("ext4 -I 128", 0, "-t", "ext4", "-I", "128"),
                new Layout("ext4 offset 1MiB", 1048576, "-t", "ext4"),
                new Layout("ext2 1k offset 1MiB", 1048576, "-t", "ext2", "-b", "1024"),
                new Layout("ext4 large_dir,ea_inode,verity,meta_bg", 0, "-t", "ext4",
                        "-O", "large_dir,ea_inode,verity,meta_bg,^resize_inode"));
    }

    private Path image(Layout layout, Path populate) {
        return Ext2Tools.mkfs(dir.resolve("disk.img"), 32 * 1024, layout.offset(), populate, layout.options());
    }

    private Path guestTree() throws IOException {
        Path root = dir.resolve("tree");
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n");
        Files.writeString(root.resolve("etc/shadow"), "root:*:19000:0:99999:7:::\n");
        Files.createDirectories(root.resolve("root"));
        return root;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layouts")
    void nova_key_net_metadata_and_password_injection(Layout layout) throws Exception {
        Path img = image(layout, guestTree());
        long off = layout.offset();
        String key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG test@host";
        String keyBlock = "\n# The following ssh key was injected by Nova\n" + key + "\n";
        try (Ext2Filesystem fs = Ext2Filesystem.open(img, off, OpenMode.READ_WRITE)) {
            fs.makeDirectories(GuestPath.of("/root/.ssh"), 0700, 0, 0);
            fs.chown(GuestPath.of("/root/.ssh"), 0, 0);
            fs.chmod(GuestPath.of("/root/.ssh"), 0700);
            fs.append(GuestPath.of("/root/.ssh/authorized_keys"), keyBlock.getBytes(StandardCharsets.UTF_8));
            fs.chmod(GuestPath.of("/root/.ssh/authorized_keys"), 0600);
            fs.makeDirectories(GuestPath.of("/etc/network"), 0744, 0, 0);
            fs.replace(GuestPath.of("/etc/network/interfaces"), "auto lo\niface lo inet loopback\n".getBytes());
            fs.replace(GuestPath.of("/meta.js"), "{\"role\": \"web\"}".getBytes());
            byte[] shadow = fs.read(GuestPath.of("/etc/shadow"), 1 << 20);
            assertEquals("root:*:19000:0:99999:7:::\n", new String(shadow));
            fs.replace(GuestPath.of("/etc/shadow"),
                    "root:$1$G12KGQR1$/vLIX7iyRIMCl4TCenYtW1:19000:0:99999:7:::\n".getBytes());
            fs.makeDirectories(GuestPath.of("/srv/app/conf.d"), 0750, 1000, 1001);
            fs.replace(GuestPath.of("/srv/app/conf.d/a.conf"), "x=1\n".getBytes());
            fs.chown(GuestPath.of("/srv/app/conf.d/a.conf"), 70000, 70001);
        }
        assertClean(img, off);
        var ssh = stat(img, off, "/root/.ssh");
        assertEquals("directory", ssh.type());
        assertEquals(0700, ssh.mode());
        var keys = stat(img, off, "/root/.ssh/authorized_keys");
        assertEquals("regular", keys.type());
        assertEquals(0600, keys.mode());
        assertEquals(0, keys.uid());
        assertArrayEquals(keyBlock.getBytes(StandardCharsets.UTF_8), cat(img, off, "/root/.ssh/authorized_keys"));
        assertEquals(0744, stat(img, off, "/etc/network").mode());
        assertEquals(0644, stat(img, off, "/etc/network/interfaces").mode());
        assertEquals("auto lo\niface lo inet loopback\n", new String(cat(img, off, "/etc/network/interfaces")));
        assertEquals("{\"role\": \"web\"}", new String(cat(img, off, "/meta.js")));
        assertEquals("root:$1$G12KGQR1$/vLIX7iyRIMCl4TCenYtW1:19000:0:99999:7:::\n",
                new String(cat(img, off, "/etc/shadow")));
        for (String d : List.of("/srv", "/srv/app", "/srv/app/conf.d")) {
            var s = stat(img, off, d);
            assertEquals(0750, s.mode(), d);
            assertEquals(1000, s.uid(), d);
            assertEquals(1001, s.gid(), d);
        }
        var conf = stat(img, off, "/srv/app/conf.d/a.conf");
        assertEquals(70000, conf.uid());
        assertEquals(70001, conf.gid());
        assertEquals(0644, conf.mode());
    }

    @Test
    void read_only_open_reads_and_never_writes() throws Exception {
        Path img = image(layouts().filter(l -> l.name().equals("ext4 defaults")).findFirst().orElseThrow(), guestTree());
        String before = Ext2Tools.sha256(img);
        try (Ext2Filesystem fs = Ext2Filesystem.open(img, 0, OpenMode.READ_ONLY)) {
            assertEquals("root:x:0:0:root:/root:/bin/bash\n", new String(fs.read(GuestPath.of("/etc/passwd"), 100)));
            assertTrue(fs.exists(GuestPath.of("/etc")));
            assertFalse(fs.exists(GuestPath.of("/nope")));
            FileStat st = fs.stat(GuestPath.of("/etc/passwd"));
            assertEquals(FileType.REGULAR, st.type());
            assertEquals(0644, st.mode());
            assertEquals(32, st.size());
            assertTrue(fs.freeBytes() > 0);
        }
        assertEquals(before, Ext2Tools.sha256(img));
        assertNull(stat(img, 0, "/nope"));
    }

    static Stream<Layout> directoryLayouts() {
        return layouts().filter(l -> List.of("ext2", "ext4 defaults", "ext4 ^dir_index", "ext4 1k", "ext4 ^extent")
                .contains(l.name()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("directoryLayouts")
    void two_thousand_entries_in_one_directory_expand_it(Layout layout) throws Exception {
        Path img = image(layout, guestTree());
        long off = layout.offset();
        try (Ext2Filesystem fs = Ext2Filesystem.open(img, off, OpenMode.READ_WRITE)) {
            fs.makeDirectories(GuestPath.of("/big"), 0755, 0, 0);
            for (int i = 0; i < 2000; i++) {
                GuestPath p = GuestPath.of("/big/entry-with-a-longish-name-" + i);
                if (i % 10 == 0) {
                    fs.makeDirectories(p, 0700, i, i);
                } else {
                    fs.replace(p, ("file " + i + "\n").getBytes());
                }
            }
            assertEquals("file 1999\n", new String(fs.read(GuestPath.of("/big/entry-with-a-longish-name-1999"), 100)));
        }
        assertClean(img, off);
        long entries = Ext2Tools.ls(img, off, "/big").lines().filter(l -> l.contains("entry-with-a-longish-name-")).count();
        assertEquals(2000, entries);
        assertEquals("file 1234\n", new String(cat(img, off, "/big/entry-with-a-longish-name-1234")));
        var d = stat(img, off, "/big/entry-with-a-longish-name-1990");
        assertEquals("directory", d.type());
        assertEquals(1990, d.uid());
        assertEquals(0700, d.mode());
        assertTrue(stat(img, off, "/big").size() > 16 * 1024, "the directory grew past its first blocks");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layouts")
    void appends_cross_block_boundaries(Layout layout) throws Exception {
        Path img = image(layout, guestTree());
        long off = layout.offset();
        StringBuilder expected = new StringBuilder("root:*:19000:0:99999:7:::\n");
        try (Ext2Filesystem fs = Ext2Filesystem.open(img, off, OpenMode.READ_WRITE)) {
            for (int i = 0; i < 40; i++) {
                String chunk = ("line " + i + " ").repeat(1 + i * 7) + "\n";
                fs.append(GuestPath.of("/etc/shadow"), chunk.getBytes());
                expected.append(chunk);
            }
            fs.append(GuestPath.of("/etc/shadow"), new byte[0]);
            fs.append(GuestPath.of("/etc/fresh"), "created by append\n".getBytes());
        }
        assertClean(img, off);
        assertEquals(expected.toString(), new String(cat(img, off, "/etc/shadow")));
        assertEquals(expected.length(), stat(img, off, "/etc/shadow").size());
        assertEquals(0644, stat(img, off, "/etc/fresh").mode());
        assertEquals("created by append\n", new String(cat(img, off, "/etc/fresh")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("directoryLayouts")
    void replacing_a_large_file_with_a_small_one_frees_its_blocks(Layout layout) throws Exception {
        Path img = image(layout, guestTree());
        long off = layout.offset();
        String freeSmall = Ext2Tools.superblockField(img, off, "Free blocks");
        long bytesSmall;
        byte[] large = new byte[3 * 1024 * 1024 + 12345];
        new java.util.Random(7).nextBytes(large);
        try (Ext2Filesystem fs = Ext2Filesystem.open(img, off, OpenMode.READ_WRITE)) {
            bytesSmall = fs.freeBytes();
            fs.chown(GuestPath.of("/etc/shadow"), 0, 42);
            fs.chmod(GuestPath.of("/etc/shadow"), 0640);
            fs.replace(GuestPath.of("/etc/shadow"), large);
            assertTrue(fs.freeBytes() < bytesSmall - 3 * 1024 * 1024, "the large content took its blocks");
        }
        assertClean(img, off);
        assertArrayEquals(large, cat(img, off, "/etc/shadow"));
        try (Ext2Filesystem fs = Ext2Filesystem.open(img, off, OpenMode.READ_WRITE)) {
            assertArrayEquals(large, fs.read(GuestPath.of("/etc/shadow"), large.length));
            fs.replace(GuestPath.of("/etc/shadow"), "root:*:19000:0:99999:7:::\n".getBytes());
            assertEquals(bytesSmall, fs.freeBytes());
        }
        assertClean(img, off);
        assertEquals(freeSmall, Ext2Tools.superblockField(img, off, "Free blocks"));
        var shadow = stat(img, off, "/etc/shadow");
        assertEquals(0640, shadow.mode(), "replace keeps the mode");
        assertEquals(42, shadow.gid(), "replace keeps the owner");
        assertEquals(26, shadow.size());
    }

    @Test
    void replace_with_empty_content_and_stat_of_the_root() throws Exception {
        Path img = image(layouts().findFirst().orElseThrow(), guestTree());
        try (Ext2Filesystem fs = Ext2Filesystem.open(img, 0, OpenMode.READ_WRITE)) {
            fs.replace(GuestPath.of("/etc/passwd"), new byte[0]);
            fs.replace(GuestPath.of("/empty"), new byte[0]);
            FileStat root = fs.stat(GuestPath.ROOT);
            assertEquals(FileType.DIRECTORY, root.type());
            assertEquals(2, root.inode());
            fs.makeDirectories(GuestPath.ROOT, 0700, 5, 5);
        }
        assertClean(img, 0);
        assertEquals(0, stat(img, 0, "/etc/passwd").size());
        assertEquals(0, stat(img, 0, "/empty").size());
        assertEquals(0755, stat(img, 0, "/").mode(), "mkdir -p / creates nothing and changes nothing");
    }
}
