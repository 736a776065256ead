package io.guestdata.inject.guestfs;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import io.guestdata.inject.block.InjectPartition;
import io.guestdata.inject.fs.AccessPolicy;
import io.guestdata.inject.fs.FileStat;
import io.guestdata.inject.fs.FileType;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.fs.GuestFsException.Kind;
import io.guestdata.inject.fs.GuestPath;
import io.guestdata.inject.fs.HardLinkPolicy;
import io.guestdata.inject.fs.SymlinkPolicy;

import static io.guestdata.inject.guestfs.GuestTools.runOk;
import static io.guestdata.inject.guestfs.GuestTools.xfsContent;
import static io.guestdata.inject.guestfs.GuestTools.xfsInode;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The libguestfs backend on a real XFS image, in ONE appliance launch: the guest is made by
 * {@code mkfs.xfs -p} (a prototype file: directories, files with modes and owners, symlinks, a
 * fifo, a set-uid file, a set-group-id directory, a link target that is not UTF-8), completed in
 * the same appliance (a hard link, immutable and append-only flags), then written through
 * {@link GuestfsFilesystem}; after close, {@code xfs_repair -n} must be clean and every result is
 * read back from the image by {@code xfs_db}, not by libguestfs.
 */
@Tag("guestfs")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GuestfsXfsTest {

    static final byte[] KEY = ("\n# The following ssh key was injected by Nova\n"
            + "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGuestdataTestKeyOnly test@guestdata\n").getBytes(StandardCharsets.UTF_8);

    @TempDir
    static Path dir;
    static Path image;
    static GuestfsFilesystem fs;
    static byte[] big;

    private static GuestPath p(String path) {
        return GuestPath.of(path);
    }

    @BeforeAll
    static void launch() throws Exception {
        Path passwd = Files.writeString(dir.resolve("passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        Path one = Files.writeString(dir.resolve("one"), "f");
        String proto = String.join("\n",
                "/dev/null", "0 0", "d--755 0 0",
                "root d--700 0 0", "$",
                "home d--755 0 0",
                "  evil d--755 1000 1000",
                "    .ssh l--777 1000 1000 /etc",
                "  $", "$",
                "etc d--755 0 0",
                "  passwd ---644 0 0 " + passwd,
                "  hosts ---640 5 0 " + one,
                "  shadow ---640 0 42 " + one,
                "  frozen ---644 0 0 " + one,
                "  log ---644 0 0 " + one,
                "  link l--777 0 0 passwd",
                "  tool -u-755 0 0 " + one,
                "  fifo p--644 0 0",
                "$",
                "srv d-g775 0 50", "$",
                "locked d--755 0 0", "$",
                "x d--755 0 0", "  y d--755 0 0", "    up l--777 0 0 ../../../../../..", "  $", "$",
                "loop1 l--777 0 0 loop2",
                "loop2 l--777 0 0 loop1",
                "dangling l--777 0 0 nowhere/deeper",
                "$", "");
        // A link target that is not UTF-8 (Latin-1 é), written as raw bytes.
        byte[] protoBytes = (proto.substring(0, proto.length() - 2)).getBytes(StandardCharsets.UTF_8);
        byte[] latin1 = "latin1 l--777 0 0 /x\u00e9y\n$\n".getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = Arrays.copyOf(protoBytes, protoBytes.length + latin1.length);
        System.arraycopy(latin1, 0, all, protoBytes.length, latin1.length);
        Path protofile = Files.write(dir.resolve("proto"), all);
        image = dir.resolve("xfs.img");
        try (var f = new java.io.RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(400L << 20); // mkfs.xfs wants 300 MiB at least; the file stays sparse
        }
        runOk("mkfs.xfs", "-q", "-p", protofile.toString(), image.toString());

        fs = GuestfsFilesystem.open(image, "raw", new InjectPartition.WholeDisk(), false, GuestTools.settings());
        JavaBindingHandle g = (JavaBindingHandle) fs.handle();
        g.invokeByName("ln", "/etc/shadow", "/root/shadow-copy");
        g.invokeByName("set_e2attrs", "/etc/frozen", "i");
        g.invokeByName("set_e2attrs", "/etc/log", "a");
        g.invokeByName("set_e2attrs", "/locked", "i");
        big = new byte[GuestfsFilesystem.WRITE_CHUNK * 2 + 12345];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i % 251); // NULs and bytes that are not UTF-8 included
        }
    }

    @AfterAll
    static void closeIfATestFailedBeforeTheEnd() throws GuestFsException {
        if (fs != null) {
            fs.close();
        }
    }

    private static GuestFsException refused(Kind kind, GuestfsFilesystemModelTest.ThrowingCall call) {
        GuestFsException e = assertThrows(GuestFsException.class, call::run);
        assertEquals(kind, e.kind(), e.getMessage());
        return e;
    }

    @Test
    @Order(1)
    void novaKeyInjection() throws Exception {
        assertEquals(List.of(new GuestfsFilesystem.Mount("/dev/sda", "/")), fs.mounts());
        fs.makeDirectories(p("/root/.ssh"), 0700, 0, 0, AccessPolicy.STRICT);
        fs.append(p("/root/.ssh/authorized_keys"), KEY, AccessPolicy.STRICT);
        fs.chmod(p("/root/.ssh/authorized_keys"), 0600, AccessPolicy.STRICT);
        FileStat st = fs.stat(p("/root/.ssh/authorized_keys"));
        assertEquals(List.of(FileType.REGULAR, 0600, 0, 0, (long) KEY.length, 1),
                List.of(st.type(), st.mode(), st.uid(), st.gid(), st.size(), st.linkCount()));
        assertArrayEquals(KEY, fs.read(p("/root/.ssh/authorized_keys"), 4096));
    }

    @Test
    @Order(2)
    void directoriesFilesAndOwners() throws Exception {
        fs.makeDirectories(p("/opt/a/b"), 02751, 1000, 1001);
        fs.replace(p("/etc/hosts"), "127.0.0.1 localhost\n".getBytes(StandardCharsets.UTF_8));
        fs.replace(p("/etc/motd"), "hello\n".getBytes(StandardCharsets.UTF_8));
        fs.replace(p("/srv/new"), new byte[] {1, 2, 3});
        fs.replace(p("/opt/big"), big);
        fs.append(p("/opt/big"), new byte[] {0, (byte) 0xff});
        fs.chown(p("/etc/tool"), 10, 20);
        assertEquals(04755, fs.stat(p("/etc/tool")).mode());
        byte[] read = fs.read(p("/opt/big"), big.length + 2);
        assertEquals(big.length + 2, read.length);
        assertArrayEquals(big, Arrays.copyOf(read, big.length));
        assertTrue(fs.freeBytes() > 300L << 20, "freeBytes " + fs.freeBytes());
    }

    @Test
    @Order(3)
    void symlinksResolveInsideTheGuest() throws Exception {
        // /x/y/up is ../../../../../.. : at the guest root it stays at the guest root.
        fs.replace(p("/x/y/up/etc/via-up"), "u".getBytes(StandardCharsets.UTF_8));
        assertTrue(fs.exists(p("/etc/via-up")));
        assertEquals(30, fs.read(p("/etc/link"), 100).length);
        assertEquals(java.util.Optional.of("/etc"), fs.stat(p("/home/evil/.ssh")).symlinkTarget());
        GuestFsException e = refused(Kind.SYMLINK_REFUSED, () -> fs.append(p("/home/evil/.ssh/authorized_keys"), KEY,
                AccessPolicy.STRICT));
        assertEquals("append /home/evil/.ssh/authorized_keys: /home/evil/.ssh is a symlink to /etc; policy NO_FOLLOW"
                + " refuses symlinks in any component", e.getMessage());
        refused(Kind.SYMLINK_REFUSED, () -> fs.makeDirectories(p("/home/evil/.ssh"), 0700, 0, 0, AccessPolicy.STRICT));
        refused(Kind.SYMLINK_REFUSED, () -> fs.replace(p("/etc/link"), new byte[1]));
        refused(Kind.SYMLINK_REFUSED, () -> fs.chmod(p("/etc/link"), 0600));
        refused(Kind.SYMLINK_REFUSED, () -> fs.read(p("/etc/link"), 100,
                new AccessPolicy(SymlinkPolicy.NO_FOLLOW, HardLinkPolicy.REFUSE)));
        refused(Kind.SYMLINK_LOOP, () -> fs.replace(p("/loop1/x"), new byte[1]));
        refused(Kind.SYMLINK_REFUSED, () -> fs.makeDirectories(p("/dangling"), 0755, 0, 0));
        refused(Kind.NOT_FOUND, () -> fs.replace(p("/dangling/x"), new byte[1]));
        refused(Kind.UNSUPPORTED_FEATURE, () -> fs.read(p("/latin1/x"), 10));
        refused(Kind.UNSUPPORTED_FEATURE, () -> fs.replace(p("/etc/\uD83D\uDE00"), new byte[1]));
    }

    @Test
    @Order(4)
    void refusals() throws Exception {
        assertEquals(2, fs.stat(p("/etc/shadow")).linkCount());
        refused(Kind.HARD_LINK_REFUSED, () -> fs.replace(p("/etc/shadow"), new byte[1]));
        refused(Kind.HARD_LINK_REFUSED, () -> fs.chown(p("/root/shadow-copy"), 0, 0));
        refused(Kind.INODE_FLAGS_REFUSED, () -> fs.replace(p("/etc/frozen"), new byte[1]));
        refused(Kind.INODE_FLAGS_REFUSED, () -> fs.chmod(p("/etc/frozen"), 0600));
        refused(Kind.INODE_FLAGS_REFUSED, () -> fs.replace(p("/etc/log"), new byte[1]));
        fs.append(p("/etc/log"), "+".getBytes(StandardCharsets.UTF_8));
        refused(Kind.INODE_FLAGS_REFUSED, () -> fs.replace(p("/locked/new"), new byte[1]));
        refused(Kind.NOT_A_REGULAR_FILE, () -> fs.replace(p("/etc/fifo"), new byte[1]));
        refused(Kind.IS_A_DIRECTORY, () -> fs.read(p("/etc"), 10));
        refused(Kind.NOT_FOUND, () -> fs.replace(p("/nope/x"), new byte[1]));
        refused(Kind.NOT_A_DIRECTORY, () -> fs.makeDirectories(p("/etc/passwd/x"), 0755, 0, 0));
        refused(Kind.TOO_LARGE, () -> fs.read(p("/opt/big"), 10));
        assertFalse(fs.exists(p("/etc/passwd/x")));
    }

    @Test
    @Order(99)
    void afterCloseXfsRepairIsCleanAndXfsDbReadsTheResults() throws Exception {
        fs.close();
        fs = null;
        runOk("xfs_repair", "-n", image.toString());

        assertEquals(inode("040700", 0, 0), owner(xfsInode(image, "/root/.ssh")));
        assertEquals(inode("0100600", 0, 0), owner(xfsInode(image, "/root/.ssh/authorized_keys")));
        assertArrayEquals(KEY, xfsContent(image, "/root/.ssh/authorized_keys"));
        assertEquals(inode("042751", 1000, 1001), owner(xfsInode(image, "/opt/a")));
        assertEquals(inode("042751", 1000, 1001), owner(xfsInode(image, "/opt/a/b")));
        assertEquals(inode("0100640", 5, 0), owner(xfsInode(image, "/etc/hosts")));
        assertEquals("127.0.0.1 localhost\n", new String(xfsContent(image, "/etc/hosts"), StandardCharsets.UTF_8));
        assertEquals(inode("0100644", 0, 0), owner(xfsInode(image, "/etc/motd")));
        assertEquals(inode("0100644", 0, 0), owner(xfsInode(image, "/srv/new")), "not the set-group-id directory's group");
        assertEquals(inode("0104755", 10, 20), owner(xfsInode(image, "/etc/tool")));
        byte[] onDisk = xfsContent(image, "/opt/big");
        assertEquals(big.length + 2, onDisk.length);
        assertArrayEquals(big, Arrays.copyOf(onDisk, big.length));
        assertEquals("u", new String(xfsContent(image, "/etc/via-up"), StandardCharsets.UTF_8));
        assertEquals("f+", new String(xfsContent(image, "/etc/log"), StandardCharsets.UTF_8));
        // What was refused is as it was.
        assertEquals("f", new String(xfsContent(image, "/etc/frozen"), StandardCharsets.UTF_8));
        assertEquals("f", new String(xfsContent(image, "/etc/shadow"), StandardCharsets.UTF_8));
        assertEquals(inode("0100644", 0, 0), owner(xfsInode(image, "/etc/frozen")));
        assertEquals(Map.of(), xfsInode(image, "/etc/authorized_keys"));
        assertEquals(Map.of(), xfsInode(image, "/locked/new"));
        assertEquals(Map.of(), xfsInode(image, "/nowhere"));
    }

    private static List<String> inode(String mode, int uid, int gid) {
        return List.of(mode, Integer.toString(uid), Integer.toString(gid));
    }

    private static List<String> owner(Map<String, String> inode) {
        return List.of(String.valueOf(inode.get("core.mode")), String.valueOf(inode.get("core.uid")),
                String.valueOf(inode.get("core.gid")));
    }
}
