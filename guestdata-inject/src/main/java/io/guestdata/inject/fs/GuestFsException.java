package io.guestdata.inject.fs;

import java.util.Objects;
import java.util.Optional;

/**
 * A guest filesystem operation that failed or was refused. The message names the operation, the
 * guest path (or the image for an open), the reason, and, when libext2fs reported it, the
 * com_err text and code (libguestfs' message is part of the detail), e.g.
 * {@code append /root/.ssh/authorized_keys: /root/.ssh is a symlink to /etc; policy NO_FOLLOW refuses symlinks in any component}.
 */
public final class GuestFsException extends Exception {

    private static final long serialVersionUID = 1L;

    /** What went wrong, so a caller can act on it without parsing the message. */
    public enum Kind {
        /** A path component or the target does not exist. */
        NOT_FOUND,
        /** A component in a directory position, or the target of a mkdir, is not a directory. */
        NOT_A_DIRECTORY,
        /** The target is a directory where a regular file is needed. */
        IS_A_DIRECTORY,
        /** The target is a device, fifo or socket (or a symlink for a read under NO_FOLLOW). */
        NOT_A_REGULAR_FILE,
        /** A symlink was met where the operation or the {@link SymlinkPolicy} does not follow one. */
        SYMLINK_REFUSED,
        /** More than 40 symlinks while resolving (ELOOP). */
        SYMLINK_LOOP,
        /** The file has more than one hard link and the {@link HardLinkPolicy} is REFUSE. */
        HARD_LINK_REFUSED,
        /** The inode is immutable / append-only / verity / encrypted / inline-data. */
        INODE_FLAGS_REFUSED,
        /** The file is larger than the caller's limit. */
        TOO_LARGE,
        /** Not enough free blocks or inodes for the write (checked before writing). */
        NO_SPACE,
        /** A write on a filesystem opened {@link OpenMode#READ_ONLY}. */
        READ_ONLY,
        /** The journal needs recovery, the state is not clean, errors are recorded, orphans pending. */
        UNSAFE_STATE,
        /** A feature guestdata does not write (or read) safely. */
        UNSUPPORTED_FEATURE,
        /** The image could not be opened as ext2/3/4 (bad magic, short read, I/O error). */
        OPEN_FAILED,
        /**
         * The filesystem's metadata contradicts itself where a kernel or e2fsck would notice: bad
         * geometry, group descriptors or bitmaps, a link count that lies, a hard-linked directory, an
         * unparsable directory. Nothing is written to such a filesystem.
         */
        CORRUPT,
        /** The filesystem was already closed. */
        CLOSED,
        /** libext2fs returned an error during the operation. */
        LIBEXT2FS,
        /**
         * The filesystem closed cleanly, but writing its changes to the image failed; the image's
         * undo journal (if the window has one) restores it at the next open.
         */
        COMMIT_FAILED,
        /** libguestfs (its library, its appliance or the guest kernel in it) returned an error. */
        LIBGUESTFS,
        /**
         * The sandboxed worker process that runs libext2fs for this filesystem died, hung (and was
         * killed at its time limit), ran out of memory or broke the protocol; nothing it did since the
         * last commit reached the image.
         */
        SANDBOX
    }

    private final Kind kind;
    private final String operation;
    private final GuestPath path;
    private final String detail;
    private final long errcode;
    private final String errorText;

    /**
     * A failure or refusal that carries no libext2fs error code: guestdata's own, or another
     * backend's (whose message then belongs in {@code detail}).
     *
     * @param path the guest path the operation was given, or null for an open or close
     */
    public GuestFsException(Kind kind, String operation, GuestPath path, String detail) {
        this(kind, operation, path, detail, 0);
    }

    GuestFsException(Kind kind, String operation, GuestPath path, String detail, long errcode) {
        this(kind, operation, path, detail, errcode, errcode == 0 ? "" : LibExt2fs.errorMessage(errcode));
    }

    /**
     * A libext2fs failure reported by another process that has libext2fs loaded (the sandboxed
     * worker), with the com_err text it looked up there: the same kind, message and code as if it
     * had happened here, without loading libext2fs in this process.
     *
     * @param errorText {@code error_message(errcode)}; ignored when {@code errcode} is 0
     */
    public GuestFsException(Kind kind, String operation, GuestPath path, String detail, long errcode,
                            String errorText) {
        super(message(operation, path, detail, errcode, errorText));
        this.kind = Objects.requireNonNull(kind, "kind");
        this.operation = Objects.requireNonNull(operation, "operation");
        this.path = path;
        this.detail = Objects.requireNonNull(detail, "detail");
        this.errcode = errcode;
        this.errorText = errcode == 0 ? "" : Objects.requireNonNull(errorText, "errorText");
    }

    private static String message(String operation, GuestPath path, String detail, long errcode, String errorText) {
        StringBuilder m = new StringBuilder(operation);
        if (path != null) {
            m.append(' ').append(path);
        }
        m.append(": ").append(detail);
        if (errcode != 0) {
            m.append(": ").append(errorText).append(" (errcode ").append(errcode).append(')');
        }
        return m.toString();
    }

    public Kind kind() {
        return kind;
    }

    /**
     * Whether the failed call may have changed the filesystem before it failed: a library's (or its
     * worker's) error in the middle of a call may leave a file partly written, whereas every other
     * kind is guestdata's own refusal, decided before the call changed anything.
     */
    public boolean mayHaveWritten() {
        return switch (kind) {
            case LIBEXT2FS, LIBGUESTFS, COMMIT_FAILED, SANDBOX -> true;
            default -> false;
        };
    }

    /** The operation: {@code open}, {@code read}, {@code replace}, {@code append}, {@code mkdir -p}, … */
    public String operation() {
        return operation;
    }

    /** The guest path the operation was given; empty for an open or close. */
    public Optional<GuestPath> path() {
        return Optional.ofNullable(path);
    }

    /** The reason without operation and path. */
    public String detail() {
        return detail;
    }

    /** The libext2fs {@code errcode_t}, or 0 when the refusal is guestdata's own. */
    public long errcode() {
        return errcode;
    }

    /** The com_err text of {@link #errcode()} ({@code error_message}), or "" when it is 0. */
    public String errorText() {
        return errorText;
    }
}
