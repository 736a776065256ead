package io.guestdata.inject.sandbox;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

import io.guestdata.inject.fs.AccessPolicy;
import io.guestdata.inject.fs.FileStat;
import io.guestdata.inject.fs.InodeAttribute;
import io.guestdata.inject.fs.FileType;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.fs.GuestPath;
import io.guestdata.inject.fs.HardLinkPolicy;
import io.guestdata.inject.fs.SymlinkPolicy;

/**
 * The messages between the parent and a sandboxed ext2fs worker ({@link Ext2fsWorker}) over the
 * worker's stdin and stdout: framed, binary, strictly one request at a time.
 *
 * <p>A frame is {@code u32 length | u8 type | payload} (big-endian, {@code length} counting the
 * type byte and the payload). The parent sends a request; until the worker answers it with
 * {@link #RESULT}, {@link #ERROR} or {@link #FAILURE}, the worker may ask for bytes of a window
 * ({@link #FETCH}, answered {@link #DATA} or {@link #FETCH_FAILED}) and, during a {@link #CLOSE}
 * of a writable filesystem, hand over its changes ({@link #COMMIT_PART}s and a
 * {@link #COMMIT_END}, answered {@link #COMMITTED} or {@link #COMMIT_FAILED}). Every request
 * starts with the window handle and the parent's clock (milliseconds since the epoch), which
 * stamps what the call writes.
 *
 * <p>The parent believes nothing the worker sends: every length is bounded before anything is
 * allocated, every path and stat goes through the same constructors that validate them, every
 * fetch and change is checked against its window; a frame that breaks these rules ends the worker.
 */
final class WorkerProtocol {

    /** "gdx2" and the version, in {@link #READY}: a worker of another build is refused. */
    static final int MAGIC = 0x67647832;
    static final int VERSION = 1;

    // --- parent → worker: requests ------------------------------------------------------------
    /** handle, now, size, description, mode (0 read-only, 1 read-write) → RESULT() */
    static final byte OPEN = 1;
    /** handle, now, size, description → RESULT() */
    static final byte CHECK_WRITABLE = 2;
    /** handle, now, path, policy → RESULT(boolean) */
    static final byte EXISTS = 3;
    /** handle, now, path, policy → RESULT(stat) */
    static final byte STAT = 4;
    /** handle, now, path, maxBytes, policy → RESULT(bytes) */
    static final byte READ = 5;
    /** handle, now, path, mode, uid, gid, policy → RESULT() */
    static final byte MKDIRS = 6;
    /** handle, now, path, bytes, policy → RESULT() */
    static final byte REPLACE = 7;
    /** handle, now, path, bytes, policy → RESULT() */
    static final byte APPEND = 8;
    /** handle, now, path, mode, policy → RESULT() */
    static final byte CHMOD = 9;
    /** handle, now, path, uid, gid, policy → RESULT() */
    static final byte CHOWN = 10;
    /** handle, now → RESULT(long) */
    static final byte FREE_BYTES = 11;
    /** handle, now → RESULT(boolean present, long) */
    static final byte FREE_INODES = 12;
    /** handle, now → RESULT() after any COMMIT_PART/COMMIT_END exchange */
    static final byte CLOSE = 13;

    // --- parent → worker: answers to the worker's questions -------------------------------------
    /** the fetched bytes, exactly as many as asked */
    static final byte DATA = 20;
    /** message */
    static final byte FETCH_FAILED = 21;
    /** (empty) */
    static final byte COMMITTED = 22;
    /** message */
    static final byte COMMIT_FAILED = 23;

    // --- worker → parent -------------------------------------------------------------------------
    /** magic, version: the JVM is up, libext2fs is loaded, the worker waits for requests */
    static final byte READY = 40;
    /** the request's result */
    static final byte RESULT = 41;
    /** a GuestFsException: kind, operation, path?, detail, errcode, errorText */
    static final byte ERROR = 42;
    /** any other exception in the worker: its text */
    static final byte FAILURE = 43;
    /** handle, position, length: bytes of a window */
    static final byte FETCH = 44;
    /** handle, count, then count × (position, length): several ranges of a window, answered by one DATA */
    static final byte FETCH_MANY = 47;
    /** handle, position, bytes: one run of the changes being committed */
    static final byte COMMIT_PART = 45;
    /** handle, number of parts, total bytes: the changes are complete, commit them */
    static final byte COMMIT_END = 46;

    /** Most bytes one FETCH may ask for (and one DATA frame carry). */
    static final int MAX_FETCH = 1 << 20;
    /** Most ranges in one FETCH_MANY. */
    static final int MAX_FETCH_RANGES = 4096;
    /** Most bytes of one COMMIT_PART. */
    static final int MAX_COMMIT_PART = 1 << 20;
    /** Longest frame the parent accepts from a worker: a full DATA-sized part or read result, plus headers. */
    static final int MAX_WORKER_FRAME = (16 << 20) + 4096;
    /** Longest text in any message (a detail, an operation, an error). */
    static final int MAX_TEXT = 16384;

    private WorkerProtocol() {
    }

    /** A request as the worker receives it: the type and its payload (handle and clock first). */
    record Frame(byte type, byte[] payload) {
        DataInputStream in() {
            return new DataInputStream(new java.io.ByteArrayInputStream(payload));
        }
    }

    /** Writes a payload. */
    @FunctionalInterface
    interface Body {
        void write(DataOutputStream out) throws IOException;
    }

    static byte[] payload(Body body) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        DataOutputStream out = new DataOutputStream(bytes);
        body.write(out);
        out.flush();
        return bytes.toByteArray();
    }

    // --- values ----------------------------------------------------------------------------------

    /** Text of at most {@link #MAX_TEXT} UTF-16 units, kept exactly ({@code writeUTF}'s modified UTF-8). */
    static void writeText(DataOutputStream out, String text) throws IOException {
        String t = text.length() > MAX_TEXT ? text.substring(0, MAX_TEXT - 1) + "…" : text;
        out.writeUTF(t);
    }

    static String readText(DataInputStream in) throws IOException {
        return in.readUTF(); // at most 65535 bytes by construction
    }

    static void writePath(DataOutputStream out, GuestPath path) throws IOException {
        out.writeShort(path.names().size());
        for (String name : path.names()) {
            out.writeUTF(name);
        }
    }

    /** A path; its constructor refuses anything a GuestPath cannot be (too long, {@code ..}, NUL). */
    static GuestPath readPath(DataInputStream in) throws IOException {
        int n = in.readUnsignedShort();
        if (n > 2048) {
            throw new IOException("a path of " + n + " names");
        }
        List<String> names = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            names.add(in.readUTF());
        }
        try {
            return new GuestPath(names);
        } catch (IllegalArgumentException e) {
            throw new IOException("not a guest path: " + e.getMessage());
        }
    }

    static void writePolicy(DataOutputStream out, AccessPolicy policy) throws IOException {
        out.writeByte(policy.symlinks().ordinal());
        out.writeByte(policy.hardLinks().ordinal());
    }

    static AccessPolicy readPolicy(DataInputStream in) throws IOException {
        return new AccessPolicy(ordinal(SymlinkPolicy.values(), in.readUnsignedByte(), "symlink policy"),
                ordinal(HardLinkPolicy.values(), in.readUnsignedByte(), "hard-link policy"));
    }

    static void writeStat(DataOutputStream out, FileStat s) throws IOException {
        out.writeByte(s.type().ordinal());
        out.writeInt(s.mode());
        out.writeInt(s.uid());
        out.writeInt(s.gid());
        out.writeLong(s.size());
        out.writeInt(s.linkCount());
        out.writeLong(s.inode());
        out.writeBoolean(s.symlinkTarget().isPresent());
        if (s.symlinkTarget().isPresent()) {
            writeText(out, s.symlinkTarget().get());
        }
        int attributes = 0;
        for (InodeAttribute a : s.attributes()) {
            attributes |= 1 << a.ordinal();
        }
        out.writeInt(attributes);
    }

    static FileStat readStat(DataInputStream in) throws IOException {
        FileType type = ordinal(FileType.values(), in.readUnsignedByte(), "file type");
        int mode = in.readInt();
        int uid = in.readInt();
        int gid = in.readInt();
        long size = in.readLong();
        int links = in.readInt();
        long inode = in.readLong();
        Optional<String> target = in.readBoolean() ? Optional.of(readText(in)) : Optional.empty();
        int bits = in.readInt();
        Set<InodeAttribute> attributes = EnumSet.noneOf(InodeAttribute.class);
        for (InodeAttribute a : InodeAttribute.values()) {
            if ((bits & 1 << a.ordinal()) != 0) {
                attributes.add(a);
            }
        }
        if (bits >>> InodeAttribute.values().length != 0) {
            throw new IOException("not a stat: unknown attribute bits 0x" + Integer.toHexString(bits));
        }
        try {
            return new FileStat(type, mode, uid, gid, size, links, inode, target, attributes);
        } catch (IllegalArgumentException e) {
            throw new IOException("not a stat: " + e.getMessage());
        }
    }

    static void writeError(DataOutputStream out, GuestFsException e) throws IOException {
        out.writeUTF(e.kind().name());
        writeText(out, e.operation());
        out.writeBoolean(e.path().isPresent());
        if (e.path().isPresent()) {
            writePath(out, e.path().get());
        }
        writeText(out, e.detail());
        out.writeLong(e.errcode());
        writeText(out, e.errorText());
    }

    /**
     * The worker's GuestFsException, rebuilt: same kind, operation, path, detail and code, so the
     * same message. {@code restore} puts back what the worker only knew by a token (the window's
     * description, the parent's commit error), after control characters were made visible.
     */
    static GuestFsException readError(DataInputStream in, UnaryOperator<String> restore) throws IOException {
        String kindName = in.readUTF();
        GuestFsException.Kind kind;
        try {
            kind = GuestFsException.Kind.valueOf(kindName);
        } catch (IllegalArgumentException e) {
            throw new IOException("unknown error kind " + printable(kindName));
        }
        String operation = restore.apply(printable(readText(in)));
        GuestPath path = in.readBoolean() ? readPath(in) : null;
        String detail = restore.apply(printable(readText(in)));
        long errcode = in.readLong();
        String errorText = printable(readText(in));
        return new GuestFsException(kind, operation, path, detail, errcode, errorText);
    }

    /** Text from the worker with control characters shown as {@code ?}: it ends up in one-line messages and logs. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 && c != '\t' || c == 0x7f ? '?' : c);
        }
        return b.toString();
    }

    private static <E> E ordinal(E[] values, int ordinal, String what) throws IOException {
        if (ordinal >= values.length) {
            throw new IOException("unknown " + what + " " + ordinal);
        }
        return values[ordinal];
    }
}
