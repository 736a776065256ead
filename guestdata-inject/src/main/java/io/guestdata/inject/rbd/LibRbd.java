package io.guestdata.inject.rbd;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import io.guestdata.inject.ffm.NativeLibrary;

import static io.guestdata.inject.ffm.NativeLibrary.unchecked;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Hand-written Foreign Function &amp; Memory bindings to {@code librados.so.2} and {@code librbd.so.1}
 * (Ceph 16), the calls {@link RbdImage} makes, and {@code strerrorname_np}/{@code strerror} from libc
 * for the errno names in messages.
 *
 * <p>Prototypes are those of {@code /usr/include/rados/librados.h} and {@code /usr/include/rbd/librbd.h}:
 * {@code rados_t}, {@code rados_ioctx_t} and {@code rbd_image_t} are {@code void *}; every {@code int}
 * result is 0 or a negative errno; {@code ssize_t}, {@code size_t}, {@code uint64_t} and
 * {@code int64_t} are 64-bit here. Every call blocks at most for the librados timeouts set on the
 * cluster handle ({@link RbdImage} sets them before connecting).
 *
 * <p>{@code rbd_image_watcher_t} is {@code {char *addr; int64_t id; uint64_t cookie;}}: 24 bytes,
 * {@link #WATCHER_SIZE}.
 */
// Restricted FFM methods (downcalls, reinterpret) are this class's purpose; the JVM runs with
// --enable-native-access for this module.
@SuppressWarnings("restricted")
final class LibRbd {
    /** errno values ({@code asm-generic/errno-base.h}, {@code errno.h}; the same on x86_64 and aarch64). */
    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EIO = 5;
    static final int EACCES = 13;
    static final int EBUSY = 16;
    static final int ENOSPC = 28;
    static final int EROFS = 30;
    static final int EEXIST = 17;
    static final int ERANGE = 34;
    static final int ETIMEDOUT = 110;
    static final int EDQUOT = 122;

    /** {@code rbd_lock_mode_t}. */
    static final int RBD_LOCK_MODE_EXCLUSIVE = 0;
    /** {@code rbd/features.h}. */
    static final long RBD_FEATURE_EXCLUSIVE_LOCK = 1L << 2;
    static final long RBD_FEATURE_MIGRATING = 1L << 9;
    static final long RBD_FEATURE_NON_PRIMARY = 1L << 10;

    /** {@code sizeof(rbd_image_watcher_t)} and its fields' offsets. */
    static final long WATCHER_SIZE = 24;
    static final long WATCHER_ADDR = 0;
    static final long WATCHER_ID = 8;

    private static final NativeLibrary RADOS = NativeLibrary.open("librados.so.2", "librados2");
    private static final NativeLibrary RBD = NativeLibrary.open("librbd.so.1", "librbd1");
    private static final NativeLibrary LIBC = NativeLibrary.libc();

    private static final MethodHandle STRERRORNAME_NP = LIBC.downcall("strerrorname_np", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    private static final MethodHandle STRERROR = LIBC.downcall("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private static final MethodHandle CREATE2 = RADOS.downcall("rados_create2",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle CONF_READ_FILE = RADOS.downcall("rados_conf_read_file",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle CONF_SET = RADOS.downcall("rados_conf_set",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle CONF_GET = RADOS.downcall("rados_conf_get",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle CONNECT = RADOS.downcall("rados_connect", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SHUTDOWN = RADOS.downcall("rados_shutdown", FunctionDescriptor.ofVoid(ADDRESS));
    private static final MethodHandle CLUSTER_FSID = RADOS.downcall("rados_cluster_fsid",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle GET_INSTANCE_ID = RADOS.downcall("rados_get_instance_id",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS));
    private static final MethodHandle IOCTX_CREATE = RADOS.downcall("rados_ioctx_create",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle IOCTX_SET_NAMESPACE = RADOS.downcall("rados_ioctx_set_namespace",
            FunctionDescriptor.ofVoid(ADDRESS, ADDRESS));
    private static final MethodHandle IOCTX_GET_ID = RADOS.downcall("rados_ioctx_get_id",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS));
    private static final MethodHandle IOCTX_SET_POOL_FULL_TRY = RADOS.downcall("rados_set_pool_full_try",
            FunctionDescriptor.ofVoid(ADDRESS));
    private static final MethodHandle IOCTX_DESTROY = RADOS.downcall("rados_ioctx_destroy",
            FunctionDescriptor.ofVoid(ADDRESS));

    private static final MethodHandle OPEN = RBD.downcall("rbd_open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle OPEN_READ_ONLY = RBD.downcall("rbd_open_read_only",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle CLOSE = RBD.downcall("rbd_close", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle GET_SIZE = RBD.downcall("rbd_get_size",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle GET_FEATURES = RBD.downcall("rbd_get_features",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle GET_ID = RBD.downcall("rbd_get_id",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle WATCHERS_LIST = RBD.downcall("rbd_watchers_list",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle WATCHERS_LIST_CLEANUP = RBD.downcall("rbd_watchers_list_cleanup",
            FunctionDescriptor.ofVoid(ADDRESS, JAVA_LONG));
    private static final MethodHandle LOCK_ACQUIRE = RBD.downcall("rbd_lock_acquire",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle LOCK_RELEASE = RBD.downcall("rbd_lock_release",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle READ2 = RBD.downcall("rbd_read2",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_INT));
    private static final MethodHandle WRITE2 = RBD.downcall("rbd_write2",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_INT));
    private static final MethodHandle FLUSH = RBD.downcall("rbd_flush", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle IMAGE_OPTIONS_CREATE = RBD.downcall("rbd_image_options_create",
            FunctionDescriptor.ofVoid(ADDRESS));
    private static final MethodHandle IMAGE_OPTIONS_DESTROY = RBD.downcall("rbd_image_options_destroy",
            FunctionDescriptor.ofVoid(ADDRESS));
    private static final MethodHandle CREATE4 = RBD.downcall("rbd_create4",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle REMOVE = RBD.downcall("rbd_remove", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle RENAME = RBD.downcall("rbd_rename",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle MON_COMMAND = RADOS.downcall("rados_mon_command",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS, ADDRESS,
                    ADDRESS));
    private static final MethodHandle BUFFER_FREE = RADOS.downcall("rados_buffer_free", FunctionDescriptor.ofVoid(ADDRESS));

    private LibRbd() {
    }

    /** "ETIMEDOUT (Connection timed out)" for a (positive or negative) errno. */
    static String errnoText(int code) {
        int errno = Math.abs(code);
        try {
            MemorySegment name = (MemorySegment) STRERRORNAME_NP.invokeExact(errno);
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            String n = name.equals(MemorySegment.NULL) ? "errno " + errno : name.reinterpret(64).getString(0);
            return n + " (" + text.reinterpret(256).getString(0) + ")";
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static int create2(MemorySegment clusterSlot, MemorySegment clusterName, MemorySegment name) {
        try {
            return (int) CREATE2.invokeExact(clusterSlot, clusterName, name, 0L);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static int confReadFile(MemorySegment cluster, MemorySegment path) {
        try {
            return (int) CONF_READ_FILE.invokeExact(cluster, path);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static int confSet(MemorySegment cluster, MemorySegment option, MemorySegment value) {
        try {
            return (int) CONF_SET.invokeExact(cluster, option, value);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static int confGet(MemorySegment cluster, MemorySegment option, MemorySegment buf, long len) {
        try {
            return (int) CONF_GET.invokeExact(cluster, option, buf, len);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static int connect(MemorySegment cluster) {
        try {
            return (int) CONNECT.invokeExact(cluster);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static void shutdown(MemorySegment cluster) {
        try {
            SHUTDOWN.invokeExact(cluster);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static int clusterFsid(MemorySegment cluster, MemorySegment buf, long len) {
        try {
            return (int) CLUSTER_FSID.invokeExact(cluster, buf, len);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static long instanceId(MemorySegment cluster) {
        try {
            return (long) GET_INSTANCE_ID.invokeExact(cluster);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static int ioctxCreate(MemorySegment cluster, MemorySegment pool, MemorySegment ioctxSlot) {
        try {
            return (int) IOCTX_CREATE.invokeExact(cluster, pool, ioctxSlot);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static void ioctxSetNamespace(MemorySegment ioctx, MemorySegment namespace) {
        try {
            IOCTX_SET_NAMESPACE.invokeExact(ioctx, namespace);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static long ioctxGetId(MemorySegment ioctx) {
        try {
            return (long) IOCTX_GET_ID.invokeExact(ioctx);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /**
     * {@code rados_set_pool_full_try}: writes to a pool that is full (its quota reached, or the cluster full) fail at
     * once with {@code EDQUOT} or {@code ENOSPC} instead of waiting, paused, for space (until the op timeout).
     */
    static void ioctxSetPoolFullTry(MemorySegment ioctx) {
        try {
            IOCTX_SET_POOL_FULL_TRY.invokeExact(ioctx);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static void ioctxDestroy(MemorySegment ioctx) {
        try {
            IOCTX_DESTROY.invokeExact(ioctx);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /** {@code rbd_open} (read-write, with the image's watch) or {@code rbd_open_read_only} (no watch); never a snapshot. */
    static int open(MemorySegment ioctx, MemorySegment name, MemorySegment imageSlot, boolean readOnly) {
        try {
            return readOnly
                    ? (int) OPEN_READ_ONLY.invokeExact(ioctx, name, imageSlot, MemorySegment.NULL)
                    : (int) OPEN.invokeExact(ioctx, name, imageSlot, MemorySegment.NULL);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static int close(MemorySegment image) {
        try {
            return (int) CLOSE.invokeExact(image);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static int getSize(MemorySegment image, MemorySegment sizeSlot) {
        try {
            return (int) GET_SIZE.invokeExact(image, sizeSlot);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static int getFeatures(MemorySegment image, MemorySegment slot) {
        try {
            return (int) GET_FEATURES.invokeExact(image, slot);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static int getId(MemorySegment image, MemorySegment buf, long len) {
        try {
            return (int) GET_ID.invokeExact(image, buf, len);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static int watchersList(MemorySegment image, MemorySegment watchers, MemorySegment maxSlot) {
        try {
            return (int) WATCHERS_LIST.invokeExact(image, watchers, maxSlot);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static void watchersListCleanup(MemorySegment watchers, long count) {
        try {
            WATCHERS_LIST_CLEANUP.invokeExact(watchers, count);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static int lockAcquire(MemorySegment image, int mode) {
        try {
            return (int) LOCK_ACQUIRE.invokeExact(image, mode);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static int lockRelease(MemorySegment image) {
        try {
            return (int) LOCK_RELEASE.invokeExact(image);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static long read2(MemorySegment image, long offset, long length, MemorySegment buf) {
        try {
            return (long) READ2.invokeExact(image, offset, length, buf, 0);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static long write2(MemorySegment image, long offset, long length, MemorySegment buf) {
        try {
            return (long) WRITE2.invokeExact(image, offset, length, buf, 0);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static int flush(MemorySegment image) {
        try {
            return (int) FLUSH.invokeExact(image);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /**
     * {@code rbd_create4} with default options ({@code rbd_image_options_create}: image format 2 and
     * the cluster's {@code rbd_default_features}, what {@code rbd import --image-format=2} makes).
     */
    static int create4(MemorySegment ioctx, MemorySegment name, long size) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(ADDRESS);
            IMAGE_OPTIONS_CREATE.invokeExact(slot);
            MemorySegment opts = slot.get(ADDRESS, 0);
            try {
                return (int) CREATE4.invokeExact(ioctx, name, size, opts);
            } finally {
                IMAGE_OPTIONS_DESTROY.invokeExact(opts);
            }
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static int remove(MemorySegment ioctx, MemorySegment name) {
        try {
            return (int) REMOVE.invokeExact(ioctx, name);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static int rename(MemorySegment ioctx, MemorySegment from, MemorySegment to) {
        try {
            return (int) RENAME.invokeExact(ioctx, from, to);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /**
     * {@code rados_mon_command} with one JSON command and no input; the output buffer's text, or
     * the negative errno as {@code Integer} when the command failed.
     */
    static Object monCommand(MemorySegment cluster, String json) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cmd = arena.allocate(ADDRESS);
            cmd.set(ADDRESS, 0, arena.allocateFrom(json));
            MemorySegment outbuf = arena.allocate(ADDRESS);
            MemorySegment outlen = arena.allocate(JAVA_LONG);
            MemorySegment outs = arena.allocate(ADDRESS);
            MemorySegment outslen = arena.allocate(JAVA_LONG);
            int rc = (int) MON_COMMAND.invokeExact(cluster, cmd, 1L, MemorySegment.NULL, 0L, outbuf, outlen, outs,
                    outslen);
            MemorySegment out = outbuf.get(ADDRESS, 0);
            MemorySegment status = outs.get(ADDRESS, 0);
            try {
                if (rc < 0) {
                    return rc;
                }
                long n = outlen.get(JAVA_LONG, 0);
                return new String(out.reinterpret(n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                        java.nio.charset.StandardCharsets.UTF_8);
            } finally {
                if (!out.equals(MemorySegment.NULL)) {
                    BUFFER_FREE.invokeExact(out);
                }
                if (!status.equals(MemorySegment.NULL)) {
                    BUFFER_FREE.invokeExact(status);
                }
            }
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }
}
