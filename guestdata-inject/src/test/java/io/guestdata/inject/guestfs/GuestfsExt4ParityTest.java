package io.guestdata.inject.guestfs;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.guestdata.inject.block.InjectPartition;
import io.guestdata.inject.fs.AccessPolicy;
import io.guestdata.inject.fs.Ext2Filesystem;
import io.guestdata.inject.fs.FileStat;
import io.guestdata.inject.fs.GuestFilesystem;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.fs.GuestPath;
import io.guestdata.inject.fs.InodeAttribute;
import io.guestdata.inject.fs.OpenMode;

import static io.guestdata.inject.guestfs.GuestTools.extContent;
import static io.guestdata.inject.guestfs.GuestTools.extInode;
import static io.guestdata.inject.guestfs.GuestTools.runOk;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The same operations, successes and refusals, on two copies of one ext4 image: one written
 * in-process by {@link Ext2Filesystem}, the other through libguestfs by {@link GuestfsFilesystem}
 * (one appliance launch). Both must report the same outcomes, both images must pass
 * {@code e2fsck -fn}, and debugfs must show the same type, mode, owner, size, link count and
 * content for every path touched.
 */
@Tag("guestfs")
class GuestfsExt4ParityTest {

    @TempDir
    Path dir;

    private static final String[] PATHS = {
        "/root/.ssh", "/root/.ssh/authorized_keys", "/etc/hosts", "/etc/motd", "/opt", "/opt/a", "/opt/a/b",
        "/etc/tool", "/etc/log", "/srv/new", "/etc/via-up", "/etc/authorized_keys", "/etc/shadow", "/etc/frozen",
        "/locked/new", "/etc/passwd", "/etc/big", "/opt/minus"};

    @Test
    void sameOperationsSameResultsAsTheExt2fsBackend() throws Exception {
        Path base = image();
        Path viaExt2fs = Files.copy(base, dir.resolve("ext2fs.img"));
        Path viaGuestfs = Files.copy(base, dir.resolve("guestfs.img"), StandardCopyOption.REPLACE_EXISTING);

        List<String> ext2fsOutcomes;
        try (GuestFilesystem fs = Ext2Filesystem.open(viaExt2fs, 0, OpenMode.READ_WRITE)) {
            ext2fsOutcomes = operations(fs);
        }
        List<String> guestfsOutcomes;
        try (GuestFilesystem fs = GuestfsFilesystem.open(viaGuestfs, "raw", new InjectPartition.WholeDisk(), false,
                GuestTools.settings())) {
            guestfsOutcomes = operations(fs);
        }
        assertEquals(String.join("\n", ext2fsOutcomes), String.join("\n", guestfsOutcomes));
        assertEquals(List.of("mkdir -p /root/.ssh: ok", "append key: ok", "chmod key: ok", "replace hosts: ok",
                "new motd: ok", "new big: ok", "mkdir -p /opt/a/b: ok", "chown set-uid tool: ok",
                "append to append-only: ok", "new file in set-gid dir: ok", "through ../ at root: ok",
                "NO_FOLLOW symlinked .ssh: SYMLINK_REFUSED", "final symlink: SYMLINK_REFUSED",
                "hard link: HARD_LINK_REFUSED", "immutable: INODE_FLAGS_REFUSED",
                "append-only replace: INODE_FLAGS_REFUSED", "immutable dir: INODE_FLAGS_REFUSED", "loop: SYMLINK_LOOP",
                "missing parent: NOT_FOUND", "mkdir under a file: NOT_A_DIRECTORY", "mkdir dangling: SYMLINK_REFUSED",
                "read fifo: NOT_A_REGULAR_FILE", "read dir: IS_A_DIRECTORY", "read too large: TOO_LARGE",
                "chown to uid -1: IllegalArgumentException", "mkdir -p with gid -1: IllegalArgumentException"),
                guestfsOutcomes.subList(0, 26));

        runOk("e2fsck", "-fn", viaExt2fs.toString());
        runOk("e2fsck", "-fn", viaGuestfs.toString());
        for (String path : PATHS) {
            assertEquals(extInode(viaExt2fs, path), extInode(viaGuestfs, path), path);
            if (extInode(viaExt2fs, path).startsWith("regular")) {
                assertArrayEquals(extContent(viaExt2fs, path), extContent(viaGuestfs, path), path);
            }
        }
        assertEquals("regular 0600 0:0 size " + GuestfsXfsTest.KEY.length + " links 1",
                extInode(viaGuestfs, "/root/.ssh/authorized_keys"));
    }

    /**
     * Inline-data files and a case-insensitive directory, which the two backends once treated apart:
     * the ext2fs backend refuses such a filesystem at open (its features), and through libguestfs,
     * which mounts it, the shared write policy refuses content writes to the inline-data file and new
     * entries in the casefold directory; nothing is written.
     */
    @Test
    void inlineDataAndCasefoldAreRefusedByBothBackends() throws Exception {
        Path tree = Files.createDirectories(dir.resolve("features"));
        Path folded = Files.createDirectories(tree.resolve("folded"));
        for (int i = 0; i < 40; i++) { // too many names to fit inline: a directory block
            Files.writeString(folded.resolve("entry-with-a-long-name-" + i), "");
        }
        Files.writeString(tree.resolve("small"), "s");
        Path image = dir.resolve("features.img");
        runOk("mke2fs", "-q", "-F", "-t", "ext4", "-O", "casefold,inline_data", "-d", tree.toString(),
                image.toString(), "65536");
        runOk("debugfs", "-w", "-R", "sif /folded flags " + flags(image, "/folded", 0x40000000), image.toString());
        assertTrue((Integer.decode(flags(image, "/small", 0)) & 0x10000000) != 0, "mke2fs made /small inline");

        GuestFsException atOpen = assertThrows(GuestFsException.class,
                () -> Ext2Filesystem.open(image, 0, OpenMode.READ_WRITE));
        assertEquals(GuestFsException.Kind.UNSUPPORTED_FEATURE, atOpen.kind(), atOpen.getMessage());

        List<String> out = new ArrayList<>();
        try (GuestFilesystem fs = GuestfsFilesystem.open(image, "raw", new InjectPartition.WholeDisk(), false,
                GuestTools.settings())) {
            assertEquals(Set.of(InodeAttribute.CASEFOLD), fs.stat(p("/folded")).attributes());
            assertEquals(Set.of(InodeAttribute.INLINE_DATA), fs.stat(p("/small")).attributes());
            outcome(out, "new file in casefold dir", () -> fs.replace(p("/folded/new"), bytes("x")));
            outcome(out, "mkdir in casefold dir", () -> fs.makeDirectories(p("/folded/d"), 0755, 0, 0));
            outcome(out, "replace inline-data file", () -> fs.replace(p("/small"), bytes("x")));
            outcome(out, "append to inline-data file", () -> fs.append(p("/small"), bytes("x")));
            outcome(out, "chmod inline-data file", () -> fs.chmod(p("/small"), 0600));
        }
        assertEquals(List.of("new file in casefold dir: INODE_FLAGS_REFUSED", "mkdir in casefold dir: INODE_FLAGS_REFUSED",
                "replace inline-data file: INODE_FLAGS_REFUSED", "append to inline-data file: INODE_FLAGS_REFUSED",
                "chmod inline-data file: ok"), out);
        runOk("e2fsck", "-fn", image.toString());
        // debugfs cat prints an inline file's whole 60-byte i_block: the size says where the content ends
        assertTrue(extInode(image, "/small").matches("regular 0600 \\d+:\\d+ size 1 links 1"), extInode(image, "/small"));
        assertEquals('s', extContent(image, "/small")[0]);
        assertTrue(GuestTools.run("debugfs", "-R", "stat /folded/new", image.toString()).stderr().contains("not found"));
    }

    /** The operations, each outcome as text: "ok …" with what it read, or the refusal's kind. */
    private static List<String> operations(GuestFilesystem fs) throws Exception {
        List<String> out = new ArrayList<>();
        byte[] big = new byte[3 * 1024 * 1024 + 7];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 7);
        }
        outcome(out, "mkdir -p /root/.ssh", () -> fs.makeDirectories(p("/root/.ssh"), 0700, 0, 0, AccessPolicy.STRICT));
        outcome(out, "append key", () -> fs.append(p("/root/.ssh/authorized_keys"), GuestfsXfsTest.KEY, AccessPolicy.STRICT));
        outcome(out, "chmod key", () -> fs.chmod(p("/root/.ssh/authorized_keys"), 0600, AccessPolicy.STRICT));
        outcome(out, "replace hosts", () -> fs.replace(p("/etc/hosts"), bytes("127.0.0.1 localhost\n")));
        outcome(out, "new motd", () -> fs.replace(p("/etc/motd"), bytes("hello\n")));
        outcome(out, "new big", () -> fs.replace(p("/etc/big"), big));
        outcome(out, "mkdir -p /opt/a/b", () -> fs.makeDirectories(p("/opt/a/b"), 02751, 1000, 1001));
        outcome(out, "chown set-uid tool", () -> fs.chown(p("/etc/tool"), 10, 20));
        outcome(out, "append to append-only", () -> fs.append(p("/etc/log"), bytes("+")));
        outcome(out, "new file in set-gid dir", () -> fs.replace(p("/srv/new"), bytes("n")));
        outcome(out, "through ../ at root", () -> fs.replace(p("/x/y/up/etc/via-up"), bytes("u")));
        outcome(out, "NO_FOLLOW symlinked .ssh", () -> fs.append(p("/home/evil/.ssh/authorized_keys"),
                GuestfsXfsTest.KEY, AccessPolicy.STRICT));
        outcome(out, "final symlink", () -> fs.replace(p("/etc/link"), bytes("x")));
        outcome(out, "hard link", () -> fs.replace(p("/etc/shadow"), bytes("x")));
        outcome(out, "immutable", () -> fs.replace(p("/etc/frozen"), bytes("x")));
        outcome(out, "append-only replace", () -> fs.replace(p("/etc/log"), bytes("x")));
        outcome(out, "immutable dir", () -> fs.replace(p("/locked/new"), bytes("x")));
        outcome(out, "loop", () -> fs.replace(p("/loop1/x"), bytes("x")));
        outcome(out, "missing parent", () -> fs.replace(p("/nope/x"), bytes("x")));
        outcome(out, "mkdir under a file", () -> fs.makeDirectories(p("/etc/passwd/x"), 0755, 0, 0));
        outcome(out, "mkdir dangling", () -> fs.makeDirectories(p("/dangling"), 0755, 0, 0));
        outcome(out, "read fifo", () -> fs.read(p("/etc/fifo"), 10));
        outcome(out, "read dir", () -> fs.read(p("/etc"), 10));
        outcome(out, "read too large", () -> fs.read(p("/etc/big"), 10));
        outcome(out, "chown to uid -1", () -> fs.chown(p("/etc/motd"), -1, 0));
        outcome(out, "mkdir -p with gid -1", () -> fs.makeDirectories(p("/opt/minus"), 0755, 0, -1));
        for (String path : PATHS) {
            outcome(out, "stat " + path, () -> {
                FileStat st = fs.stat(p(path));
                out.add("  " + st.type() + " " + Integer.toOctalString(st.mode()) + " " + st.uid() + ":" + st.gid()
                        + " size " + st.size() + " links " + st.linkCount());
            });
            outcome(out, "read " + path, () -> out.add("  sha256 " + sha256(fs.read(p(path), 1 << 23))));
            outcome(out, "exists " + path, () -> out.add("  " + fs.exists(p(path))));
        }
        return out;
    }

    @FunctionalInterface
    private interface Operation {
        void run() throws Exception;
    }

    private static void outcome(List<String> out, String what, Operation operation) throws Exception {
        try {
            operation.run();
            out.add(what + ": ok");
        } catch (GuestFsException e) {
            out.add(what + ": " + e.kind());
        } catch (IllegalArgumentException e) {
            out.add(what + ": " + e.getClass().getSimpleName());
        }
    }

    private static GuestPath p(String path) {
        return GuestPath.of(path);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    /** A 64 MiB ext4 image made by {@code mke2fs -d}, owners and flags set by debugfs. */
    private Path image() throws Exception {
        Path tree = Files.createDirectories(dir.resolve("tree"));
        Files.createDirectories(tree.resolve("root"));
        Files.setPosixFilePermissions(tree.resolve("root"), PosixFilePermissions.fromString("rwx------"));
        Path etc = Files.createDirectories(tree.resolve("etc"));
        Files.writeString(etc.resolve("passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        Files.writeString(etc.resolve("hosts"), "old\n");
        Files.setPosixFilePermissions(etc.resolve("hosts"), PosixFilePermissions.fromString("rw-r-----"));
        Files.writeString(etc.resolve("shadow"), "s");
        Files.createLink(tree.resolve("root/shadow-copy"), etc.resolve("shadow"));
        Files.writeString(etc.resolve("frozen"), "f");
        Files.writeString(etc.resolve("log"), "l");
        Files.writeString(etc.resolve("tool"), "t");
        Files.setPosixFilePermissions(etc.resolve("tool"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createSymbolicLink(etc.resolve("link"), Path.of("passwd"));
        runOk("mkfifo", etc.resolve("fifo").toString());
        Files.createDirectories(tree.resolve("srv"));
        Files.createDirectories(tree.resolve("locked"));
        Files.createDirectories(tree.resolve("home/evil"));
        Files.createSymbolicLink(tree.resolve("home/evil/.ssh"), Path.of("/etc"));
        Files.createDirectories(tree.resolve("x/y"));
        Files.createSymbolicLink(tree.resolve("x/y/up"), Path.of("../../../../../.."));
        Files.createSymbolicLink(tree.resolve("loop1"), Path.of("loop2"));
        Files.createSymbolicLink(tree.resolve("loop2"), Path.of("loop1"));
        Files.createSymbolicLink(tree.resolve("dangling"), Path.of("nowhere/deeper"));

        Path image = dir.resolve("base.img");
        runOk("mke2fs", "-q", "-F", "-t", "ext4", "-d", tree.toString(), image.toString(), "65536");
        Path script = Files.writeString(dir.resolve("fix.debugfs"), String.join("\n",
                "sif /etc/hosts uid 5",
                "sif /etc/hosts gid 0",
                "sif /etc/tool mode 0104755",
                "sif /srv mode 042775",
                "sif /srv gid 50",
                "sif /etc/frozen flags " + flags(image, "/etc/frozen", 0x10),
                "sif /etc/log flags " + flags(image, "/etc/log", 0x20),
                "sif /locked flags " + flags(image, "/locked", 0x10),
                ""));
        runOk("debugfs", "-w", "-f", script.toString(), image.toString());
        return image;
    }

    private static final Pattern FLAGS = Pattern.compile("Flags:\\s+0x([0-9a-f]+)");

    private static String flags(Path image, String path, int add) {
        Matcher m = FLAGS.matcher(runOk("debugfs", "-R", "stat " + path, image.toString()).stdout());
        int flags = m.find() ? Integer.parseInt(m.group(1), 16) : 0;
        return "0x" + Integer.toHexString(flags | add);
    }
}
