package io.guestdata.inject.block;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An exclusive open-file-description lock (Linux {@code fcntl(F_OFD_SETLK)}, {@code F_WRLCK} over
 * the whole file) held on an image for as long as we may write it.
 *
 * <p>Why OFD locks and this shape:
 * <ul>
 *   <li>QEMU (a running VM, {@code qemu-img}, {@code qemu-io}, {@code qemu-storage-daemon},
 *       libguestfs' appliance) takes OFD <em>read</em> locks on bytes 100.. and 200.. of every
 *       image file it has open ({@code block/file-posix.c}, {@code raw_apply_lock_bytes}: one
 *       byte per permission it holds, one per permission it refuses to share). A write lock over
 *       the whole file therefore conflicts with any QEMU user that has not asked for
 *       {@code force-share}, and QEMU in turn fails to open an image we hold
 *       ("Failed to lock byte 100": it cannot even take its first read lock).</li>
 *   <li>POSIX record locks ({@code F_SETLK}, what {@link java.nio.channels.FileChannel#lock()}
 *       uses) belong to the process and are dropped when <em>any</em> descriptor of the file is
 *       closed in it. libext2fs opens and closes the image itself, so such a lock would vanish
 *       silently in the middle of an injection. POSIX locks also never conflict inside one
 *       process, so two injections in one server JVM would not see each other. OFD locks belong
 *       to our own descriptor, opened here and closed only by {@link #close()}.</li>
 * </ul>
 *
 * <p>For a block device the descriptor is also opened {@code O_EXCL}, which the kernel refuses
 * ({@code EBUSY}) while the device is mounted or claimed by another exclusive opener.
 *
 * <p>For qcow2 and other formats exported through {@link QemuStorageExport}, the daemon takes
 * QEMU's own locks; {@link #probe(Path)} is used on the original file before the daemon starts
 * so that a busy image gets the same clear error.
 */
@SuppressWarnings("restricted") // FFM downcalls to libc; the module is run with --enable-native-access
public final class ImageLock implements AutoCloseable {
    // <fcntl.h>, <bits/fcntl-linux.h>: the same values on x86_64 and aarch64.
    private static final int O_RDWR = 02;
    private static final int O_EXCL = 0200;
    private static final int O_NOCTTY = 0400;
    private static final int O_CLOEXEC = 02000000;
    private static final int F_OFD_GETLK = 36;
    private static final int F_OFD_SETLK = 37;
    private static final short F_WRLCK = 1;
    private static final short F_UNLCK = 2;
    private static final short SEEK_SET = 0;
    private static final int EAGAIN = 11;
    private static final int EACCES = 13;
    private static final int EBUSY = 16;

    /** {@code struct flock} (x86_64/aarch64 glibc): short l_type, short l_whence, off_t l_start, off_t l_len, pid_t l_pid. */
    private static final StructLayout FLOCK = MemoryLayout.structLayout(
            ValueLayout.JAVA_SHORT.withName("l_type"),
            ValueLayout.JAVA_SHORT.withName("l_whence"),
            MemoryLayout.paddingLayout(4),
            ValueLayout.JAVA_LONG.withName("l_start"),
            ValueLayout.JAVA_LONG.withName("l_len"),
            ValueLayout.JAVA_INT.withName("l_pid"),
            MemoryLayout.paddingLayout(4));
    private static final VarHandle L_TYPE = FLOCK.varHandle(MemoryLayout.PathElement.groupElement("l_type"));
    private static final VarHandle L_WHENCE = FLOCK.varHandle(MemoryLayout.PathElement.groupElement("l_whence"));
    private static final VarHandle L_START = FLOCK.varHandle(MemoryLayout.PathElement.groupElement("l_start"));
    private static final VarHandle L_LEN = FLOCK.varHandle(MemoryLayout.PathElement.groupElement("l_len"));
    private static final VarHandle L_PID = FLOCK.varHandle(MemoryLayout.PathElement.groupElement("l_pid"));

    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle OPEN;
    private static final MethodHandle FCNTL;
    private static final MethodHandle CLOSE;

    static {
        Linker linker = Linker.nativeLinker();
        var libc = linker.defaultLookup();
        Linker.Option errno = Linker.Option.captureCallState("errno");
        OPEN = linker.downcallHandle(libc.find("open").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
                errno, Linker.Option.firstVariadicArg(2));
        FCNTL = linker.downcallHandle(libc.find("fcntl").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS),
                errno, Linker.Option.firstVariadicArg(2));
        CLOSE = linker.downcallHandle(libc.find("close").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }

    private final Path image;
    private int fd;

    private ImageLock(Path image, int fd) {
        this.image = image;
        this.fd = fd;
    }

    /**
     * Takes the exclusive lock, or fails at once (never waits).
     *
     * @throws ImageInUseException if another process, or another open of this process, holds a
     *     conflicting lock (a VM, qemu-img, another guestdata writer), or a block device is mounted
     * @throws BlockException if the file cannot be opened read-write or its filesystem has no locks
     */
    public static ImageLock acquire(Path image) throws BlockException {
        Path real = realPath(image);
        boolean device = isBlockDevice(real);
        int flags = O_RDWR | O_CLOEXEC | O_NOCTTY | (device ? O_EXCL : 0);
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            fd = (int) OPEN.invokeExact(state, arena.allocateFrom(real.toString()), flags, 0);
            if (fd < 0) {
                int errno = (int) ERRNO.get(state, 0L);
                if (errno == EBUSY) {
                    throw inUse(image, real, "the block device is mounted or opened exclusively by another program");
                }
                throw new BlockException(image, "cannot open for writing (errno " + errno + "); check that it exists"
                        + " and that we may write it");
            }
            MemorySegment lock = arena.allocate(FLOCK);
            L_TYPE.set(lock, 0L, F_WRLCK);
            L_WHENCE.set(lock, 0L, SEEK_SET);
            L_START.set(lock, 0L, 0L);
            L_LEN.set(lock, 0L, 0L); // 0 = to the end of the file, however it grows
            L_PID.set(lock, 0L, 0); // must be 0 for OFD locks
            int rc = (int) FCNTL.invokeExact(state, fd, F_OFD_SETLK, lock);
            if (rc != 0) {
                int errno = (int) ERRNO.get(state, 0L);
                closeQuietly(fd);
                if (errno == EAGAIN || errno == EACCES) {
                    throw inUse(image, real, "another process (a running VM, qemu-img, qemu-storage-daemon,"
                            + " or another guestdata writer) holds a lock on it");
                }
                throw new BlockException(image, "cannot take a write lock (fcntl F_OFD_SETLK errno " + errno
                        + "); the filesystem holding the image may not support locks; copy the image to a local"
                        + " filesystem");
            }
            return new ImageLock(image, fd);
        } catch (BlockException e) {
            throw e;
        } catch (Throwable t) {
            throw new BlockException(image, "native lock call failed: " + t, t);
        }
    }

    /**
     * Checks that nobody else holds the image, without keeping a lock: takes the lock and
     * releases it. Used before handing an image to {@code qemu-storage-daemon}, which then holds
     * QEMU's own locks for as long as it runs.
     */
    public static void probe(Path image) throws BlockException {
        acquire(image).close();
    }

    /**
     * Whether some open file description other than ours holds a lock conflicting with an
     * exclusive lock on the image ({@code F_OFD_GETLK}); for tests and diagnostics.
     */
    public static boolean isLockedByOthers(Path image) throws BlockException {
        Path real = realPath(image);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(real.toString()), O_RDWR | O_CLOEXEC | O_NOCTTY, 0);
            if (fd < 0) {
                throw new BlockException(image, "cannot open (errno " + (int) ERRNO.get(state, 0L) + ")");
            }
            try {
                MemorySegment lock = arena.allocate(FLOCK);
                L_TYPE.set(lock, 0L, F_WRLCK);
                L_WHENCE.set(lock, 0L, SEEK_SET);
                L_START.set(lock, 0L, 0L);
                L_LEN.set(lock, 0L, 0L);
                L_PID.set(lock, 0L, 0);
                int rc = (int) FCNTL.invokeExact(state, fd, F_OFD_GETLK, lock);
                if (rc != 0) {
                    throw new BlockException(image, "fcntl F_OFD_GETLK failed (errno " + (int) ERRNO.get(state, 0L) + ")");
                }
                return (short) L_TYPE.get(lock, 0L) != F_UNLCK;
            } finally {
                closeQuietly(fd);
            }
        } catch (BlockException e) {
            throw e;
        } catch (Throwable t) {
            throw new BlockException(image, "native lock call failed: " + t, t);
        }
    }

    /** The image this lock protects. */
    public Path image() {
        return image;
    }

    /** Releases the lock (by closing our descriptor). Idempotent. */
    @Override
    public synchronized void close() {
        if (fd >= 0) {
            closeQuietly(fd);
            fd = -1;
        }
    }

    private static ImageInUseException inUse(Path image, Path real, String why) {
        List<String> holders = processesHolding(real);
        return new ImageInUseException(image, "image is in use: " + why
                + (holders.isEmpty() ? "" : " (open in " + String.join(", ", holders) + ")")
                + "; stop the VM or program using it, then retry; nothing was written");
    }

    /** "pid N (comm)" for every process whose open descriptors point at {@code real}; best effort. */
    static List<String> processesHolding(Path real) {
        List<String> found = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path proc : procs) {
                try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve("fd"))) {
                    for (Path fdLink : fds) {
                        if (real.equals(Files.readSymbolicLink(fdLink))) {
                            long pid = Long.parseLong(proc.getFileName().toString());
                            String comm = Files.readString(proc.resolve("comm")).strip();
                            found.add("pid " + pid + " (" + comm + (pid == self ? ", this process" : "") + ")");
                            break;
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    // A process that exited or that we may not inspect: skip it; this is diagnostics only.
                }
            }
        } catch (IOException e) {
            return found;
        }
        return found;
    }

    private static Path realPath(Path image) throws BlockException {
        try {
            return image.toRealPath();
        } catch (IOException e) {
            throw new BlockException(image, "does not exist or cannot be resolved: " + e.getMessage(), e);
        }
    }

    static boolean isBlockDevice(Path real) {
        try {
            int mode = (Integer) Files.getAttribute(real, "unix:mode");
            return (mode & 0170000) == 0060000;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    private static void closeQuietly(int fd) {
        try {
            int rc = (int) CLOSE.invokeExact(fd);
            assert rc == 0 || rc == -1;
        } catch (Throwable t) {
            throw new IllegalStateException("close(" + fd + ") failed", t);
        }
    }
}
