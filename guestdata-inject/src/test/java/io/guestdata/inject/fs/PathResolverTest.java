package io.guestdata.inject.fs;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.guestdata.inject.fs.GuestFsException.Kind;
import io.guestdata.inject.fs.PathResolver.Found;
import io.guestdata.inject.fs.PathResolver.Missing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The resolution rules on an in-memory tree, including a hostile on-disk ".." entry. */
class PathResolverTest {

    /** A tiny directory tree: inode → type, (dir inode, name) → inode, symlink inode → target. */
    private static final class Tree implements PathResolver.Tree {
        final Map<Integer, FileType> types = new HashMap<>();
        final Map<String, Integer> entries = new HashMap<>();
        final Map<Integer, String> links = new HashMap<>();
        int next = 3;

        Tree() {
            types.put(2, FileType.DIRECTORY);
        }

        int add(int dir, String name, FileType type) {
            int ino = next++;
            types.put(ino, type);
            entries.put(dir + "/" + name, ino);
            return ino;
        }

        int link(int dir, String name, String target) {
            int ino = add(dir, name, FileType.SYMLINK);
            links.put(ino, target);
            return ino;
        }

        @Override
        public int rootInode() {
            return 2;
        }

        @Override
        public int lookup(int dir, byte[] name) {
            return entries.getOrDefault(dir + "/" + new String(name, StandardCharsets.UTF_8), 0);
        }

        @Override
        public FileType type(int inode) {
            return types.get(inode);
        }

        @Override
        public byte[] readLink(int inode) {
            return links.get(inode).getBytes(StandardCharsets.UTF_8);
        }
    }

    private final Tree tree = new Tree();
    private final int etc = tree.add(2, "etc", FileType.DIRECTORY);
    private final int passwd = tree.add(etc, "passwd", FileType.REGULAR);
    private final int root = tree.add(2, "root", FileType.DIRECTORY);
    private final int deep = tree.add(tree.add(2, "x", FileType.DIRECTORY), "y", FileType.DIRECTORY);

    {
        tree.link(root, ".ssh", "/etc");
        tree.link(deep, "up", "../../../../../../..");
        tree.link(deep, "rel", "../../etc/passwd");
        tree.link(2, "a", "b");
        tree.link(2, "b", "a");
        tree.link(2, "dangling", "nowhere/deeper");
        // A hostile ".." entry in /etc pointing at /root: never read, the walked stack decides.
        tree.entries.put(etc + "/..", root);
        tree.link(2, "dotdot", "etc/../etc/passwd");
    }

    private PathResolver.Resolution resolve(String path, SymlinkPolicy policy, boolean followFinal)
            throws GuestFsException {
        return new PathResolver(tree).resolve("test", GuestPath.of(path), policy, followFinal);
    }

    private Found found(String path) throws GuestFsException {
        return assertInstanceOf(Found.class, resolve(path, SymlinkPolicy.FOLLOW_INSIDE_GUEST, true));
    }

    @Test
    void absolute_targets_restart_at_the_guest_root() throws GuestFsException {
        Found f = found("/root/.ssh/passwd");
        assertEquals(passwd, f.inode());
        assertEquals("/etc/passwd", f.where());
        assertEquals(etc, f.parent());
    }

    @Test
    void dot_dot_climbs_the_walked_path_and_stops_at_the_root() throws GuestFsException {
        assertEquals(passwd, found("/x/y/up/etc/passwd").inode());
        assertEquals(2, found("/x/y/up").inode());
        assertEquals(passwd, found("/x/y/rel").inode());
        assertEquals(passwd, found("/dotdot").inode(), "the on-disk .. entry of /etc is not used");
    }

    @Test
    void final_symlink_is_itself_unless_followed() throws GuestFsException {
        Found f = assertInstanceOf(Found.class, resolve("/root/.ssh", SymlinkPolicy.FOLLOW_INSIDE_GUEST, false));
        assertEquals(FileType.SYMLINK, f.type());
        assertEquals(root, f.parent());
        assertEquals(FileType.DIRECTORY, found("/root/.ssh").type());
        // NO_FOLLOW still reports a final symlink when not asked to follow it (stat / exists).
        assertEquals(FileType.SYMLINK, assertInstanceOf(Found.class,
                resolve("/root/.ssh", SymlinkPolicy.NO_FOLLOW, false)).type());
    }

    @Test
    void no_follow_refuses_any_symlink_it_would_follow() {
        var e = assertThrows(GuestFsException.class,
                () -> resolve("/root/.ssh/authorized_keys", SymlinkPolicy.NO_FOLLOW, false));
        assertEquals(Kind.SYMLINK_REFUSED, e.kind());
        assertEquals("test /root/.ssh/authorized_keys: /root/.ssh is a symlink to /etc; policy NO_FOLLOW refuses "
                + "symlinks in any component", e.getMessage());
        assertEquals(Kind.SYMLINK_REFUSED, assertThrows(GuestFsException.class,
                () -> resolve("/root/.ssh", SymlinkPolicy.NO_FOLLOW, true)).kind());
    }

    @Test
    void loops_stop_after_forty_links() {
        var e = assertThrows(GuestFsException.class, () -> found("/a"));
        assertEquals(Kind.SYMLINK_LOOP, e.kind());
        assertTrue(e.getMessage().contains("more than 40"), e.getMessage());
    }

    @Test
    void forty_links_in_a_chain_are_fine_forty_one_are_not() throws GuestFsException {
        tree.link(2, "c0", "/etc");
        for (int i = 1; i <= 40; i++) {
            tree.link(2, "c" + i, "c" + (i - 1));
        }
        assertEquals(etc, found("/c39").inode());
        assertEquals(etc, found("/c39/").inode());
        assertEquals(Kind.SYMLINK_LOOP, assertThrows(GuestFsException.class, () -> found("/c40")).kind());
    }

    @Test
    void missing_names_report_where_the_walk_stopped() throws GuestFsException {
        Missing m = assertInstanceOf(Missing.class, resolve("/etc/new/dir", SymlinkPolicy.FOLLOW_INSIDE_GUEST, true));
        assertEquals(etc, m.parent());
        assertEquals("/etc/new", m.missingWhere());
        assertEquals(List.of("new", "dir"), m.remaining().stream().map(String::new).toList());
        assertFalse(m.throughSymlink());
        Missing d = assertInstanceOf(Missing.class, resolve("/dangling/x", SymlinkPolicy.FOLLOW_INSIDE_GUEST, true));
        assertTrue(d.throughSymlink());
        assertEquals(List.of("nowhere", "deeper", "x"), d.remaining().stream().map(String::new).toList());
        Missing viaDir = assertInstanceOf(Missing.class,
                resolve("/root/.ssh/authorized_keys", SymlinkPolicy.FOLLOW_INSIDE_GUEST, false));
        assertFalse(viaDir.throughSymlink(), "only the link's own names count as through the symlink");
        assertEquals(etc, viaDir.parent());
    }

    @Test
    void a_file_in_a_directory_position_is_not_a_directory() {
        var e = assertThrows(GuestFsException.class, () -> found("/etc/passwd/x"));
        assertEquals(Kind.NOT_A_DIRECTORY, e.kind());
        assertEquals("test /etc/passwd/x: /etc/passwd is a regular file, not a directory", e.getMessage());
    }

    @Test
    void symlink_targets_are_split_on_slashes() {
        assertEquals(List.of("a", "b"), PathResolver.split("//a//b/".getBytes()).stream().map(String::new).toList());
        assertTrue(PathResolver.split("/".getBytes()).isEmpty());
    }
}
