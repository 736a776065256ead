package io.guestdata.inject.fs;

/**
 * A guest filesystem opened in-process, without a VM and without a mount.
 *
 * <p>Every path is resolved inside the guest (see {@link SymlinkPolicy}); every write is refused,
 * before anything is written, when it would go through a symlink as its final component, change a
 * hard-linked file (unless {@link HardLinkPolicy#ALLOW}), or not fit into the free space. The short
 * forms use {@link AccessPolicy#DEFAULT}.
 *
 * <p>Implementations are not meant for concurrent use; calls on one instance are serialised.
 */
public interface GuestFilesystem extends AutoCloseable {

    /**
     * Whether an entry exists at the path (a dangling symlink exists; a regular file in a directory
     * position means "no"). A symlink loop, or a symlink under NO_FOLLOW, is an error, not "no".
     */
    default boolean exists(GuestPath path) throws GuestFsException {
        return exists(path, AccessPolicy.DEFAULT);
    }

    boolean exists(GuestPath path, AccessPolicy policy) throws GuestFsException;

    /** Type, mode, owner, size and symlink target of the entry (a final symlink is not followed). */
    default FileStat stat(GuestPath path) throws GuestFsException {
        return stat(path, AccessPolicy.DEFAULT);
    }

    FileStat stat(GuestPath path, AccessPolicy policy) throws GuestFsException;

    /**
     * The content of a regular file; a final symlink is followed inside the guest unless the
     * policy is NO_FOLLOW.
     *
     * @param maxBytes refuse ({@link GuestFsException.Kind#TOO_LARGE}) a file larger than this
     */
    default byte[] read(GuestPath path, int maxBytes) throws GuestFsException {
        return read(path, maxBytes, AccessPolicy.DEFAULT);
    }

    byte[] read(GuestPath path, int maxBytes, AccessPolicy policy) throws GuestFsException;

    /** {@code mkdir -p}: only the directories created get {@code mode} (07777 bits), uid and gid. */
    default void makeDirectories(GuestPath dir, int mode, int uid, int gid) throws GuestFsException {
        makeDirectories(dir, mode, uid, gid, AccessPolicy.DEFAULT);
    }

    void makeDirectories(GuestPath dir, int mode, int uid, int gid, AccessPolicy policy) throws GuestFsException;

    /**
     * Creates the file (mode 0644, root:root) in an existing directory, or truncates and rewrites
     * an existing regular file keeping its mode and owner.
     */
    default void replace(GuestPath file, byte[] content) throws GuestFsException {
        replace(file, content, AccessPolicy.DEFAULT);
    }

    void replace(GuestPath file, byte[] content, AccessPolicy policy) throws GuestFsException;

    /** Appends to a regular file, creating it (0644 root:root) if missing. */
    default void append(GuestPath file, byte[] content) throws GuestFsException {
        append(file, content, AccessPolicy.DEFAULT);
    }

    void append(GuestPath file, byte[] content, AccessPolicy policy) throws GuestFsException;

    /** Sets the permission bits ({@code mode & 07777}); the type bits stay. */
    default void chmod(GuestPath path, int mode) throws GuestFsException {
        chmod(path, mode, AccessPolicy.DEFAULT);
    }

    void chmod(GuestPath path, int mode, AccessPolicy policy) throws GuestFsException;

    /** Sets owner and group (32-bit ids). */
    default void chown(GuestPath path, int uid, int gid) throws GuestFsException {
        chown(path, uid, gid, AccessPolicy.DEFAULT);
    }

    void chown(GuestPath path, int uid, int gid, AccessPolicy policy) throws GuestFsException;

    /** Bytes a write may use: free blocks less the blocks reserved for root, times the block size. */
    long freeBytes() throws GuestFsException;

    /**
     * Free inodes, when the filesystem counts them (ext2/3/4 do; XFS and Btrfs allocate inodes
     * dynamically and report none). Planners use it to refuse a set of writes before the first one.
     */
    default java.util.OptionalLong freeInodes() throws GuestFsException {
        return java.util.OptionalLong.empty();
    }

    /**
     * Why this filesystem cannot be used any more, if that happened: the first failure that ended
     * it (the sandboxed worker behind it died, hung or misbehaved; every call since fails the same
     * way). A caller that turns a failed call into a refusal (the planner, reading the guest's
     * accounts) checks this to report the failure as what it is. Empty for a filesystem in this process.
     */
    default java.util.Optional<GuestFsException> broken() {
        return java.util.Optional.empty();
    }

    /** Flushes what was written and releases the filesystem; a second close does nothing. */
    @Override
    void close() throws GuestFsException;
}
