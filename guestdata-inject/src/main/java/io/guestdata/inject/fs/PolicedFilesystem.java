package io.guestdata.inject.fs;

import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;

import io.guestdata.inject.fs.GuestFsException.Kind;
import io.guestdata.inject.fs.PathResolver.Found;
import io.guestdata.inject.fs.PathResolver.Missing;
import io.guestdata.inject.fs.PathResolver.Resolution;

import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * The write policy of every {@link GuestFilesystem} backend, in one place: how a path is walked
 * ({@link PathResolver}), which targets are refused, and in which order a write checks and then
 * changes the filesystem. A backend ({@link Ext2Filesystem} through libext2fs,
 * {@code GuestfsFilesystem} through libguestfs) supplies only {@link Primitives}: look a name up,
 * describe an entry, read, create, write, chmod, chown, make a directory.
 *
 * <p>The rules, for every backend:
 * <ul>
 *   <li>A write is refused on a filesystem opened read-only, and for uid or gid 4294967295 (-1),
 *       which chown(2) reads as "unchanged" (no guest uses it; one backend could not set it).</li>
 *   <li>Symlinks are followed inside the guest only ({@link SymlinkPolicy}); a write never goes
 *       through a final symlink; {@code mkdir -p} does not create a dangling symlink's target; a
 *       new file's parent directory must exist.</li>
 *   <li>Content is written to regular files only; a file with more than one (true) hard link is
 *       not written or re-owned unless {@link HardLinkPolicy#ALLOW}.</li>
 *   <li>Inode flags ({@link InodeAttribute}): content is refused on immutable, append-only (unless
 *       appending), fs-verity, encrypted and inline-data files; mode and owner on immutable and
 *       append-only entries; new entries in immutable, append-only, encrypted, case-insensitive and
 *       inline-data directories.</li>
 *   <li>Free blocks (less those reserved for root) and free inodes must cover the write's
 *       generous estimate ({@link #contentBlocks}, plus {@value #DIRECTORY_MARGIN_BLOCKS} blocks of
 *       directory growth per new entry) before anything is written.</li>
 * </ul>
 * Every refusal is decided before the first primitive that changes the filesystem, so a refused
 * call writes nothing ({@link GuestFsException#mayHaveWritten()} is false for it); a primitive
 * that fails after it began writing reports its library's kind, which may have written.
 *
 * <p>Calls on one instance are serialised on the instance.
 */
public abstract class PolicedFilesystem implements GuestFilesystem {

    /** Blocks added to a write's need for directory growth (expand_dir, htree split). */
    public static final long DIRECTORY_MARGIN_BLOCKS = 3;

    /**
     * Inode flags as a backend reads them.
     *
     * @param set   the flags that restrict writes
     * @param shown how the backend read them, for messages ({@code i_flags 0x80010}, {@code lsattr flags "i"})
     */
    public record Flags(Set<InodeAttribute> set, String shown) {
        public Flags {
            Objects.requireNonNull(set, "set");
            Objects.requireNonNull(shown, "shown");
        }
    }

    /**
     * The room left on the filesystem holding an entry.
     *
     * @param blockSize       bytes per block
     * @param availableBlocks free blocks less those reserved for root
     * @param freeInodes      free inodes, empty when the filesystem allocates them dynamically
     */
    public record Space(long blockSize, long availableBlocks, OptionalLong freeInodes) {
    }

    /**
     * What a backend can do for one call. Entries are the {@link PathResolver.Tree}'s numbers; the
     * policy calls the primitives that change the filesystem only after every check passed.
     */
    public interface Primitives extends PathResolver.Tree, AutoCloseable {

        /** Checks made before the walk starts (the ext backend checks the root against its census). */
        default void beforeWalk() throws GuestFsException {
        }

        /** The entry as lstat describes it. */
        FileStat stat(Found found) throws GuestFsException;

        /** Size in bytes of a found entry. */
        long size(Found found) throws GuestFsException;

        /** The true hard link count of a non-directory (CORRUPT if the filesystem's count lies). */
        int links(Found found) throws GuestFsException;

        /** The inode flags of an entry; none for entries whose flags the backend cannot read. */
        Flags flags(int entry, String where) throws GuestFsException;

        /** The room on the filesystem holding the entry. */
        Space space(int entry, String where) throws GuestFsException;

        /** Data blocks a regular file holds (what truncating it frees). */
        long heldBlocks(Found found) throws GuestFsException;

        /** The content of a regular file of {@code size} bytes, no more than {@code maxBytes}. */
        byte[] read(Found found, long size, int maxBytes) throws GuestFsException;

        /** Creates a regular file, 0644 root:root, named {@code name} in directory {@code parent}, holding {@code content}. */
        void create(int parent, String parentWhere, byte[] name, byte[] content) throws GuestFsException;

        /** Truncates a regular file to 0 and writes {@code content}; mode and owner stay. */
        void rewrite(Found found, byte[] content) throws GuestFsException;

        /** Writes {@code content} after the {@code size} bytes a regular file holds. */
        void append(Found found, long size, byte[] content) throws GuestFsException;

        /** Creates a directory with exactly {@code mode & 07777}, uid and gid; returns its entry. */
        int makeDirectory(int parent, String parentWhere, byte[] name, int mode, int uid, int gid)
                throws GuestFsException;

        /** Sets the permission bits; the type bits stay. */
        void chmod(Found found, int mode) throws GuestFsException;

        /** Sets owner and group; the mode (set-id bits included) stays. */
        void chown(Found found, int uid, int gid) throws GuestFsException;

        /** Releases what the call held. */
        @Override
        void close();
    }

    /**
     * The primitives for one call, after checking the filesystem is still open.
     *
     * @param checked whether the walk and the target's links are checked against the filesystem's own
     *                consistency record where the backend keeps one (for stat and every write)
     */
    protected abstract Primitives primitives(String operation, GuestPath path, boolean checked)
            throws GuestFsException;

    /** Why writes are refused ({@code "<image> is opened READ_ONLY"}), or null when the filesystem is writable. */
    protected abstract String readOnly();

    @Override
    public final synchronized boolean exists(GuestPath path, AccessPolicy policy) throws GuestFsException {
        try (Primitives call = primitives("exists", path, false)) {
            try {
                return resolve(call, "exists", path, policy, false) instanceof Found;
            } catch (GuestFsException e) {
                if (e.kind() == Kind.NOT_A_DIRECTORY) {
                    return false;
                }
                throw e;
            }
        }
    }

    @Override
    public final synchronized FileStat stat(GuestPath path, AccessPolicy policy) throws GuestFsException {
        try (Primitives call = primitives("stat", path, true)) {
            return call.stat(existing("stat", path, resolve(call, "stat", path, policy, false)));
        }
    }

    @Override
    public final synchronized byte[] read(GuestPath path, int maxBytes, AccessPolicy policy) throws GuestFsException {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must not be negative: " + maxBytes);
        }
        String op = "read";
        try (Primitives call = primitives(op, path, false)) {
            Found found = existing(op, path,
                    resolve(call, op, path, policy, policy.symlinks() == SymlinkPolicy.FOLLOW_INSIDE_GUEST));
            requireRegularFile(call, op, path, found);
            long size = call.size(found);
            if (size > maxBytes) {
                throw new GuestFsException(Kind.TOO_LARGE, op, path, found.where() + " is " + size
                        + " bytes, more than the limit of " + maxBytes);
            }
            return call.read(found, size, maxBytes);
        }
    }

    @Override
    public final synchronized void makeDirectories(GuestPath dir, int mode, int uid, int gid, AccessPolicy policy)
            throws GuestFsException {
        checkIds(uid, gid);
        String op = "mkdir -p";
        try (Primitives call = primitives(op, dir, true)) {
            requireWritable(op, dir);
            Resolution resolution = resolve(call, op, dir, policy, true);
            if (resolution instanceof Found found) {
                if (found.type() != FileType.DIRECTORY) {
                    throw new GuestFsException(Kind.NOT_A_DIRECTORY, op, dir, found.where() + " exists and is a "
                            + PathResolver.describe(found.type()) + ", not a directory");
                }
                return;
            }
            Missing missing = (Missing) resolution;
            if (missing.throughSymlink()) {
                throw new GuestFsException(Kind.SYMLINK_REFUSED, op, dir, missing.missingWhere()
                        + " is the target of a dangling symlink; mkdir -p does not create a symlink's target");
            }
            requireMutableDirectory(call, op, dir, missing.parent(), missing.parentWhere());
            int count = missing.remaining().size();
            requireSpace(call.space(missing.parent(), missing.parentWhere()), count * (1 + DIRECTORY_MARGIN_BLOCKS),
                    count, "creating " + count + " director" + (count == 1 ? "y" : "ies"), op, dir);
            int parent = missing.parent();
            String parentWhere = missing.parentWhere();
            for (byte[] name : missing.remaining()) {
                parent = call.makeDirectory(parent, parentWhere, name, mode, uid, gid);
                parentWhere = PathResolver.join(parentWhere, name);
            }
        }
    }

    @Override
    public final synchronized void replace(GuestPath file, byte[] content, AccessPolicy policy) throws GuestFsException {
        write("replace", file, content, policy, false);
    }

    @Override
    public final synchronized void append(GuestPath file, byte[] content, AccessPolicy policy) throws GuestFsException {
        write("append", file, content, policy, true);
    }

    /** Replaces or appends to an existing regular file, or creates a missing one holding {@code content}. */
    private void write(String op, GuestPath file, byte[] content, AccessPolicy policy, boolean appending)
            throws GuestFsException {
        Objects.requireNonNull(content, "content");
        try (Primitives call = primitives(op, file, true)) {
            requireWritable(op, file);
            Resolution resolution = resolve(call, op, file, policy, false);
            if (!(resolution instanceof Found found)) {
                create(call, op, file, (Missing) resolution, content);
                return;
            }
            requireContentWritable(call, op, file, found, policy, appending);
            Space space = call.space(found.inode(), found.where());
            if (appending) {
                long size = call.size(found);
                requireSpace(space, contentBlocks(size, size + content.length, space.blockSize()), 0,
                        "appending " + content.length + " bytes", op, file);
                call.append(found, size, content);
            } else {
                requireSpace(space, contentBlocks(0, content.length, space.blockSize()) - call.heldBlocks(found), 0,
                        "writing " + content.length + " bytes", op, file);
                call.rewrite(found, content);
            }
        }
    }

    @Override
    public final synchronized void chmod(GuestPath path, int mode, AccessPolicy policy) throws GuestFsException {
        String op = "chmod";
        try (Primitives call = primitives(op, path, true)) {
            requireWritable(op, path);
            Found found = existing(op, path, resolve(call, op, path, policy, false));
            requireAttributesWritable(call, op, path, found, policy);
            call.chmod(found, mode & 07777);
        }
    }

    @Override
    public final synchronized void chown(GuestPath path, int uid, int gid, AccessPolicy policy) throws GuestFsException {
        checkIds(uid, gid);
        String op = "chown";
        try (Primitives call = primitives(op, path, true)) {
            requireWritable(op, path);
            Found found = existing(op, path, resolve(call, op, path, policy, false));
            requireAttributesWritable(call, op, path, found, policy);
            call.chown(found, uid, gid);
        }
    }

    /**
     * Blocks a file growing from {@code from} to {@code to} bytes may allocate: the new data blocks
     * plus, for mapping them, one indirect/extent block per {@code blockSize / 4} data blocks and two
     * more for the tree's upper levels. Deliberately generous.
     */
    static long contentBlocks(long from, long to, long blockSize) {
        long data = ceilDiv(to, blockSize) - ceilDiv(from, blockSize);
        if (data <= 0) {
            return 0;
        }
        return data + ceilDiv(data, blockSize / 4) + 2;
    }

    static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    // --- the steps ------------------------------------------------------------------------------

    private static Resolution resolve(Primitives call, String op, GuestPath path, AccessPolicy policy,
                                      boolean followFinal) throws GuestFsException {
        Objects.requireNonNull(policy, "policy");
        call.beforeWalk();
        return new PathResolver(call).resolve(op, path, policy.symlinks(), followFinal);
    }

    private static Found existing(String op, GuestPath path, Resolution resolution) throws GuestFsException {
        if (resolution instanceof Missing missing) {
            throw new GuestFsException(Kind.NOT_FOUND, op, path, missing.missingWhere() + " does not exist");
        }
        return (Found) resolution;
    }

    /** Checks a missing write target can be created as a new file in an existing directory, then creates it. */
    private static void create(Primitives call, String op, GuestPath path, Missing missing, byte[] content)
            throws GuestFsException {
        if (missing.remaining().size() > 1 || missing.throughSymlink()) {
            throw new GuestFsException(Kind.NOT_FOUND, op, path, missing.missingWhere() + " does not exist"
                    + (missing.throughSymlink() ? " (a dangling symlink on the way points there)" : "")
                    + "; the parent directory must exist (makeDirectories creates it)");
        }
        requireMutableDirectory(call, op, path, missing.parent(), missing.parentWhere());
        Space space = call.space(missing.parent(), missing.parentWhere());
        requireSpace(space, contentBlocks(0, content.length, space.blockSize()) + DIRECTORY_MARGIN_BLOCKS, 1,
                "creating a " + content.length + "-byte file", op, path);
        call.create(missing.parent(), missing.parentWhere(), missing.remaining().getFirst(), content);
    }

    // --- refusals -------------------------------------------------------------------------------

    private void requireWritable(String op, GuestPath path) throws GuestFsException {
        String why = readOnly();
        if (why != null) {
            throw new GuestFsException(Kind.READ_ONLY, op, path, why + "; nothing was written");
        }
    }

    /** chown(2) takes -1 as "leave unchanged"; the interface means the id itself, which no guest uses. */
    private static void checkIds(int uid, int gid) {
        if (uid == -1 || gid == -1) {
            throw new IllegalArgumentException("uid/gid 4294967295 (-1) cannot be set through chown(2), which reads it"
                    + " as \"unchanged\": " + Integer.toUnsignedString(uid) + ":" + Integer.toUnsignedString(gid));
        }
    }

    private static void requireRegularFile(Primitives call, String op, GuestPath path, Found found)
            throws GuestFsException {
        switch (found.type()) {
            case REGULAR -> {
            }
            case DIRECTORY -> throw new GuestFsException(Kind.IS_A_DIRECTORY, op, path, found.where() + " is a directory");
            case SYMLINK -> throw new GuestFsException(Kind.SYMLINK_REFUSED, op, path, found.where() + " is a symlink to "
                    + new String(call.readLink(found.inode()), UTF_8)
                    + "; policy NO_FOLLOW refuses symlinks in any component");
            default -> throw new GuestFsException(Kind.NOT_A_REGULAR_FILE, op, path, found.where() + " is a "
                    + PathResolver.describe(found.type()) + ", not a regular file");
        }
    }

    private static void refuseFinalSymlink(Primitives call, String op, GuestPath path, Found found)
            throws GuestFsException {
        if (found.type() == FileType.SYMLINK) {
            throw new GuestFsException(Kind.SYMLINK_REFUSED, op, path, found.where() + " is a symlink to "
                    + new String(call.readLink(found.inode()), UTF_8)
                    + "; a write never goes through a symlink as the final component");
        }
    }

    /** Refuses a lying link count always, and a true count above 1 under HardLinkPolicy.REFUSE. */
    private static void refuseHardLinked(Primitives call, String op, GuestPath path, Found found, AccessPolicy policy)
            throws GuestFsException {
        if (found.type() == FileType.DIRECTORY) {
            return; // its names were checked on the way (one name, ".." the parent)
        }
        int links = call.links(found);
        if (links > 1 && policy.hardLinks() == HardLinkPolicy.REFUSE) {
            throw new GuestFsException(Kind.HARD_LINK_REFUSED, op, path, found.where() + " has " + links
                    + " hard links; writing would change the other names too (HardLinkPolicy.ALLOW permits it)");
        }
    }

    private static void requireContentWritable(Primitives call, String op, GuestPath path, Found found,
                                               AccessPolicy policy, boolean appending) throws GuestFsException {
        refuseFinalSymlink(call, op, path, found);
        requireRegularFile(call, op, path, found);
        refuseHardLinked(call, op, path, found, policy);
        Flags flags = call.flags(found.inode(), found.where());
        refuseFlag(flags, InodeAttribute.IMMUTABLE, "immutable (chattr +i)", found.where(), op, path);
        if (!appending) {
            refuseFlag(flags, InodeAttribute.APPEND_ONLY, "append-only (chattr +a)", found.where(), op, path);
        }
        refuseFlag(flags, InodeAttribute.VERITY, "fs-verity protected", found.where(), op, path);
        refuseFlag(flags, InodeAttribute.ENCRYPTED, "encrypted", found.where(), op, path);
        refuseFlag(flags, InodeAttribute.INLINE_DATA, "inline-data", found.where(), op, path);
    }

    private static void requireAttributesWritable(Primitives call, String op, GuestPath path, Found found,
                                                  AccessPolicy policy) throws GuestFsException {
        refuseFinalSymlink(call, op, path, found);
        refuseHardLinked(call, op, path, found, policy);
        Flags flags = call.flags(found.inode(), found.where());
        refuseFlag(flags, InodeAttribute.IMMUTABLE, "immutable (chattr +i)", found.where(), op, path);
        refuseFlag(flags, InodeAttribute.APPEND_ONLY, "append-only (chattr +a)", found.where(), op, path);
    }

    private static void requireMutableDirectory(Primitives call, String op, GuestPath path, int dir, String where)
            throws GuestFsException {
        Flags flags = call.flags(dir, where);
        refuseFlag(flags, InodeAttribute.IMMUTABLE, "an immutable directory (chattr +i)", where, op, path);
        refuseFlag(flags, InodeAttribute.APPEND_ONLY, "an append-only directory (chattr +a)", where, op, path);
        refuseFlag(flags, InodeAttribute.ENCRYPTED, "an encrypted directory", where, op, path);
        refuseFlag(flags, InodeAttribute.CASEFOLD, "a case-insensitive directory", where, op, path);
        refuseFlag(flags, InodeAttribute.INLINE_DATA, "an inline-data directory", where, op, path);
    }

    private static void refuseFlag(Flags flags, InodeAttribute flag, String what, String where, String op,
                                   GuestPath path) throws GuestFsException {
        if (flags.set().contains(flag)) {
            throw new GuestFsException(Kind.INODE_FLAGS_REFUSED, op, path, where + " is " + what + " (" + flags.shown() + ")");
        }
    }

    private static void requireSpace(Space space, long blocks, long inodes, String doing, String op, GuestPath path)
            throws GuestFsException {
        if (blocks > space.availableBlocks()) {
            throw new GuestFsException(Kind.NO_SPACE, op, path, doing + " needs up to " + blocks + " blocks of "
                    + space.blockSize() + " bytes (metadata margin included), " + space.availableBlocks()
                    + " are free (blocks reserved for root not counted)");
        }
        if (space.freeInodes().isPresent() && inodes > space.freeInodes().getAsLong()) {
            throw new GuestFsException(Kind.NO_SPACE, op, path, doing + " needs " + inodes + " inodes, "
                    + space.freeInodes().getAsLong() + " are free");
        }
    }
}
