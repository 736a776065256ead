package io.guestdata.inject.rbd;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

import io.guestdata.inject.block.BlockDevice;
import io.guestdata.inject.block.BlockException;
import io.guestdata.inject.block.ImageInUseException;


/**
 * An RBD image read and written through librbd in this process ({@link LibRbd}), as QEMU's rbd
 * driver with {@code format=raw} sees it: its bytes are the disk, whatever they hold (as Nova's
 * libvirt driver, which always attaches RBD disks as raw).
 *
 * <p>A writable open checks, in this order, before any byte can be written: the cluster answers
 * and accepts the user's key (within {@link Settings#timeout()}); the pool exists; the target
 * names no snapshot; the image exists and the user may open it; it is not read-only (a
 * non-primary mirror image or one being migrated); nobody else watches it (a running VM, a
 * {@code qemu-img}, another {@code rbd} client: {@link ImageInUseException} naming each watcher's
 * address); it has the exclusive-lock feature; and then it takes librbd's exclusive lock in
 * {@code RBD_LOCK_MODE_EXCLUSIVE}, which librbd does not hand over to another client that asks
 * (unlike the cooperative lock of the exclusive-lock feature, under which two writers take
 * turns), and checks the watchers once more. The lock is released on {@link #close()}; a process
 * killed while holding it leaves it to be broken by the next client once the OSD expires the dead
 * client's watch ({@code osd_client_watch_timeout}, 30 s by default; docs/ceph.md).
 *
 * <p>An image without the exclusive-lock feature is refused rather than guarded by librbd's
 * advisory lock ({@code rbd_lock_exclusive}): QEMU and the kernel client ignore advisory locks,
 * so it would not keep a VM from writing, and a killed holder's advisory lock stays until
 * someone breaks it by hand.
 *
 * <p>A read-only open (a dry run) uses {@code rbd_open_read_only}: no watch, no lock, watchers
 * accepted.
 *
 * <p>{@link #path()} is not a host file: it is the name {@code rbd:POOL/IMAGE} that messages and
 * the undo journal print; no native library opens it (libext2fs reads through a
 * {@link io.guestdata.inject.fs.FilesystemWindow}).
 */
public final class RbdImage implements BlockDevice {
    /** Transfers are staged through a native buffer of this size (one librbd call each). */
    private static final int BUFFER = 4 << 20;

    /**
     * How librados is run.
     *
     * @param timeout the bound on connecting ({@code client_mount_timeout}) and on every monitor
     *                and OSD operation ({@code rados_mon_op_timeout}, {@code rados_osd_op_timeout}):
     *                an unreachable cluster or a dead OSD fails after it, never hangs
     */
    public record Settings(Duration timeout) {
        public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
        public static final Duration MAX_TIMEOUT = Duration.ofHours(1);

        public Settings {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.toSeconds() < 1 || timeout.compareTo(MAX_TIMEOUT) > 0) {
                throw new IllegalArgumentException("the Ceph timeout must be 1 to " + MAX_TIMEOUT.toSeconds()
                        + " seconds, got " + timeout.toMillis() + " ms");
            }
        }

        public static Settings defaults() {
            return new Settings(DEFAULT_TIMEOUT);
        }
    }

    /**
     * What identifies the image for its undo journal, whatever it is called later.
     *
     * @param fsid    the cluster's fsid
     * @param poolId  the pool's id
     * @param imageId librbd's image id ({@code rbd_get_id}), which a rename keeps
     */
    public record Identity(String fsid, long poolId, String imageId) {
    }

    private final RbdTarget target;
    private final Path name;
    private final boolean writable;
    private final RbdHandles handles;
    private final long size;
    private final Identity identity;
    private final Arena bufferArena = Arena.ofShared();
    private final MemorySegment buffer;
    private boolean locked;
    private boolean closed;

    private RbdImage(RbdTarget target, boolean writable, RbdHandles handles, long size, Identity identity) {
        this.target = target;
        this.name = nameOf(target);
        this.writable = writable;
        this.handles = handles;
        this.size = size;
        this.identity = identity;
        this.buffer = bufferArena.allocate(BUFFER, 4096);
    }

    /** {@code rbd:POOL/IMAGE}: how messages (and {@link BlockException}) name the image. */
    public static Path nameOf(RbdTarget target) {
        return Path.of("rbd:" + target.spec());
    }

    /**
     * Connects and opens the image: for writing after the checks of the class comment, under the
     * exclusive lock; read-only without lock or watcher check.
     *
     * @throws ImageInUseException another client watches the image or holds its lock; nothing written
     * @throws BlockException      the cluster, the pool or the image cannot be used (the message
     *                             names the call, the errno and what to do); nothing written
     */
    public static RbdImage open(RbdTarget target, boolean writable, Settings settings) throws BlockException {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(settings, "settings");
        Path name = nameOf(target);
        if (target.image().contains("@")) {
            throw new BlockException(name, "names a snapshot (" + target.image() + "); snapshots are read-only and"
                    + " guestdata never injects into one: name the image itself");
        }
        RbdHandles h = new RbdHandles();
        try {
            h.connect(target, name, settings);
            h.openImage(target, name, !writable);
            long size = h.size(name);
            Identity identity = h.identity(target, name);
            RbdImage image = new RbdImage(target, writable, h, size, identity);
            if (writable) {
                long features = h.features(name);
                refuseReadOnly(name, features);
                h.refuseWatchers(name, "");
                if ((features & LibRbd.RBD_FEATURE_EXCLUSIVE_LOCK) == 0) {
                    throw new BlockException(name, "has no exclusive-lock feature, so no lock can keep a VM from"
                            + " writing while guestdata does; enable it (rbd feature enable " + target.spec()
                            + " exclusive-lock) and run again");
                }
                h.lock(target, name);
                image.locked = true;
                h.refuseWatchers(name, " (seen after taking the lock)");
            }
            return image;
        } catch (BlockException | RuntimeException e) {
            h.closeQuietly(e);
            throw e;
        }
    }

    private static void refuseReadOnly(Path name, long features) throws BlockException {
        if ((features & LibRbd.RBD_FEATURE_NON_PRIMARY) != 0) {
            throw new BlockException(name, "is a non-primary mirror image, which is read-only; inject into the"
                    + " primary");
        }
        if ((features & LibRbd.RBD_FEATURE_MIGRATING) != 0) {
            throw new BlockException(name, "is being migrated (rbd migration), and is read-only until the migration"
                    + " is committed");
        }
    }

    /** The target as given. */
    public RbdTarget target() {
        return target;
    }

    /** The cluster fsid, pool id and image id. */
    public Identity identity() {
        return identity;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public synchronized void read(long position, ByteBuffer dst) throws IOException {
        BlockDevice.checkRange(name, -1, size, position, dst.remaining(), "read");
        requireOpen();
        long at = position;
        while (dst.hasRemaining()) {
            int n = Math.min(BUFFER, dst.remaining());
            long got = LibRbd.read2(handles.image, at, n, buffer);
            if (got <= 0) {
                throw new BlockException(name, got == 0 ? "rbd_read2 returned no bytes at offset " + at
                        + " (the image shrank?)" : "rbd_read2 of " + n + " bytes at offset " + at + " failed: "
                        + LibRbd.errnoText((int) got));
            }
            dst.put(buffer.asSlice(0, got).asByteBuffer());
            at += got;
        }
    }

    @Override
    public synchronized void write(long position, ByteBuffer src) throws IOException {
        checkWrite(position, src.remaining());
        requireOpen();
        long at = position;
        while (src.hasRemaining()) {
            int n = Math.min(BUFFER, src.remaining());
            ByteBuffer chunk = src.slice(src.position(), n);
            buffer.asSlice(0, n).asByteBuffer().put(chunk);
            long put = LibRbd.write2(handles.image, at, n, buffer);
            if (put != n) {
                throw new BlockException(name, "rbd_write2 of " + n + " bytes at offset " + at + " failed: "
                        + (put < 0 ? LibRbd.errnoText((int) put) : "wrote " + put + " bytes"));
            }
            src.position(src.position() + n);
            at += n;
        }
    }

    /** Not a host file: the name {@code rbd:POOL/IMAGE} (class comment). */
    @Override
    public Path path() {
        return name;
    }

    @Override
    public long offset() {
        return 0;
    }

    @Override
    public boolean writable() {
        return writable;
    }

    @Override
    public synchronized void flush() throws IOException {
        if (writable) {
            requireOpen();
            handles.check(LibRbd.flush(handles.image), name, "rbd_flush", "flushing the image");
        }
    }

    /** Flushes, releases the lock, closes the image and the cluster connection. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (writable) {
                handles.check(LibRbd.flush(handles.image), name, "rbd_flush", "flushing the image");
            }
            if (locked) {
                handles.check(LibRbd.lockRelease(handles.image), name, "rbd_lock_release", "releasing its exclusive lock");
            }
        } catch (BlockException e) {
            handles.closeQuietly(e);
            throw e;
        } finally {
            bufferArena.close();
        }
        handles.close(name);
    }

    private void requireOpen() throws BlockException {
        if (closed) {
            throw new BlockException(name, "is closed");
        }
    }
}
