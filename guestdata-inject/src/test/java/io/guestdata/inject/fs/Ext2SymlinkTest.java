package io.guestdata.inject.fs;

import io.guestdata.testkit.ToolTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.guestdata.inject.fs.GuestFsException.Kind;

import static io.guestdata.inject.fs.Ext2Tools.assertClean;
import static io.guestdata.inject.fs.Ext2Tools.cat;
import static io.guestdata.inject.fs.Ext2Tools.sha256;
import static io.guestdata.inject.fs.Ext2Tools.stat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A hostile guest, made with {@code mke2fs -d}: symlinked {@code /root/.ssh -> /etc}, a {@code ..}
 * chain climbing above the root, a symlink loop, an absolute symlink to {@code /etc/passwd}, a slow
 * (long) symlink, a dangling one, a hard link. Every write either lands where the guest kernel would
 * put it or is refused; refused ones leave the image bytes as they were.
 */
@ToolTest
class Ext2SymlinkTest {

    private static final String PASSWD = "root:x:0:0:root:/root:/bin/bash\n";
    private static final String LONG_TARGET = "/etc/./././././././././././././././././././././././././././passwd";

    @TempDir
    Path dir;

    private Path img;

    @BeforeEach
    void hostileImage() throws IOException {
        Path t = dir.resolve("tree");
        Files.createDirectories(t.resolve("etc"));
        Files.writeString(t.resolve("etc/passwd"), PASSWD);
        Files.writeString(t.resolve("etc/shadow"), "root:*:19000:0:99999:7:::\n");
        Files.createDirectories(t.resolve("root"));
        Files.createSymbolicLink(t.resolve("root/.ssh"), Path.of("/etc"));
        Files.createDirectories(t.resolve("home/u"));
        Files.createSymbolicLink(t.resolve("home/u/.ssh"), Path.of("../../etc"));
        Files.createDirectories(t.resolve("a/b/c"));
        Files.createSymbolicLink(t.resolve("a/b/c/up"), Path.of("../../../../../../../../.."));
        Files.createSymbolicLink(t.resolve("loop1"), Path.of("/loop2"));
        Files.createSymbolicLink(t.resolve("loop2"), Path.of("loop1"));
        Files.createSymbolicLink(t.resolve("pw"), Path.of("/etc/passwd"));
        Files.createSymbolicLink(t.resolve("longlink"), Path.of(LONG_TARGET));
        Files.createSymbolicLink(t.resolve("dangling"), Path.of("/nonexistent/dir"));
        Files.createSymbolicLink(t.resolve("etcdir"), Path.of("etc"));
        Files.createDirectories(t.resolve("data"));
        Files.writeString(t.resolve("data/one"), "shared\n");
        Files.createLink(t.resolve("data/two"), t.resolve("data/one"));
        img = Ext2Tools.mkfs(dir.resolve("hostile.img"), 16 * 1024, 0, t, "-t", "ext4");
    }

    private Ext2Filesystem rw() throws GuestFsException {
        return Ext2Filesystem.open(img, 0, OpenMode.READ_WRITE);
    }

    /** Runs a write that must be refused with {@code kind}, and checks the image did not change. */
    private GuestFsException refused(Kind kind, GuestFsOperation op) throws Exception {
        String before = sha256(img);
        GuestFsException e;
        try (Ext2Filesystem fs = rw()) {
            e = assertThrows(GuestFsException.class, () -> op.run(fs));
        }
        assertEquals(kind, e.kind(), e::getMessage);
        assertEquals(before, sha256(img), "a refused write changed the image: " + e.getMessage());
        assertClean(img, 0);
        return e;
    }

    interface GuestFsOperation {
        void run(Ext2Filesystem fs) throws GuestFsException;
    }

    @Test
    void no_follow_refuses_root_ssh_pointing_at_etc() throws Exception {
        var e = refused(Kind.SYMLINK_REFUSED, fs -> fs.append(GuestPath.of("/root/.ssh/authorized_keys"),
                "ssh-rsa AAAA x\n".getBytes(), AccessPolicy.STRICT));
        assertEquals("append /root/.ssh/authorized_keys: /root/.ssh is a symlink to /etc; "
                + "policy NO_FOLLOW refuses symlinks in any component", e.getMessage());
        refused(Kind.SYMLINK_REFUSED, fs -> fs.makeDirectories(GuestPath.of("/root/.ssh"), 0700, 0, 0, AccessPolicy.STRICT));
        refused(Kind.SYMLINK_REFUSED, fs -> fs.chmod(GuestPath.of("/root/.ssh"), 0700, AccessPolicy.STRICT));
        assertNull(stat(img, 0, "/etc/authorized_keys"));
    }

    @Test
    void a_final_symlink_is_never_written_through_even_by_default() throws Exception {
        var e = refused(Kind.SYMLINK_REFUSED, fs -> fs.replace(GuestPath.of("/pw"), "evil\n".getBytes()));
        assertEquals("replace /pw: /pw is a symlink to /etc/passwd; a write never goes through a symlink "
                + "as the final component", e.getMessage());
        refused(Kind.SYMLINK_REFUSED, fs -> fs.append(GuestPath.of("/pw"), "x".getBytes()));
        refused(Kind.SYMLINK_REFUSED, fs -> fs.chmod(GuestPath.of("/root/.ssh"), 0700));
        refused(Kind.SYMLINK_REFUSED, fs -> fs.chown(GuestPath.of("/root/.ssh"), 0, 0));
        refused(Kind.SYMLINK_REFUSED, fs -> fs.replace(GuestPath.of("/dangling"), "x".getBytes()));
        assertEquals(PASSWD, new String(cat(img, 0, "/etc/passwd")));
        assertEquals(0755, stat(img, 0, "/etc").mode());
    }

    @Test
    void directory_symlinks_are_followed_inside_the_guest_by_default() throws Exception {
        try (Ext2Filesystem fs = rw()) {
            // mkdir -p of an existing symlinked directory creates nothing, like mkdir -p on Linux.
            fs.makeDirectories(GuestPath.of("/root/.ssh"), 0700, 0, 0);
            fs.append(GuestPath.of("/root/.ssh/authorized_keys"), "k1\n".getBytes());
            fs.append(GuestPath.of("/home/u/.ssh/authorized_keys"), "k2\n".getBytes());
            fs.replace(GuestPath.of("/etcdir/motd"), "hello\n".getBytes());
            fs.makeDirectories(GuestPath.of("/a/b/c/up/srv/x"), 0755, 0, 0);
        }
        assertClean(img, 0);
        assertEquals("k1\nk2\n", new String(cat(img, 0, "/etc/authorized_keys")));
        assertEquals("hello\n", new String(cat(img, 0, "/etc/motd")));
        assertEquals("directory", stat(img, 0, "/srv/x").type());
        assertEquals("symlink", stat(img, 0, "/root/.ssh").type());
    }

    @Test
    void dot_dot_above_the_root_stays_at_the_root() throws Exception {
        try (Ext2Filesystem fs = Ext2Filesystem.open(img, 0, OpenMode.READ_ONLY)) {
            assertEquals(PASSWD, new String(fs.read(GuestPath.of("/a/b/c/up/etc/passwd"), 100)));
            // ".." in a GuestPath is lexical (before any symlink), so this is /a/etc/passwd.
            assertEquals("/a/etc/passwd", GuestPath.of("/a/b/c/up/../../../etc/passwd").toString());
            assertEquals(Kind.NOT_FOUND, assertThrows(GuestFsException.class,
                    () -> fs.read(GuestPath.of("/a/b/c/up/../../../etc/passwd"), 100)).kind());
            assertEquals(PASSWD, new String(fs.read(GuestPath.of("/../../../etc/passwd"), 100)));
            FileStat up = fs.stat(GuestPath.of("/a/b/c/up"));
            assertEquals(FileType.SYMLINK, up.type());
            assertEquals("../../../../../../../../..", up.symlinkTarget().orElseThrow());
            assertEquals(FileType.DIRECTORY, fs.stat(GuestPath.of("/a/b/c/up/a")).type());
        }
    }

    @Test
    void symlink_loops_are_eloop() throws Exception {
        try (Ext2Filesystem fs = Ext2Filesystem.open(img, 0, OpenMode.READ_ONLY)) {
            var e = assertThrows(GuestFsException.class, () -> fs.read(GuestPath.of("/loop1"), 100));
            assertEquals(Kind.SYMLINK_LOOP, e.kind());
            assertTrue(e.getMessage().contains("too many levels of symbolic links (more than 40, ELOOP)"), e.getMessage());
            assertEquals(Kind.SYMLINK_LOOP, assertThrows(GuestFsException.class,
                    () -> fs.stat(GuestPath.of("/loop1/x"))).kind());
            assertEquals(FileType.SYMLINK, fs.stat(GuestPath.of("/loop1")).type());
        }
        refused(Kind.SYMLINK_LOOP, fs -> fs.replace(GuestPath.of("/loop2/file"), "x".getBytes()));
        refused(Kind.SYMLINK_LOOP, fs -> fs.makeDirectories(GuestPath.of("/loop2/d"), 0755, 0, 0));
    }

    @Test
    void reads_follow_a_final_symlink_unless_no_follow() throws Exception {
        try (Ext2Filesystem fs = Ext2Filesystem.open(img, 0, OpenMode.READ_ONLY)) {
            assertEquals(PASSWD, new String(fs.read(GuestPath.of("/pw"), 100)));
            assertEquals(PASSWD, new String(fs.read(GuestPath.of("/longlink"), 100)));
            assertEquals(LONG_TARGET, fs.stat(GuestPath.of("/longlink")).symlinkTarget().orElseThrow());
            assertEquals("/etc/passwd", fs.stat(GuestPath.of("/pw")).symlinkTarget().orElseThrow());
            var e = assertThrows(GuestFsException.class, () -> fs.read(GuestPath.of("/pw"), 100, AccessPolicy.STRICT));
            assertEquals(Kind.SYMLINK_REFUSED, e.kind());
            assertTrue(fs.exists(GuestPath.of("/dangling")));
            assertFalse(fs.exists(GuestPath.of("/dangling/x")));
            assertEquals(Kind.NOT_FOUND, assertThrows(GuestFsException.class,
                    () -> fs.read(GuestPath.of("/dangling"), 100)).kind());
        }
        assertEquals(LONG_TARGET.length(), (int) stat(img, 0, "/longlink").size());
    }

    @Test
    void dangling_symlinks_are_not_created_through() throws Exception {
        var e = refused(Kind.SYMLINK_REFUSED, fs -> fs.makeDirectories(GuestPath.of("/dangling/sub"), 0755, 0, 0));
        assertTrue(e.getMessage().contains("/nonexistent is the target of a dangling symlink"), e.getMessage());
        refused(Kind.NOT_FOUND, fs -> fs.replace(GuestPath.of("/dangling/x"), "x".getBytes()));
        assertNull(stat(img, 0, "/nonexistent"));
    }

    @Test
    void a_file_in_a_directory_position_is_an_error() throws Exception {
        var e = refused(Kind.NOT_A_DIRECTORY, fs -> fs.replace(GuestPath.of("/etc/passwd/x"), "x".getBytes()));
        assertEquals("replace /etc/passwd/x: /etc/passwd is a regular file, not a directory", e.getMessage());
        e = refused(Kind.NOT_A_DIRECTORY, fs -> fs.makeDirectories(GuestPath.of("/etc/passwd"), 0755, 0, 0));
        assertEquals("mkdir -p /etc/passwd: /etc/passwd exists and is a regular file, not a directory", e.getMessage());
        refused(Kind.NOT_A_DIRECTORY, fs -> fs.makeDirectories(GuestPath.of("/pw/sub"), 0755, 0, 0));
        refused(Kind.IS_A_DIRECTORY, fs -> fs.replace(GuestPath.of("/etc"), "x".getBytes()));
        refused(Kind.NOT_FOUND, fs -> fs.replace(GuestPath.of("/no/such/dir/file"), "x".getBytes()));
        refused(Kind.NOT_FOUND, fs -> fs.chmod(GuestPath.of("/no/such"), 0600));
    }

    @Test
    void hard_linked_files_are_refused_unless_allowed() throws Exception {
        var e = refused(Kind.HARD_LINK_REFUSED, fs -> fs.append(GuestPath.of("/data/one"), "more\n".getBytes()));
        assertEquals("append /data/one: /data/one has 2 hard links; writing would change the other names too "
                + "(HardLinkPolicy.ALLOW permits it)", e.getMessage());
        refused(Kind.HARD_LINK_REFUSED, fs -> fs.replace(GuestPath.of("/data/two"), "x".getBytes()));
        refused(Kind.HARD_LINK_REFUSED, fs -> fs.chmod(GuestPath.of("/data/two"), 0600));
        refused(Kind.HARD_LINK_REFUSED, fs -> fs.chown(GuestPath.of("/data/two"), 1, 1));
        AccessPolicy allow = new AccessPolicy(SymlinkPolicy.FOLLOW_INSIDE_GUEST, HardLinkPolicy.ALLOW);
        try (Ext2Filesystem fs = rw()) {
            fs.append(GuestPath.of("/data/one"), "more\n".getBytes(), allow);
            fs.chmod(GuestPath.of("/data/two"), 0600, allow);
        }
        assertClean(img, 0);
        assertEquals("shared\nmore\n", new String(cat(img, 0, "/data/two")));
        assertEquals(0600, stat(img, 0, "/data/one").mode());
        assertEquals(2, stat(img, 0, "/data/one").links());
    }
}
