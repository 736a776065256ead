package io.guestdata.inject.guestfs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.guestdata.inject.fs.FileType;

/**
 * An in-memory stand-in for a launched libguestfs handle, with the kernel rules the backend relies
 * on (umask, chown clearing set-id bits, immutable/append-only refusals, set-group-id directories)
 * and one rule of its own: the backend must never hand it a path that goes through a symlink
 * (it resolves links itself), so meeting one in a directory position, or as the final name of an
 * operation that would follow it, fails the test.
 */
final class ModelHandle implements GuestfsHandle {

    static final class Node {
        final FileType type;
        int mode;
        long uid;
        long gid;
        final long ino;
        String attrs = "";
        byte[] content = new byte[0];
        String target;
        int nlink = 1;
        final TreeMap<String, Node> children = new TreeMap<>();

        Node(FileType type, int mode, long ino) {
            this.type = type;
            this.mode = mode;
            this.ino = ino;
        }
    }

    /** Every call, in order, as "name args" (content as its length). */
    final List<String> calls = new ArrayList<>();
    List<String> partitions = List.of();
    Map<String, String> filesystems = Map.of("/dev/sda", "xfs");
    List<String> roots = List.of();
    Map<String, String> mountpoints = Map.of();
    long bavail = 1_000_000;
    long favail = 1_000_000;
    /** readlink answers as the binding would for a target that is not UTF-8: text of another byte length. */
    final Map<String, String> lossyLinks = new LinkedHashMap<>();
    boolean closed;

    private long nextIno = 128;
    private int umask = 022;
    final Node root = new Node(FileType.DIRECTORY, 0755, nextIno++);

    private static LibguestfsException errno(String call, String path, String text) {
        return new LibguestfsException(call + ": " + path + ": " + text);
    }

    private void log(String call, Object... args) {
        if (closed) {
            throw new IllegalStateException("call on a closed handle: " + call);
        }
        StringBuilder b = new StringBuilder(call);
        for (Object a : args) {
            b.append(' ').append(a instanceof byte[] bytes ? "<" + bytes.length + " bytes>" : String.valueOf(a));
        }
        calls.add(b.toString());
    }

    /** Calls that change the guest. */
    List<String> writes() {
        return calls.stream().filter(c -> c.matches("(mkdir_mode|chmod|lchown|write|write_append) .*")).toList();
    }

    // --- building a guest -------------------------------------------------------------------

    Node dir(String path, int mode) {
        return add(path, new Node(FileType.DIRECTORY, mode, nextIno++));
    }

    Node file(String path, int mode, String content) {
        Node n = add(path, new Node(FileType.REGULAR, mode, nextIno++));
        n.content = content.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return n;
    }

    Node symlink(String path, String target) {
        Node n = add(path, new Node(FileType.SYMLINK, 0777, nextIno++));
        n.target = target;
        return n;
    }

    Node fifo(String path) {
        return add(path, new Node(FileType.FIFO, 0644, nextIno++));
    }

    void hardLink(String existing, String path) {
        Node n = lookup(existing, false);
        n.nlink++;
        parentOf(path).children.put(nameOf(path), n);
    }

    private Node add(String path, Node node) {
        parentOf(path).children.put(nameOf(path), node);
        return node;
    }

    Node at(String path) {
        return lookup(path, false);
    }

    private Node parentOf(String path) {
        return lookup(path.substring(0, Math.max(1, path.lastIndexOf('/'))), false);
    }

    private static String nameOf(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** The node at a symlink-free path (null if missing); {@code follow} asserts a final symlink is not passed either. */
    private Node lookup(String path, boolean follow) {
        if (!path.startsWith("/")) {
            throw new AssertionError("relative path handed to libguestfs: " + path);
        }
        Node n = root;
        List<String> names = Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toList();
        for (int i = 0; i < names.size(); i++) {
            if (n.type == FileType.SYMLINK) {
                throw new AssertionError("path handed to libguestfs goes through symlink: " + path);
            }
            if (n.type != FileType.DIRECTORY) {
                return null;
            }
            n = n.children.get(names.get(i));
            if (n == null) {
                return null;
            }
        }
        if (follow && n.type == FileType.SYMLINK) {
            throw new AssertionError("libguestfs would follow the final symlink of " + path);
        }
        return n;
    }

    private Node existing(String call, String path, boolean follow) throws LibguestfsException {
        Node n = lookup(path, follow);
        if (n == null) {
            throw errno(call, path, "No such file or directory");
        }
        return n;
    }

    private static GuestfsStat stat(Node n) {
        long size = switch (n.type) {
            case REGULAR -> n.content.length;
            case SYMLINK -> n.target.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            default -> 4096;
        };
        return new GuestfsStat(2049, n.ino, n.type.bits() | n.mode, n.nlink, n.uid, n.gid, size);
    }

    // --- GuestfsHandle -----------------------------------------------------------------------

    @Override
    public void setBackend(String backend) {
        log("set_backend", backend);
    }

    @Override
    public void setBackendSettings(List<String> settings) {
        log("set_backend_settings", settings);
    }

    @Override
    public void setMemsize(int mebibytes) {
        log("set_memsize", mebibytes);
    }

    @Override
    public void addDrive(Path image, String format, boolean readOnly) {
        log("add_drive", image.getFileName(), format, readOnly);
    }

    @Override
    public void addNbdDrive(Path socket, boolean readOnly) {
        log("add_nbd_drive", socket.getFileName(), readOnly);
    }

    @Override
    public void launch() {
        log("launch");
    }

    @Override
    public List<String> listPartitions() {
        log("list_partitions");
        return partitions;
    }

    @Override
    public Map<String, String> listFilesystems() {
        log("list_filesystems");
        return filesystems;
    }

    @Override
    public List<String> inspectOs() {
        log("inspect_os");
        return roots;
    }

    @Override
    public Map<String, String> inspectGetMountpoints(String root) {
        log("inspect_get_mountpoints", root);
        return mountpoints;
    }

    @Override
    public void mount(String device, String mountpoint) {
        log("mount", device, mountpoint);
    }

    @Override
    public void mountRo(String device, String mountpoint) {
        log("mount_ro", device, mountpoint);
    }

    @Override
    public void umask(int mask) {
        log("umask", Integer.toOctalString(mask));
        umask = mask;
    }

    @Override
    public List<GuestfsStat> lstatnsList(String dir, List<String> names) throws LibguestfsException {
        log("lstatnslist", dir, names);
        Node d = existing("internal_lstatnslist", dir, true);
        if (d.type != FileType.DIRECTORY) {
            throw errno("internal_lstatnslist", dir, "Not a directory");
        }
        List<GuestfsStat> out = new ArrayList<>();
        for (String name : names) {
            Node n = d.children.get(name);
            out.add(n == null ? new GuestfsStat(0, -1, 0, 0, 0, 0, 0) : stat(n));
        }
        return out;
    }

    @Override
    public GuestfsStat lstatns(String path) throws LibguestfsException {
        log("lstatns", path);
        return stat(existing("lstatns", path, false));
    }

    @Override
    public String readlink(String path) throws LibguestfsException {
        log("readlink", path);
        Node n = existing("readlink", path, false);
        if (n.type != FileType.SYMLINK) {
            throw errno("readlink", path, "Invalid argument");
        }
        return lossyLinks.getOrDefault(path, n.target);
    }

    @Override
    public String getE2attrs(String path) throws LibguestfsException {
        log("get_e2attrs", path);
        Node n = existing("get_e2attrs", path, true);
        if (n.type != FileType.REGULAR && n.type != FileType.DIRECTORY) {
            throw errno("get_e2attrs: lsattr", path, "Operation not supported");
        }
        return n.attrs;
    }

    @Override
    public void mkdirMode(String path, int mode) throws LibguestfsException {
        log("mkdir_mode", path, Integer.toOctalString(mode));
        Node parent = existing("mkdir_mode", path.substring(0, Math.max(1, path.lastIndexOf('/'))), true);
        if (parent.children.containsKey(nameOf(path))) {
            throw errno("mkdir_mode", path, "File exists");
        }
        if (parent.attrs.contains("i") || parent.attrs.contains("a")) {
            throw errno("mkdir_mode", path, "Operation not permitted");
        }
        Node n = add(path, new Node(FileType.DIRECTORY, mode & ~umask & 0777, nextIno++));
        inheritGroup(parent, n);
        if ((parent.mode & 02000) != 0) {
            n.mode |= 02000;
        }
    }

    private static void inheritGroup(Node parent, Node child) {
        if ((parent.mode & 02000) != 0) {
            child.gid = parent.gid;
        }
    }

    @Override
    public void chmod(int mode, String path) throws LibguestfsException {
        log("chmod", Integer.toOctalString(mode), path);
        Node n = existing("chmod", path, true);
        if (n.attrs.contains("i") || n.attrs.contains("a")) {
            throw errno("chmod", path, "Operation not permitted");
        }
        n.mode = mode & 07777;
    }

    @Override
    public void lchown(int uid, int gid, String path) throws LibguestfsException {
        log("lchown", uid, gid, path);
        Node n = existing("lchown", path, false);
        if (n.attrs.contains("i") || n.attrs.contains("a")) {
            throw errno("lchown", path, "Operation not permitted");
        }
        n.uid = Integer.toUnsignedLong(uid);
        n.gid = Integer.toUnsignedLong(gid);
        if (n.type != FileType.DIRECTORY) {
            n.mode &= ~06000; // the kernel's ATTR_KILL_SUID / ATTR_KILL_SGID
        }
    }

    @Override
    public void write(String path, byte[] content) throws LibguestfsException {
        log("write", path, content);
        Node n = lookup(path, true);
        if (n == null) {
            Node parent = existing("internal_write: open", path.substring(0, Math.max(1, path.lastIndexOf('/'))), true);
            n = add(path, new Node(FileType.REGULAR, 0666 & ~umask, nextIno++));
            inheritGroup(parent, n);
        } else if (n.type == FileType.DIRECTORY) {
            throw errno("internal_write: open", path, "Is a directory");
        } else if (n.attrs.contains("i") || n.attrs.contains("a")) {
            throw errno("internal_write: open", path, "Operation not permitted");
        }
        n.content = content.clone();
    }

    @Override
    public void writeAppend(String path, byte[] content) throws LibguestfsException {
        log("write_append", path, content);
        Node n = existing("internal_write_append: open", path, true);
        if (n.attrs.contains("i")) {
            throw errno("internal_write_append: open", path, "Operation not permitted");
        }
        byte[] more = Arrays.copyOf(n.content, n.content.length + content.length);
        System.arraycopy(content, 0, more, n.content.length, content.length);
        n.content = more;
    }

    @Override
    public void download(String path, Path hostFile) throws LibguestfsException {
        log("download", path);
        Node n = existing("download", path, true);
        try {
            Files.write(hostFile, n.content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public GuestfsStatVfs statvfs(String path) throws LibguestfsException {
        log("statvfs", path);
        existing("statvfs", path, true);
        return new GuestfsStatVfs(4096, bavail, favail, Math.max(favail, 1));
    }

    @Override
    public void umountAll() {
        log("umount_all");
    }

    @Override
    public void shutdown() {
        log("shutdown");
    }

    @Override
    public void close() {
        log("close");
        closed = true;
    }
}
