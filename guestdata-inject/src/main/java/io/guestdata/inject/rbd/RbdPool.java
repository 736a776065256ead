package io.guestdata.inject.rbd;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.guestdata.inject.block.BlockException;
import io.guestdata.inject.block.ImageInUseException;

import static java.lang.foreign.ValueLayout.ADDRESS;

/**
 * One pool (and namespace) of a Ceph cluster, connected as the target's user with the timeouts of
 * {@link RbdImage.Settings}: what creates, renames and removes whole images (a config drive is
 * written into a new image that takes its name only when complete), and what asks the monitors
 * for their addresses (for libvirt's network {@code <disk>}). Images are read and written through
 * {@link RbdImage}.
 */
public final class RbdPool implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A monitor as {@code ceph mon dump} names it and Nova's {@code RBDDriver.get_mon_addrs} splits it. */
    public record Monitor(String host, String port) {
    }

    private final RbdTarget target;
    private final Path name;
    private final RbdHandles handles;

    private RbdPool(RbdTarget target, Path name, RbdHandles handles) {
        this.target = target;
        this.name = name;
        this.handles = handles;
    }

    /**
     * Connects to the target's cluster and opens its pool and namespace (the target's image is not
     * opened).
     *
     * @throws BlockException the cluster cannot be reached or refuses the user, or the pool does not exist
     */
    public static RbdPool connect(RbdTarget target, RbdImage.Settings settings) throws BlockException {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(settings, "settings");
        Path name = RbdImage.nameOf(target);
        RbdHandles h = new RbdHandles();
        try {
            h.connect(target, name, settings);
            h.openPool(target, name);
            // a full pool fails the write at once (EDQUOT, ENOSPC) instead of pausing it until the op timeout
            LibRbd.ioctxSetPoolFullTry(h.ioctx);
            return new RbdPool(target, name, h);
        } catch (BlockException | RuntimeException e) {
            h.closeQuietly(e);
            throw e;
        }
    }

    /** Whether an image of that name exists in the pool and namespace. */
    public boolean exists(String image) throws BlockException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(ADDRESS);
            int rc = LibRbd.open(handles.ioctx, arena.allocateFrom(image), slot, true);
            if (rc == -LibRbd.ENOENT) {
                return false;
            }
            if (rc == -LibRbd.EPERM || rc == -LibRbd.EACCES) {
                throw handles.capsRefused(target, name, "rbd_open_read_only", rc, "open images");
            }
            handles.check(rc, name, "rbd_open_read_only", "looking for image " + image);
            handles.check(LibRbd.close(slot.get(ADDRESS, 0)), name, "rbd_close", "closing image " + image);
            return true;
        }
    }

    /**
     * Creates an image of {@code size} bytes: format 2, the cluster's default features, sparse (nothing allocated).
     *
     * @throws RbdPoolFullException the pool's quota is reached or the cluster is full
     */
    public void create(String image, long size) throws BlockException {
        try (Arena arena = Arena.ofConfined()) {
            int rc = LibRbd.create4(handles.ioctx, arena.allocateFrom(image), size);
            if (rc == -LibRbd.EPERM || rc == -LibRbd.EACCES) {
                throw handles.capsRefused(target, name, "rbd_create4", rc, "create images");
            }
            if (rc == -LibRbd.EEXIST) {
                throw new BlockException(name, "image " + image + " exists already (rbd_create4: "
                        + LibRbd.errnoText(rc) + ")");
            }
            if (rc == -LibRbd.EDQUOT || rc == -LibRbd.ENOSPC) {
                throw new RbdPoolFullException(name, "pool " + target.pool() + " has no room for an image of " + size
                        + " bytes (rbd_create4: " + LibRbd.errnoText(rc) + "): "
                        + (rc == -LibRbd.EDQUOT ? "its quota is reached (ceph osd pool get-quota " + target.pool() + ")"
                        : "the cluster is full"));
            }
            handles.check(rc, name, "rbd_create4", "creating image " + image + " of " + size + " bytes");
        }
    }

    /**
     * Removes an image; false if there was none.
     *
     * @throws ImageInUseException a client (a VM) has it open
     */
    public boolean remove(String image) throws BlockException {
        try (Arena arena = Arena.ofConfined()) {
            int rc = LibRbd.remove(handles.ioctx, arena.allocateFrom(image));
            if (rc == -LibRbd.ENOENT) {
                return false;
            }
            if (rc == -LibRbd.EBUSY) {
                throw new ImageInUseException(RbdImage.nameOf(target.withImage(image)), "is open elsewhere (rbd_remove: "
                        + LibRbd.errnoText(rc) + "): a running VM or another client has it; rbd status shows it");
            }
            handles.check(rc, name, "rbd_remove", "removing image " + image);
            return true;
        }
    }

    /** Renames an image; false, and nothing changed, if an image named {@code to} exists. */
    public boolean rename(String from, String to) throws BlockException {
        try (Arena arena = Arena.ofConfined()) {
            int rc = LibRbd.rename(handles.ioctx, arena.allocateFrom(from), arena.allocateFrom(to));
            if (rc == -LibRbd.EEXIST) {
                return false;
            }
            handles.check(rc, name, "rbd_rename", "renaming image " + from + " to " + to);
            return true;
        }
    }

    /**
     * The monitors in {@code mon dump} order, each split as Nova's {@code RBDDriver.get_mon_addrs}
     * splits its {@code addr} ({@code HOST:PORT/NONCE}; brackets of an IPv6 host removed).
     */
    public List<Monitor> monitors() throws BlockException {
        Object out = LibRbd.monCommand(handles.cluster, "{\"prefix\": \"mon dump\", \"format\": \"json\"}");
        if (out instanceof Integer rc) {
            handles.check(rc, name, "rados_mon_command", "asking the monitors for the monitor map (mon dump)");
        }
        try {
            List<Monitor> monitors = new ArrayList<>();
            for (JsonNode mon : JSON.readTree((String) out).path("mons")) {
                String addr = mon.path("addr").asText();
                int slash = addr.lastIndexOf('/');
                String hostPort = slash < 0 ? addr : addr.substring(0, slash);
                int colon = hostPort.lastIndexOf(':');
                if (colon < 0) {
                    throw new BlockException(name, "the monitor map names a monitor without a port: " + addr);
                }
                String host = hostPort.substring(0, colon);
                if (host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1);
                }
                monitors.add(new Monitor(host, hostPort.substring(colon + 1)));
            }
            if (monitors.isEmpty()) {
                throw new BlockException(name, "the monitor map names no monitor");
            }
            return List.copyOf(monitors);
        } catch (JsonProcessingException e) {
            throw new BlockException(name, "the monitor map (mon dump) is not JSON: " + e.getOriginalMessage());
        }
    }

    /** The pool, namespace and connection this was opened with. */
    public RbdTarget target() {
        return target;
    }

    @Override
    public void close() throws BlockException {
        handles.close(name);
    }
}
