package io.guestdata.inject.sandbox;

import java.io.IOException;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

import io.guestdata.inject.fs.AccessPolicy;
import io.guestdata.inject.fs.Ext2Filesystem;
import io.guestdata.inject.fs.FileStat;
import io.guestdata.inject.fs.FilesystemWindow;
import io.guestdata.inject.fs.GuestFilesystem;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.fs.GuestFsException.Kind;
import io.guestdata.inject.fs.GuestPath;
import io.guestdata.inject.fs.OpenMode;

/**
 * An ext2/3/4 filesystem opened by a sandboxed worker ({@link Ext2fsWorker}): every call is
 * forwarded to the worker's {@link Ext2Filesystem}, which reads the window through this process
 * and hands its changes back at {@link #close()}, where they are checked and committed to the
 * window here. The results, refusals and errors are the in-process ones: same values, same
 * {@link GuestFsException} kinds and messages.
 *
 * <p>When the worker dies, hangs or misbehaves, the call fails with {@link Kind#SANDBOX} and a
 * message saying what happened ("the sandboxed ext2fs worker died with signal 11 (SIGSEGV) …");
 * every later call fails the same way, and nothing of this open reaches the window (its changes
 * are committed only by the close, only here, and only as one unit).
 */
public final class SandboxedFilesystem implements GuestFilesystem {

    private final WorkerProcess worker;
    private final int handle;
    private final String image;
    private final OpenMode mode;
    private final InstantSource clock;
    private boolean closed;
    private AutoCloseable owner;
    private GuestFsException broken;
    /**
     * What {@code stat} and {@code exists} answered since the last change (the planner asks for
     * /etc or /root once per item): the worker and the window are this open's alone, so nothing
     * else changes the tree between two of our calls; any call that may change it empties this.
     */
    private final Map<Lookup, Object> answered = new HashMap<>();

    private record Lookup(boolean stat, GuestPath path, AccessPolicy policy) {
    }

    /** The remembered answer, or null; none once closed or broken (the call then fails as it must). */
    private synchronized Object known(Lookup key) {
        return closed || broken != null ? null : answered.get(key);
    }

    private synchronized void remember(Lookup key, Object answer) {
        answered.put(key, answer);
    }

    private synchronized void forget() {
        answered.clear();
    }

    private SandboxedFilesystem(WorkerProcess worker, int handle, String image, OpenMode mode, InstantSource clock) {
        this.worker = worker;
        this.handle = handle;
        this.image = image;
        this.mode = mode;
        this.clock = clock;
    }

    /**
     * Opens the filesystem that fills {@code window} in {@code worker}, with the checks of
     * {@link Ext2Filesystem#open(FilesystemWindow, OpenMode, InstantSource)}.
     */
    static SandboxedFilesystem open(WorkerProcess worker, FilesystemWindow window, OpenMode mode, InstantSource clock)
            throws GuestFsException {
        Objects.requireNonNull(window, "window");
        Objects.requireNonNull(mode, "mode");
        String image = window.describe();
        int handle = worker.register(window, mode == OpenMode.READ_WRITE);
        try {
            worker.call(WorkerProtocol.OPEN, handle, clock.millis(), out -> {
                out.writeLong(window.size());
                out.writeUTF(WorkerProcess.token(handle));
                out.writeBoolean(mode == OpenMode.READ_WRITE);
            }, in -> null, 0);
        } catch (GuestFsException e) {
            worker.release(handle);
            throw e;
        } catch (WorkerException e) {
            worker.release(handle);
            throw failure(e, "open " + image, null, "nothing was written");
        }
        return new SandboxedFilesystem(worker, handle, image, mode, clock);
    }

    /** Makes {@link #close()} close {@code session} too, after the filesystem. */
    synchronized void closeAlso(SandboxSession session) {
        this.owner = session;
    }

    /** {@link Ext2Filesystem#checkWritable}, in the worker. */
    static void checkWritable(WorkerProcess worker, FilesystemWindow window, InstantSource clock)
            throws GuestFsException {
        int handle = worker.register(window, false);
        try {
            worker.call(WorkerProtocol.CHECK_WRITABLE, handle, clock.millis(), out -> {
                out.writeLong(window.size());
                out.writeUTF(WorkerProcess.token(handle));
            }, in -> null, 0);
        } catch (WorkerException e) {
            throw failure(e, "open " + window.describe(), null, "nothing was written");
        } finally {
            worker.release(handle);
        }
    }

    @Override
    public boolean exists(GuestPath path, AccessPolicy policy) throws GuestFsException {
        Lookup key = new Lookup(false, path, policy);
        if (known(key) instanceof Boolean known) {
            return known;
        }
        boolean exists = call("exists", path, WorkerProtocol.EXISTS, out -> {
            WorkerProtocol.writePath(out, path);
            WorkerProtocol.writePolicy(out, policy);
        }, in -> in.readBoolean(), 0);
        remember(key, exists);
        return exists;
    }

    @Override
    public FileStat stat(GuestPath path, AccessPolicy policy) throws GuestFsException {
        Lookup key = new Lookup(true, path, policy);
        if (known(key) instanceof FileStat known) {
            return known;
        }
        FileStat stat = call("stat", path, WorkerProtocol.STAT, out -> {
            WorkerProtocol.writePath(out, path);
            WorkerProtocol.writePolicy(out, policy);
        }, WorkerProtocol::readStat, 0);
        remember(key, stat);
        return stat;
    }

    @Override
    public byte[] read(GuestPath path, int maxBytes, AccessPolicy policy) throws GuestFsException {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must not be negative: " + maxBytes);
        }
        return call("read", path, WorkerProtocol.READ, out -> {
            WorkerProtocol.writePath(out, path);
            out.writeInt(maxBytes);
            WorkerProtocol.writePolicy(out, policy);
        }, in -> {
            byte[] content = in.readAllBytes();
            if (content.length > maxBytes) {
                throw new IOException("a file of " + content.length + " bytes, more than the limit of " + maxBytes);
            }
            return content;
        }, maxBytes);
    }

    @Override
    public void makeDirectories(GuestPath dir, int mode, int uid, int gid, AccessPolicy policy) throws GuestFsException {
        forget();
        call("mkdir -p", dir, WorkerProtocol.MKDIRS, out -> {
            WorkerProtocol.writePath(out, dir);
            out.writeInt(mode);
            out.writeInt(uid);
            out.writeInt(gid);
            WorkerProtocol.writePolicy(out, policy);
        }, in -> null, 0);
    }

    @Override
    public void replace(GuestPath file, byte[] content, AccessPolicy policy) throws GuestFsException {
        write("replace", WorkerProtocol.REPLACE, file, content, policy);
    }

    @Override
    public void append(GuestPath file, byte[] content, AccessPolicy policy) throws GuestFsException {
        write("append", WorkerProtocol.APPEND, file, content, policy);
    }

    private void write(String operation, byte type, GuestPath file, byte[] content, AccessPolicy policy)
            throws GuestFsException {
        Objects.requireNonNull(content, "content");
        if (content.length > Ext2Filesystem.MAX_CHANGED_BYTES) {
            throw new GuestFsException(Kind.TOO_LARGE, operation, file, content.length + " bytes are more than the "
                    + Ext2Filesystem.MAX_CHANGED_BYTES + " one open filesystem may change");
        }
        forget();
        call(operation, file, type, out -> {
            WorkerProtocol.writePath(out, file);
            out.writeInt(content.length);
            out.write(content);
            WorkerProtocol.writePolicy(out, policy);
        }, in -> null, 0);
    }

    @Override
    public void chmod(GuestPath path, int mode, AccessPolicy policy) throws GuestFsException {
        forget();
        call("chmod", path, WorkerProtocol.CHMOD, out -> {
            WorkerProtocol.writePath(out, path);
            out.writeInt(mode);
            WorkerProtocol.writePolicy(out, policy);
        }, in -> null, 0);
    }

    @Override
    public void chown(GuestPath path, int uid, int gid, AccessPolicy policy) throws GuestFsException {
        forget();
        call("chown", path, WorkerProtocol.CHOWN, out -> {
            WorkerProtocol.writePath(out, path);
            out.writeInt(uid);
            out.writeInt(gid);
            WorkerProtocol.writePolicy(out, policy);
        }, in -> null, 0);
    }

    @Override
    public long freeBytes() throws GuestFsException {
        return call("free space", null, WorkerProtocol.FREE_BYTES, out -> { }, in -> in.readLong(), 0);
    }

    @Override
    public OptionalLong freeInodes() throws GuestFsException {
        return call("free inodes", null, WorkerProtocol.FREE_INODES, out -> { }, in -> {
            boolean present = in.readBoolean();
            long n = in.readLong();
            return present ? OptionalLong.of(n) : OptionalLong.empty();
        }, 0);
    }

    /**
     * Closes the filesystem in the worker; for a writable one, the worker hands over its changes,
     * which are checked and committed to the window here, at once, before the close returns. A
     * second close does nothing. When the worker had died before, closing a read-only filesystem does
     * nothing more (it changed nothing); closing a writable one fails, saying that nothing was written.
     */
    @Override
    public synchronized void close() throws GuestFsException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            worker.call(WorkerProtocol.CLOSE, handle, clock.millis(), out -> { }, in -> null, 0);
        } catch (WorkerException e) {
            if (mode == OpenMode.READ_WRITE || !e.earlier()) {
                throw failure(e, "close " + image, null, worker.committed(handle)
                        ? "its changes had been committed to the image before"
                        : "nothing was written to the image");
            }
        } finally {
            worker.release(handle);
            if (owner != null) {
                closeOwner();
            }
        }
    }

    private void closeOwner() {
        try {
            owner.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing the sandbox session failed", e);
        }
    }

    private synchronized <T> T call(String operation, GuestPath path, byte type, WorkerProtocol.Body body,
                                    WorkerProcess.Result<T> result, int maxResult) throws GuestFsException {
        if (type != WorkerProtocol.FREE_BYTES && type != WorkerProtocol.FREE_INODES) {
            Objects.requireNonNull(path, "path");
        }
        if (closed) {
            throw new GuestFsException(Kind.CLOSED, operation, path, image + " is already closed");
        }
        try {
            return worker.call(type, handle, clock.millis(), body, result, maxResult);
        } catch (WorkerException e) {
            GuestFsException f = failure(e, operation, path, mode == OpenMode.READ_WRITE
                    ? "nothing this open changed was written to the image" : "nothing was written");
            if (e.dead() && broken == null) {
                broken = f;
            }
            throw f;
        }
    }

    /** The failure that ended the worker, once it did. */
    @Override
    public synchronized java.util.Optional<GuestFsException> broken() {
        return java.util.Optional.ofNullable(broken);
    }

    private static GuestFsException failure(WorkerException e, String operation, GuestPath path, String consequence) {
        String detail = e.dead()
                ? "the sandboxed ext2fs worker " + e.getMessage() + "; " + consequence
                : "the sandboxed ext2fs worker " + e.getMessage();
        return new GuestFsException(Kind.SANDBOX, operation, path, detail);
    }

    /** The worker's JVM inside the sandbox, while it runs (diagnostics; tests kill it). */
    public java.util.Optional<ProcessHandle> workerProcess() {
        return worker.jvm();
    }

    @Override
    public String toString() {
        return "SandboxedFilesystem[" + image + ", " + mode + (closed ? ", closed]" : "]");
    }
}
