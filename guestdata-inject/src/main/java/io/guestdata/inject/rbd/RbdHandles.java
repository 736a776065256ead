package io.guestdata.inject.rbd;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.guestdata.inject.block.BlockException;
import io.guestdata.inject.block.ImageInUseException;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The librados and librbd handles of one connection: the cluster (connected as one user, with the
 * timeouts of {@link RbdImage.Settings}), one pool's I/O context in its namespace, and at most one
 * open image. Every failure is a {@link BlockException} naming the librados/librbd call and its
 * errno. Shared by {@link RbdImage} (one image) and {@link RbdPool} (creating, renaming and
 * removing images).
 */
final class RbdHandles {
    MemorySegment cluster = MemorySegment.NULL;
    MemorySegment ioctx = MemorySegment.NULL;
    MemorySegment image = MemorySegment.NULL;
    String who = "client.admin";
    String monHost = "";
    Duration timeout;
    long instanceId;

    void connect(RbdTarget target, Path name, RbdImage.Settings settings) throws BlockException {
        timeout = settings.timeout();
        who = "client." + target.user().orElse("admin");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(ADDRESS);
            int rc = create2(name, slot, arena.allocateFrom("ceph"), arena.allocateFrom(who));
            check(rc, name, "rados_create2", "creating a cluster handle for " + who);
            cluster = slot.get(ADDRESS, 0);
            if (target.conf().isPresent()) {
                rc = LibRbd.confReadFile(cluster, arena.allocateFrom(target.conf().get().toString()));
                check(rc, name, "rados_conf_read_file", "reading " + target.conf().get());
            } else {
                // librados' default search (CEPH_CONF, /etc/ceph/ceph.conf, ...); none found is
                // not an error when mon_host is given, as for QEMU.
                LibRbd.confReadFile(cluster, MemorySegment.NULL);
            }
            Map<String, String> options = new LinkedHashMap<>();
            target.keyring().ifPresent(k -> options.put("keyring", k.toString()));
            target.monHost().ifPresent(m -> options.put("mon_host", m));
            options.putAll(target.settings());
            String seconds = Long.toString(timeout.toSeconds());
            for (String option : List.of("client_mount_timeout", "rados_mon_op_timeout", "rados_osd_op_timeout")) {
                options.put(option, seconds);
            }
            for (Map.Entry<String, String> o : options.entrySet()) {
                rc = LibRbd.confSet(cluster, arena.allocateFrom(o.getKey()), arena.allocateFrom(o.getValue()));
                check(rc, name, "rados_conf_set", "setting " + o.getKey());
            }
            MemorySegment buf = arena.allocate(4096);
            if (LibRbd.confGet(cluster, arena.allocateFrom("mon_host"), buf, buf.byteSize()) == 0) {
                monHost = buf.getString(0);
            }
            if (monHost.isBlank()) {
                throw new CephConnectException(name, "no monitor address: neither the target (mon_host=) nor "
                        + target.conf().map(Path::toString).orElse("the default ceph.conf") + " names one");
            }
            rc = LibRbd.connect(cluster);
            if (rc < 0) {
                throw new CephConnectException(name, "cannot connect to the Ceph cluster (mon_host " + monHost + ") as "
                        + who + ": " + connectProblem(rc));
            }
            instanceId = LibRbd.instanceId(cluster);
        }
    }

    /**
     * {@code rados_create2}, the first call into librados: where {@link LibRbd} cannot load its libraries (its
     * class initialisation fails the first time, every later use is a {@link NoClassDefFoundError}), the message
     * names the Debian package to install.
     */
    private static int create2(Path name, MemorySegment slot, MemorySegment cluster, MemorySegment who)
            throws BlockException {
        try {
            return LibRbd.create2(slot, cluster, who);
        } catch (ExceptionInInitializerError | NoClassDefFoundError e) {
            Throwable cause = e;
            while (cause.getCause() != null) {
                cause = cause.getCause();
            }
            throw new BlockException(name, "RBD targets need librbd.so.1 and librados.so.2, which cannot be loaded"
                    + " here (" + cause.getMessage() + "); install the Debian package librbd1 (it brings librados2)", e);
        }
    }

    private String connectProblem(int rc) {
        return switch (-rc) {
            case LibRbd.ETIMEDOUT -> "timed out after " + timeout.toSeconds() + " s (rados_connect: "
                    + LibRbd.errnoText(rc) + "); are the monitors up and reachable?";
            case LibRbd.EACCES, LibRbd.EPERM -> "authentication refused (rados_connect: " + LibRbd.errnoText(rc)
                    + "); check the user and its key in the keyring";
            // cephx answers a wrong key with a ticket that does not decrypt: librados says EIO
            case LibRbd.EIO -> "the monitors refused the session (rados_connect: " + LibRbd.errnoText(rc)
                    + "); most often the keyring holds a wrong key for this user";
            default -> "rados_connect: " + LibRbd.errnoText(rc);
        };
    }

    void openPool(RbdTarget target, Path name) throws BlockException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(ADDRESS);
            int rc = LibRbd.ioctxCreate(cluster, arena.allocateFrom(target.pool()), slot);
            if (rc == -LibRbd.ENOENT) {
                throw new RbdNotFoundException(name, "no pool " + target.pool() + " in the cluster (mon_host " + monHost + ")");
            }
            check(rc, name, "rados_ioctx_create", "opening pool " + target.pool());
            ioctx = slot.get(ADDRESS, 0);
            LibRbd.ioctxSetNamespace(ioctx, arena.allocateFrom(target.namespace()));
        }
    }

    void openImage(RbdTarget target, Path name, boolean readOnly) throws BlockException {
        openPool(target, name);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(ADDRESS);
            int rc = LibRbd.open(ioctx, arena.allocateFrom(target.image()), slot, readOnly);
            if (rc == -LibRbd.ENOENT) {
                throw new RbdNotFoundException(name, "no image " + target.spec() + " in pool " + target.pool()
                        + (target.namespace().isEmpty() ? "" : " namespace " + target.namespace()));
            }
            if (rc == -LibRbd.EPERM || rc == -LibRbd.EACCES) {
                throw capsRefused(target, name, readOnly ? "rbd_open_read_only" : "rbd_open", rc, "open images");
            }
            check(rc, name, readOnly ? "rbd_open_read_only" : "rbd_open", "opening the image");
            image = slot.get(ADDRESS, 0);
        }
    }

    BlockException capsRefused(RbdTarget target, Path name, String function, int rc, String what) {
        return new BlockException(name, who + " may not " + what + " in pool " + target.pool() + " (" + function + ": "
                + LibRbd.errnoText(rc) + "): its caps do not cover the pool; grant 'profile rbd pool=" + target.pool()
                + "'");
    }

    long size(Path name) throws BlockException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(JAVA_LONG);
            check(LibRbd.getSize(image, slot), name, "rbd_get_size", "reading its size");
            return slot.get(JAVA_LONG, 0);
        }
    }

    long features(Path name) throws BlockException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(JAVA_LONG);
            check(LibRbd.getFeatures(image, slot), name, "rbd_get_features", "reading its features");
            return slot.get(JAVA_LONG, 0);
        }
    }

    RbdImage.Identity identity(RbdTarget target, Path name) throws BlockException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(256);
            check(LibRbd.clusterFsid(cluster, buf, buf.byteSize()), name, "rados_cluster_fsid",
                    "reading the cluster's fsid");
            String fsid = buf.getString(0);
            check(LibRbd.getId(image, buf, buf.byteSize()), name, "rbd_get_id", "reading the image id");
            return new RbdImage.Identity(fsid, LibRbd.ioctxGetId(ioctx), buf.getString(0));
        }
    }

    /** Refuses the image if anyone but this connection watches it. */
    void refuseWatchers(Path name, String when) throws BlockException {
        List<String> others = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment max = arena.allocate(JAVA_LONG);
            long capacity = 16;
            while (true) {
                MemorySegment list = arena.allocate(LibRbd.WATCHER_SIZE * capacity, 8);
                max.set(JAVA_LONG, 0, capacity);
                int rc = LibRbd.watchersList(image, list, max);
                if (rc == -LibRbd.ERANGE) {
                    capacity = Math.max(capacity * 2, max.get(JAVA_LONG, 0));
                    continue;
                }
                check(rc, name, "rbd_watchers_list", "listing its watchers");
                long n = max.get(JAVA_LONG, 0);
                for (long i = 0; i < n; i++) {
                    long id = list.get(JAVA_LONG, i * LibRbd.WATCHER_SIZE + LibRbd.WATCHER_ID);
                    if (id != instanceId) {
                        MemorySegment addr = list.get(ADDRESS, i * LibRbd.WATCHER_SIZE + LibRbd.WATCHER_ADDR);
                        others.add("client." + id + " at " + addr.reinterpret(256).getString(0));
                    }
                }
                LibRbd.watchersListCleanup(list, n);
                break;
            }
        }
        if (!others.isEmpty()) {
            throw new ImageInUseException(name, "is open elsewhere" + when + ": watched by " + String.join(", ", others)
                    + " (a running VM, qemu-img or another rbd client); stop it first (rbd status shows the"
                    + " watchers; a killed client's watch expires after osd_client_watch_timeout, 30 s by default)");
        }
    }

    void lock(RbdTarget target, Path name) throws BlockException {
        int rc = LibRbd.lockAcquire(image, LibRbd.RBD_LOCK_MODE_EXCLUSIVE);
        if (rc == -LibRbd.EROFS || rc == -LibRbd.EBUSY) {
            throw new ImageInUseException(name, "another client holds its exclusive lock (rbd_lock_acquire: "
                    + LibRbd.errnoText(rc) + "; rbd lock ls / rbd status " + target.spec() + " show it)");
        }
        check(rc, name, "rbd_lock_acquire", "taking its exclusive lock");
    }

    void check(int rc, Path name, String function, String doing) throws BlockException {
        if (rc < 0) {
            throw new BlockException(name, doing + " failed (" + function + ": " + LibRbd.errnoText(rc)
                    + (-rc == LibRbd.ETIMEDOUT ? ", after " + timeout.toSeconds() + " s" : "") + ")");
        }
    }

    void close(Path name) throws BlockException {
        int rc = 0;
        if (!image.equals(MemorySegment.NULL)) {
            rc = LibRbd.close(image);
            image = MemorySegment.NULL;
        }
        if (!ioctx.equals(MemorySegment.NULL)) {
            LibRbd.ioctxDestroy(ioctx);
            ioctx = MemorySegment.NULL;
        }
        if (!cluster.equals(MemorySegment.NULL)) {
            LibRbd.shutdown(cluster);
            cluster = MemorySegment.NULL;
        }
        check(rc, name, "rbd_close", "closing the image");
    }

    void closeQuietly(Exception primary) {
        try {
            close(null);
        } catch (BlockException | RuntimeException e) {
            primary.addSuppressed(e);
        }
    }
}
