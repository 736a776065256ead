package io.guestdata.inject.guestfs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import io.guestdata.inject.block.InjectPartition;
import io.guestdata.inject.fs.AccessPolicy;
import io.guestdata.inject.fs.FileStat;
import io.guestdata.inject.fs.FileType;
import io.guestdata.inject.fs.GuestFilesystem;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.fs.GuestFsException.Kind;
import io.guestdata.inject.fs.GuestPath;
import io.guestdata.inject.fs.InodeAttribute;
import io.guestdata.inject.fs.HardLinkPolicy;
import io.guestdata.inject.fs.PathResolver;
import io.guestdata.inject.fs.PathResolver.Found;
import io.guestdata.inject.fs.PathResolver.Missing;
import io.guestdata.inject.fs.PathResolver.Resolution;
import io.guestdata.inject.fs.SymlinkPolicy;

import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * A guest filesystem of any type the guest kernel knows (XFS, btrfs, ext2/3/4, inside LVM or
 * not) written through libguestfs: a small VM (the appliance) runs the guest's filesystem driver
 * and mounts it <em>inside that VM</em>; nothing is mounted on the host. This is what Nova's
 * {@code VFSGuestFS} did (nova-compat.md §7). It costs an appliance launch per open (~3 s with
 * KVM, 15–20 s under TCG); {@link io.guestdata.inject.fs.Ext2Filesystem} does ext in-process in
 * milliseconds and is preferred wherever it applies.
 *
 * <p><b>Opening.</b> The image is added with its format given (never probed: probing a raw image
 * that looks like qcow2 would follow its backing file on the host), read-only opens with
 * {@code readonly=true} (what {@code add_drive_ro} does, with the format kept), or, for an image
 * this process serves itself ({@link GuestfsDrive.Nbd}), as the default export of an NBD server on
 * a Unix socket, raw; and mounted as
 * the {@link InjectPartition} says: partition N ({@code /dev/sdaN}) or the whole disk at
 * {@code /}, or, for {@link InjectPartition.Find}, {@code inspect_os}: exactly one OS root, else
 * an error naming the roots found; then all of the root's mountpoints from its fstab, sorted by
 * mountpoint path ({@code /} first), as Nova's {@code setup_os_inspect} does. The daemon's umask
 * is set to 022, so new files are 0644 and owned by root.
 *
 * <p><b>Paths.</b> The same {@link PathResolver} as the ext backend walks every path, asking the
 * appliance one name at a time ({@code lstatnslist}) and reading links itself ({@code readlink}),
 * so the same rules hold: symlinks are followed inside the guest (absolute targets restart at
 * the guest root), at most {@value PathResolver#MAX_SYMLINKS} of them; {@link SymlinkPolicy#NO_FOLLOW}
 * refuses any; a write never goes through a final symlink; a hard-linked file is not written
 * unless {@link HardLinkPolicy#ALLOW}; immutable and append-only files (and directories) are
 * refused before the kernel would refuse them. libguestfs is then handed the resolved,
 * symlink-free path. (libguestfs confines every path to the guest anyway, by resolving it in a
 * chroot of the guest's root; the walk here adds the refusals.)
 *
 * <p><b>Names.</b> The Java binding passes strings as JNI's modified UTF-8, which encodes a
 * character above U+FFFF as six bytes instead of UTF-8's four, and reads link targets back
 * leniently. Paths and link targets with such characters, or link targets that are not UTF-8,
 * are refused ({@link Kind#UNSUPPORTED_FEATURE}) instead of being written under other bytes.
 * Content is byte-exact both ways ({@code write} takes a {@code byte[]}; reads use
 * {@code download}).
 *
 * <p><b>Differences from the ext backend.</b> The writes are the guest kernel's: mtime/ctime,
 * block allocation and the free-space figure ({@code statvfs} {@code f_bavail}) are its own;
 * default ACLs in a parent directory can change a new file's mode. A refused call writes nothing
 * (the space check is made before writing); a call the kernel fails midway (I/O error, ENOSPC
 * despite the check) can leave a file truncated, as with any writer.
 *
 * <p>Calls on one instance are serialised. {@link #close()} unmounts, shuts the appliance down
 * (which syncs) and frees the handle; a write is only certainly on disk after close returned.
 * QEMU takes its own locks on the image, so a running VM using the image makes the open fail;
 * the caller must not hold {@link io.guestdata.inject.block.ImageLock} on it at the same time
 * (that lock would make QEMU fail to open the image).
 */
public final class GuestfsFilesystem implements GuestFilesystem {

    /** The formats that may be given: never probed, see the class comment. */
    public static final Set<String> FORMATS = Set.of("raw", "qcow2");

    /**
     * Content per {@code write}/{@code write_append} message. The protocol's message limit is
     * 4 MiB ({@code GUESTFS_MESSAGE_MAX}); larger content goes in several appends.
     */
    static final int WRITE_CHUNK = 1 << 20;
    /** Blocks added to a write's need for directory growth, as the ext backend does. */
    private static final long DIRECTORY_MARGIN_BLOCKS = 3;
    private static final int UMASK = 022;
    private static final int SET_ID_BITS = 06000;
    private static final int S_ISGID = 02000;
    private static final String ROOT_DEVICE = "/dev/sda";

    /**
     * A filesystem mounted in the appliance.
     *
     * @param device     libguestfs' device name ({@code /dev/sda1}, {@code /dev/vg/root}, …)
     * @param mountpoint where, inside the guest's tree
     */
    public record Mount(String device, String mountpoint) {
        public Mount {
            Objects.requireNonNull(device, "device");
            Objects.requireNonNull(mountpoint, "mountpoint");
        }
    }

    private final String image;
    private final boolean readOnly;
    private final List<Mount> mounts;
    private GuestfsHandle handle;

    private GuestfsFilesystem(String image, boolean readOnly, List<Mount> mounts, GuestfsHandle handle) {
        this.image = image;
        this.readOnly = readOnly;
        this.mounts = List.copyOf(mounts);
        this.handle = handle;
    }

    /**
     * Launches an appliance on {@code image} and mounts what {@code target} names, with libguestfs
     * configured by its environment ({@link GuestfsSettings#DEFAULT}).
     *
     * @param format   {@code raw} or {@code qcow2}; never probed
     * @param target   a partition, the whole disk, or {@link InjectPartition.Find} ({@code inspect_os});
     *                 not {@link InjectPartition.Disabled}
     * @param readOnly add the drive read-only and mount read-only; every write is then refused
     * @throws GuestFsException OPEN_FAILED naming the step and libguestfs' message (binding not
     *                          installed, launch failed, partition missing, no or several OS roots,
     *                          mount failed); the appliance is gone again when it is thrown
     */
    public static GuestfsFilesystem open(Path image, String format, InjectPartition target, boolean readOnly)
            throws GuestFsException {
        return open(image, format, target, readOnly, GuestfsSettings.DEFAULT);
    }

    /** As {@link #open(Path, String, InjectPartition, boolean)}, with the appliance's settings. */
    public static GuestfsFilesystem open(Path image, String format, InjectPartition target, boolean readOnly,
                                         GuestfsSettings settings) throws GuestFsException {
        return open(new GuestfsDrive.File(image, format), target, readOnly, settings);
    }

    /**
     * As {@link #open(Path, String, InjectPartition, boolean)}, for any drive (an image file, or an
     * NBD export on a Unix socket), with the appliance's settings.
     */
    public static GuestfsFilesystem open(GuestfsDrive drive, InjectPartition target, boolean readOnly,
                                         GuestfsSettings settings) throws GuestFsException {
        String operation = checkOpen(drive, target, settings);
        GuestfsHandle handle;
        try {
            handle = GuestfsBinding.system().newHandle();
        } catch (GuestfsUnavailableException e) {
            throw new GuestFsException(Kind.OPEN_FAILED, operation, null, e.getMessage());
        } catch (LibguestfsException e) {
            throw new GuestFsException(Kind.OPEN_FAILED, operation, null, "creating a libguestfs handle: " + e.getMessage());
        }
        return open(handle, drive, target, readOnly, settings);
    }

    /** Opens on a given, unlaunched handle; it is closed if the open fails. */
    static GuestfsFilesystem open(GuestfsHandle handle, Path image, String format, InjectPartition target,
                                  boolean readOnly, GuestfsSettings settings) throws GuestFsException {
        return open(handle, new GuestfsDrive.File(image, format), target, readOnly, settings);
    }

    static GuestfsFilesystem open(GuestfsHandle handle, GuestfsDrive drive, InjectPartition target,
                                  boolean readOnly, GuestfsSettings settings) throws GuestFsException {
        String operation = checkOpen(drive, target, settings);
        String description = drive.name() + " (" + drive.how() + (readOnly ? ", read-only)" : ")");
        String step = "configuring libguestfs";
        try {
            settings.applyTo(handle);
            step = "adding the drive";
            drive.addTo(handle, readOnly);
            step = "launching the appliance";
            handle.launch();
            step = "choosing what to mount";
            List<Mount> mounts = chooseMounts(handle, target, operation);
            for (Mount mount : mounts) {
                step = "mounting " + mount.device() + " at " + mount.mountpoint() + (readOnly ? " read-only" : "");
                if (readOnly) {
                    handle.mountRo(mount.device(), mount.mountpoint());
                } else {
                    handle.mount(mount.device(), mount.mountpoint());
                }
            }
            step = "setting the umask";
            handle.umask(UMASK);
            return new GuestfsFilesystem(description, readOnly, mounts, handle);
        } catch (LibguestfsException e) {
            GuestFsException failure = new GuestFsException(Kind.OPEN_FAILED, operation, null, step + ": " + e.getMessage());
            closeAfterFailure(handle, failure);
            throw failure;
        } catch (GuestFsException | RuntimeException e) {
            closeAfterFailure(handle, e);
            throw e;
        }
    }

    private static String checkOpen(GuestfsDrive drive, InjectPartition target, GuestfsSettings settings)
            throws GuestFsException {
        Objects.requireNonNull(drive, "drive");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(settings, "settings");
        if (target instanceof InjectPartition.Disabled) {
            throw new IllegalArgumentException("injection is disabled (inject_partition = -2); nothing to open");
        }
        String operation = "open " + drive.name();
        drive.check(operation);
        return operation;
    }

    private static void closeAfterFailure(GuestfsHandle handle, Exception failure) {
        try {
            handle.close();
        } catch (LibguestfsException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    private static List<Mount> chooseMounts(GuestfsHandle handle, InjectPartition target, String operation)
            throws LibguestfsException, GuestFsException {
        return switch (target) {
            case InjectPartition.Disabled d -> throw new IllegalArgumentException("injection is disabled");
            case InjectPartition.WholeDisk w -> {
                List<String> partitions = handle.listPartitions();
                if (!partitions.isEmpty()) {
                    throw new GuestFsException(Kind.OPEN_FAILED, operation, null, "the whole disk holds a partition"
                            + " table (partitions " + String.join(", ", partitions) + "), not a filesystem; choose a"
                            + " partition, or -1 to find the OS");
                }
                yield List.of(new Mount(ROOT_DEVICE, "/"));
            }
            case InjectPartition.Number(int n) -> {
                List<String> partitions = handle.listPartitions();
                String device = ROOT_DEVICE + n;
                if (!partitions.contains(device)) {
                    throw new GuestFsException(Kind.OPEN_FAILED, operation, null, "partition " + n + " not found; "
                            + (partitions.isEmpty()
                                    ? "the disk has no partitions: use the whole disk (0) or -1 to find the OS"
                                    : "the disk has " + String.join(", ", partitions)));
                }
                yield List.of(new Mount(device, "/"));
            }
            case InjectPartition.Find f -> inspectedMounts(handle, operation);
        };
    }

    /** Nova's {@code setup_os_inspect}: one root, all its mountpoints, sorted by mountpoint path. */
    private static List<Mount> inspectedMounts(GuestfsHandle handle, String operation)
            throws LibguestfsException, GuestFsException {
        List<String> roots = handle.inspectOs();
        if (roots.isEmpty()) {
            Map<String, String> filesystems = handle.listFilesystems();
            throw new GuestFsException(Kind.OPEN_FAILED, operation, null, "no operating system found (inspect_os"
                    + " found no root among " + (filesystems.isEmpty() ? "no filesystems"
                            : filesystems.entrySet().stream().sorted(Map.Entry.comparingByKey())
                                    .map(e -> e.getKey() + " (" + e.getValue() + ")").collect(Collectors.joining(", ")))
                    + "); choose the partition to inject into, or 0 for the whole disk");
        }
        if (roots.size() > 1) {
            throw new GuestFsException(Kind.OPEN_FAILED, operation, null, "multi-boot operating system found: roots "
                    + String.join(", ", roots.stream().sorted().toList()) + "; choose the partition to inject into");
        }
        String root = roots.getFirst();
        List<Mount> mounts = handle.inspectGetMountpoints(root).entrySet().stream()
                .sorted(Map.Entry.comparingByKey(Comparator.naturalOrder()))
                .map(e -> new Mount(e.getValue(), e.getKey()))
                .toList();
        if (mounts.isEmpty() || !mounts.getFirst().mountpoint().equals("/")) {
            throw new GuestFsException(Kind.OPEN_FAILED, operation, null, "inspection of root " + root
                    + " gave no filesystem for / (mountpoints " + mounts + ")");
        }
        return mounts;
    }

    /** What is mounted where, in mount order. */
    public List<Mount> mounts() {
        return mounts;
    }

    /** The handle, for tests that prepare a guest in the same appliance launch. */
    synchronized GuestfsHandle handle() throws GuestFsException {
        requireOpen("handle", null);
        return handle;
    }

    // --- GuestFilesystem -------------------------------------------------------------------

    @Override
    public synchronized boolean exists(GuestPath path, AccessPolicy policy) throws GuestFsException {
        Call call = new Call("exists", path);
        try {
            return call.resolve(policy, false) instanceof Found;
        } catch (GuestFsException e) {
            if (e.kind() == Kind.NOT_A_DIRECTORY) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public synchronized FileStat stat(GuestPath path, AccessPolicy policy) throws GuestFsException {
        Call call = new Call("stat", path);
        Found found = call.existing(call.resolve(policy, false));
        GuestfsStat stat = call.stat(found.inode());
        FileType type = FileType.ofMode(stat.mode());
        Optional<String> target = type == FileType.SYMLINK
                ? Optional.of(new String(call.readLink(found.inode()), UTF_8))
                : Optional.empty();
        // lsattr reads the flags of regular files and directories only (its ioctl needs an open fd).
        Set<InodeAttribute> attributes = type == FileType.REGULAR || type == FileType.DIRECTORY
                ? InodeAttribute.ofLetters(call.attributes(call.where(found.inode())))
                : Set.of();
        return new FileStat(type, stat.mode() & 07777, (int) stat.uid(), (int) stat.gid(), stat.size(),
                (int) Math.min(stat.nlink(), Integer.MAX_VALUE), stat.ino(), target, attributes);
    }

    @Override
    public synchronized byte[] read(GuestPath path, int maxBytes, AccessPolicy policy) throws GuestFsException {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must not be negative: " + maxBytes);
        }
        Call call = new Call("read", path);
        Found found = call.existing(call.resolve(policy, policy.symlinks() == SymlinkPolicy.FOLLOW_INSIDE_GUEST));
        call.requireRegularFile(found);
        long size = call.stat(found.inode()).size();
        if (size > maxBytes) {
            throw call.error(Kind.TOO_LARGE, call.where(found.inode()) + " is " + size
                    + " bytes, more than the limit of " + maxBytes);
        }
        return call.download(call.where(found.inode()), maxBytes);
    }

    @Override
    public synchronized void makeDirectories(GuestPath dir, int mode, int uid, int gid, AccessPolicy policy)
            throws GuestFsException {
        checkIds(uid, gid);
        Call call = new Call("mkdir -p", dir);
        call.requireWritable();
        Resolution resolution = call.resolve(policy, true);
        if (resolution instanceof Found found) {
            if (found.type() != FileType.DIRECTORY) {
                throw call.error(Kind.NOT_A_DIRECTORY, call.where(found.inode()) + " exists and is a "
                        + PathResolver.describe(found.type()) + ", not a directory");
            }
            return;
        }
        Missing missing = (Missing) resolution;
        if (missing.throughSymlink()) {
            throw call.error(Kind.SYMLINK_REFUSED, missing.missingWhere()
                    + " is the target of a dangling symlink; mkdir -p does not create a symlink's target");
        }
        List<String> names = new ArrayList<>();
        for (byte[] name : missing.remaining()) {
            names.add(call.name(name));
        }
        String parent = call.where(missing.parent());
        call.requireMutableDirectory(parent);
        int count = names.size();
        call.requireSpace(parent, count * (1 + DIRECTORY_MARGIN_BLOCKS), count,
                "creating " + count + " director" + (count == 1 ? "y" : "ies"));
        for (String name : names) {
            String created = join(parent, name);
            // Created private, then given its owner, then its exact mode (chown would clear set-id bits).
            call.run("creating directory " + created, () -> handle.mkdirMode(created, 0700));
            call.run("chown " + created, () -> handle.lchown(uid, gid, created));
            call.run("chmod " + created, () -> handle.chmod(mode & 07777, created));
            parent = created;
        }
    }

    @Override
    public synchronized void replace(GuestPath file, byte[] content, AccessPolicy policy) throws GuestFsException {
        Objects.requireNonNull(content, "content");
        Call call = new Call("replace", file);
        call.requireWritable();
        Resolution resolution = call.resolve(policy, false);
        if (resolution instanceof Found found) {
            call.requireContentWritable(found, policy, false);
            String where = call.where(found.inode());
            long held = call.blocksFor(call.stat(found.inode()).size(), where);
            call.requireSpace(where, call.contentBlocks(0, content.length, where) - held, 0,
                    "writing " + content.length + " bytes");
            call.writeContent(where, content);
        } else {
            call.createAndWrite((Missing) resolution, content);
        }
    }

    @Override
    public synchronized void append(GuestPath file, byte[] content, AccessPolicy policy) throws GuestFsException {
        Objects.requireNonNull(content, "content");
        Call call = new Call("append", file);
        call.requireWritable();
        Resolution resolution = call.resolve(policy, false);
        if (resolution instanceof Found found) {
            call.requireContentWritable(found, policy, true);
            String where = call.where(found.inode());
            long size = call.stat(found.inode()).size();
            call.requireSpace(where, call.contentBlocks(size, size + content.length, where), 0,
                    "appending " + content.length + " bytes");
            call.appendContent(where, content, 0);
        } else {
            call.createAndWrite((Missing) resolution, content);
        }
    }

    @Override
    public synchronized void chmod(GuestPath path, int mode, AccessPolicy policy) throws GuestFsException {
        Call call = new Call("chmod", path);
        call.requireWritable();
        Found found = call.existing(call.resolve(policy, false));
        call.requireAttributesWritable(found, policy);
        String where = call.where(found.inode());
        call.run("chmod " + where, () -> handle.chmod(mode & 07777, where));
    }

    @Override
    public synchronized void chown(GuestPath path, int uid, int gid, AccessPolicy policy) throws GuestFsException {
        checkIds(uid, gid);
        Call call = new Call("chown", path);
        call.requireWritable();
        Found found = call.existing(call.resolve(policy, false));
        call.requireAttributesWritable(found, policy);
        String where = call.where(found.inode());
        int mode = call.stat(found.inode()).mode();
        call.run("chown " + where, () -> handle.lchown(uid, gid, where));
        if ((mode & SET_ID_BITS) != 0 && FileType.ofMode(mode) != FileType.DIRECTORY) {
            // The kernel clears set-user/group-id on chown of a non-directory; the ext backend
            // (and the interface) changes only the owner, so the mode is put back.
            call.run("restoring the mode of " + where, () -> handle.chmod(mode & 07777, where));
        }
    }

    /** {@code f_bavail × f_frsize} of the filesystem mounted at {@code /} (writes elsewhere check their own). */
    @Override
    public synchronized long freeBytes() throws GuestFsException {
        requireOpen("free space", null);
        GuestfsStatVfs vfs = statvfs("free space", null, "/");
        return Math.max(0, vfs.bavail()) * vfs.frsize();
    }

    @Override
    public synchronized void close() throws GuestFsException {
        if (handle == null) {
            return;
        }
        GuestfsHandle h = handle;
        handle = null;
        GuestFsException failure = null;
        try {
            h.umountAll();
        } catch (LibguestfsException e) {
            failure = closeFailure("unmounting", e);
        }
        try {
            h.shutdown();
        } catch (LibguestfsException e) {
            failure = addFailure(failure, closeFailure("shutting the appliance down (writes may not have reached the image)", e));
        }
        try {
            h.close();
        } catch (LibguestfsException e) {
            failure = addFailure(failure, closeFailure("closing the handle", e));
        }
        if (failure != null) {
            throw failure;
        }
    }

    private GuestFsException closeFailure(String doing, LibguestfsException e) {
        return new GuestFsException(Kind.LIBGUESTFS, "close " + image, null, doing + ": " + e.getMessage());
    }

    private static GuestFsException addFailure(GuestFsException first, GuestFsException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }

    @Override
    public String toString() {
        return "GuestfsFilesystem[" + image + ", " + mounts + (handle == null ? ", closed]" : "]");
    }

    // --- helpers ---------------------------------------------------------------------------

    private void requireOpen(String operation, GuestPath path) throws GuestFsException {
        if (handle == null) {
            throw new GuestFsException(Kind.CLOSED, operation, path, image + " is already closed");
        }
    }

    private GuestfsStatVfs statvfs(String operation, GuestPath path, String where) throws GuestFsException {
        try {
            return handle.statvfs(where);
        } catch (LibguestfsException e) {
            throw new GuestFsException(Kind.LIBGUESTFS, operation, path, "statvfs " + where + ": " + e.getMessage());
        }
    }

    /** chown(2) takes -1 as "leave unchanged"; the interface means the id itself, which no guest uses. */
    private static void checkIds(int uid, int gid) {
        if (uid == -1 || gid == -1) {
            throw new IllegalArgumentException("uid/gid 4294967295 (-1) cannot be set through chown(2), which reads it"
                    + " as \"unchanged\": " + Integer.toUnsignedString(uid) + ":" + Integer.toUnsignedString(gid));
        }
    }

    static String join(String dir, String name) {
        return dir.equals("/") ? "/" + name : dir + "/" + name;
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    /** A libguestfs call that returns something. */
    @FunctionalInterface
    private interface Guestfs<T> {
        T call() throws LibguestfsException;
    }

    /** A libguestfs call that returns nothing. */
    @FunctionalInterface
    private interface GuestfsAction {
        void run() throws LibguestfsException;
    }

    /**
     * One public call: its name, its path, and the entries its walk has met, numbered from 1 in
     * the order met (the root is 1) with the physical guest path and lstat of each.
     */
    private final class Call implements PathResolver.Tree {

        private final String operation;
        private final GuestPath path;
        private final List<String> wheres = new ArrayList<>();
        private final List<GuestfsStat> stats = new ArrayList<>();
        private final Map<String, GuestfsStatVfs> filesystems = new HashMap<>();

        Call(String operation, GuestPath path) throws GuestFsException {
            this.operation = operation;
            this.path = Objects.requireNonNull(path, "path");
            requireOpen(operation, path);
            for (String name : path.names()) {
                requireRepresentable(name, "name " + name);
            }
            wheres.add("/");
            stats.add(null); // the root is stat'ed only if asked about
        }

        GuestFsException error(Kind kind, String detail) {
            return new GuestFsException(kind, operation, path, detail);
        }

        <T> T call(String doing, Guestfs<T> call) throws GuestFsException {
            try {
                return call.call();
            } catch (LibguestfsException e) {
                throw error(Kind.LIBGUESTFS, doing + ": " + e.getMessage());
            }
        }

        void run(String doing, GuestfsAction action) throws GuestFsException {
            call(doing, () -> {
                action.run();
                return null;
            });
        }

        Resolution resolve(AccessPolicy policy, boolean followFinal) throws GuestFsException {
            Objects.requireNonNull(policy, "policy");
            return new PathResolver(this).resolve(operation, path, policy.symlinks(), followFinal);
        }

        Found existing(Resolution resolution) throws GuestFsException {
            if (resolution instanceof Missing missing) {
                throw error(Kind.NOT_FOUND, missing.missingWhere() + " does not exist");
            }
            return (Found) resolution;
        }

        String where(int id) {
            return wheres.get(id - 1);
        }

        GuestfsStat stat(int id) throws GuestFsException {
            GuestfsStat stat = stats.get(id - 1);
            if (stat == null) {
                String where = where(id);
                stat = call("lstat " + where, () -> handle.lstatns(where));
                stats.set(id - 1, stat);
            }
            return stat;
        }

        // --- PathResolver.Tree -------------------------------------------------------------

        @Override
        public int rootInode() {
            return 1;
        }

        @Override
        public int lookup(int dir, byte[] nameBytes) throws GuestFsException {
            String name = name(nameBytes);
            String parent = where(dir);
            GuestfsStat stat = call("looking up " + name + " in " + parent,
                    () -> handle.lstatnsList(parent, List.of(name))).getFirst();
            if (!stat.exists()) {
                return 0;
            }
            wheres.add(join(parent, name));
            stats.add(stat);
            return wheres.size();
        }

        @Override
        public FileType type(int id) throws GuestFsException {
            return FileType.ofMode(stat(id).mode());
        }

        @Override
        public byte[] readLink(int id) throws GuestFsException {
            String where = where(id);
            String target = call("readlink " + where, () -> handle.readlink(where));
            byte[] bytes = target.getBytes(UTF_8);
            long size = stat(id).size();
            if (bytes.length != size || target.indexOf('\uFFFD') >= 0 || hasSurrogate(target)) {
                throw error(Kind.UNSUPPORTED_FEATURE, where + " is a symlink whose " + size + "-byte target is not"
                        + " UTF-8 of characters up to U+FFFF (libguestfs' Java binding read it back as \""
                        + target + "\", " + bytes.length + " bytes); it cannot be followed exactly through"
                        + " libguestfs (the ext2fs backend can, on ext)");
            }
            return bytes;
        }

        // --- names ---------------------------------------------------------------------------

        /** A name's bytes as the String libguestfs is given, refused if it would not arrive unchanged. */
        String name(byte[] bytes) throws GuestFsException {
            String name;
            try {
                name = UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                throw error(Kind.UNSUPPORTED_FEATURE, "a name on the way is not UTF-8 (" + Arrays.toString(bytes)
                        + "); libguestfs' Java binding passes names as text");
            }
            requireRepresentable(name, "name " + name);
            return name;
        }

        private void requireRepresentable(String text, String what) throws GuestFsException {
            if (hasSurrogate(text)) {
                throw error(Kind.UNSUPPORTED_FEATURE, what + " has a character above U+FFFF (or a lone surrogate);"
                        + " libguestfs' Java binding passes strings as modified UTF-8 (CESU-8), which would write"
                        + " other bytes than the name's UTF-8 (the ext2fs backend writes it exactly)");
            }
        }

        // --- refusals ------------------------------------------------------------------------

        void requireWritable() throws GuestFsException {
            if (readOnly) {
                throw error(Kind.READ_ONLY, image + " is opened read-only; nothing was written");
            }
        }

        void requireRegularFile(Found found) throws GuestFsException {
            String where = where(found.inode());
            FileType type = type(found.inode());
            switch (type) {
                case REGULAR -> {
                }
                case DIRECTORY -> throw error(Kind.IS_A_DIRECTORY, where + " is a directory");
                case SYMLINK -> throw error(Kind.SYMLINK_REFUSED, where + " is a symlink to "
                        + new String(readLink(found.inode()), UTF_8)
                        + "; policy NO_FOLLOW refuses symlinks in any component");
                default -> throw error(Kind.NOT_A_REGULAR_FILE, where + " is a " + PathResolver.describe(type)
                        + ", not a regular file");
            }
        }

        private void refuseFinalSymlink(Found found) throws GuestFsException {
            if (type(found.inode()) == FileType.SYMLINK) {
                throw error(Kind.SYMLINK_REFUSED, where(found.inode()) + " is a symlink to "
                        + new String(readLink(found.inode()), UTF_8)
                        + "; a write never goes through a symlink as the final component");
            }
        }

        private void refuseHardLinked(Found found, AccessPolicy policy) throws GuestFsException {
            GuestfsStat stat = stat(found.inode());
            if (FileType.ofMode(stat.mode()) != FileType.DIRECTORY && stat.nlink() > 1
                    && policy.hardLinks() == HardLinkPolicy.REFUSE) {
                throw error(Kind.HARD_LINK_REFUSED, where(found.inode()) + " has " + stat.nlink()
                        + " hard links; writing would change the other names too (HardLinkPolicy.ALLOW permits it)");
            }
        }

        void requireContentWritable(Found found, AccessPolicy policy, boolean appending) throws GuestFsException {
            refuseFinalSymlink(found);
            requireRegularFile(found);
            refuseHardLinked(found, policy);
            String where = where(found.inode());
            String attributes = attributes(where);
            refuseAttribute(where, attributes, 'i', "immutable (chattr +i)");
            if (!appending) {
                refuseAttribute(where, attributes, 'a', "append-only (chattr +a)");
            }
            refuseAttribute(where, attributes, 'V', "fs-verity protected");
            refuseAttribute(where, attributes, 'E', "encrypted");
        }

        void requireAttributesWritable(Found found, AccessPolicy policy) throws GuestFsException {
            refuseFinalSymlink(found);
            refuseHardLinked(found, policy);
            FileType type = type(found.inode());
            if (type == FileType.REGULAR || type == FileType.DIRECTORY) { // lsattr reads no other type
                String where = where(found.inode());
                String attributes = attributes(where);
                refuseAttribute(where, attributes, 'i', "immutable (chattr +i)");
                refuseAttribute(where, attributes, 'a', "append-only (chattr +a)");
            }
        }

        void requireMutableDirectory(String where) throws GuestFsException {
            String attributes = attributes(where);
            refuseAttribute(where, attributes, 'i', "an immutable directory (chattr +i)");
            refuseAttribute(where, attributes, 'a', "an append-only directory (chattr +a)");
            refuseAttribute(where, attributes, 'E', "an encrypted directory");
        }

        String attributes(String where) throws GuestFsException {
            return call("reading the inode flags (lsattr) of " + where, () -> handle.getE2attrs(where));
        }

        private void refuseAttribute(String where, String attributes, char letter, String what) throws GuestFsException {
            if (attributes.indexOf(letter) >= 0) {
                throw error(Kind.INODE_FLAGS_REFUSED, where + " is " + what + " (lsattr flags \"" + attributes + "\")");
            }
        }

        /** statvfs of the filesystem holding {@code where}, asked once per call. */
        private GuestfsStatVfs vfs(String where) throws GuestFsException {
            GuestfsStatVfs vfs = filesystems.get(where);
            if (vfs == null) {
                vfs = statvfs(operation, path, where);
                filesystems.put(where, vfs);
            }
            return vfs;
        }

        /** Refuses, before writing, a write that may need more blocks or inodes than are free. */
        void requireSpace(String where, long blocks, long inodes, String doing) throws GuestFsException {
            GuestfsStatVfs vfs = vfs(where);
            if (blocks > vfs.bavail()) {
                throw error(Kind.NO_SPACE, doing + " needs up to " + blocks + " blocks of " + vfs.frsize()
                        + " bytes (metadata margin included), " + vfs.bavail()
                        + " are free (blocks reserved for root not counted)");
            }
            if (vfs.countsInodes() && inodes > vfs.favail()) {
                throw error(Kind.NO_SPACE, doing + " needs " + inodes + " inodes, " + vfs.favail() + " are free");
            }
        }

        /** Blocks a file growing from {@code from} to {@code to} bytes may allocate (as the ext backend counts). */
        long contentBlocks(long from, long to, String where) throws GuestFsException {
            long blockSize = vfs(where).frsize();
            long data = ceilDiv(to, blockSize) - ceilDiv(from, blockSize);
            if (data <= 0) {
                return 0;
            }
            return data + ceilDiv(data, blockSize / 4) + 2;
        }

        /** Data blocks a file of {@code size} bytes holds at least (what truncating it frees). */
        long blocksFor(long size, String where) throws GuestFsException {
            return ceilDiv(size, vfs(where).frsize());
        }

        // --- writing -------------------------------------------------------------------------

        /** Creates a missing file (0644 root:root) in an existing directory and writes its content. */
        void createAndWrite(Missing missing, byte[] content) throws GuestFsException {
            if (missing.remaining().size() > 1 || missing.throughSymlink()) {
                throw error(Kind.NOT_FOUND, missing.missingWhere() + " does not exist"
                        + (missing.throughSymlink() ? " (a dangling symlink on the way points there)" : "")
                        + "; the parent directory must exist (makeDirectories creates it)");
            }
            String parent = where(missing.parent());
            String created = join(parent, name(missing.remaining().getFirst()));
            requireMutableDirectory(parent);
            requireSpace(parent, contentBlocks(0, content.length, parent) + DIRECTORY_MARGIN_BLOCKS, 1,
                    "creating a " + content.length + "-byte file");
            writeContent(created, content);
            if ((stat(missing.parent()).mode() & S_ISGID) != 0) {
                // A set-group-id directory hands its group to new files; the interface says root:root.
                run("chown " + created, () -> handle.lchown(0, 0, created));
            }
        }

        /** Truncates (or creates) and writes, {@value #WRITE_CHUNK} bytes per message. */
        void writeContent(String where, byte[] content) throws GuestFsException {
            int first = Math.min(content.length, WRITE_CHUNK);
            run("writing " + where, () -> handle.write(where, Arrays.copyOf(content, first)));
            appendContent(where, content, first);
        }

        void appendContent(String where, byte[] content, int from) throws GuestFsException {
            for (int offset = from; offset < content.length; offset += WRITE_CHUNK) {
                byte[] chunk = Arrays.copyOfRange(content, offset, Math.min(content.length, offset + WRITE_CHUNK));
                run("appending to " + where, () -> handle.writeAppend(where, chunk));
            }
        }

        /** The exact bytes of a regular file, through a private host file ({@code read_file} is not byte-exact). */
        byte[] download(String where, int maxBytes) throws GuestFsException {
            Path copy;
            try {
                copy = Files.createTempFile("guestdata-guestfs-", ".read",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (IOException e) {
                throw error(Kind.LIBGUESTFS, "creating a host temporary file to download " + where + " into: " + e);
            }
            try {
                run("download " + where, () -> handle.download(where, copy));
                long size = Files.size(copy);
                if (size > maxBytes) {
                    throw error(Kind.TOO_LARGE, where + " is " + size + " bytes, more than the limit of " + maxBytes);
                }
                return Files.readAllBytes(copy);
            } catch (IOException e) {
                throw error(Kind.LIBGUESTFS, "reading the downloaded copy of " + where + ": " + e);
            } finally {
                try {
                    Files.deleteIfExists(copy);
                } catch (IOException e) {
                    // The copy is 0600 in the temporary directory; failing to delete it is not the caller's error.
                    System.getLogger(GuestfsFilesystem.class.getName())
                            .log(System.Logger.Level.WARNING, "could not delete " + copy + ": " + e);
                }
            }
        }
    }

    private static boolean hasSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isSurrogate(s.charAt(i))) {
                return true;
            }
        }
        return false;
    }
}
