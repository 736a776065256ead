package io.guestdata.inject.net;

import java.nio.file.Path;
import java.util.Optional;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.guestdata.inject.DiskTargetKind;
import io.guestdata.inject.DiskTargetSyntaxException;

/**
 * A disk QEMU reaches over the network with one of its own block drivers (nbd, iscsi), named by a URI in QEMU's
 * syntax and exported by qemu-storage-daemon as a raw FUSE file ({@link io.guestdata.inject.block.DiskImage#openNetwork}).
 * No lock is taken on it: the server's own exclusivity applies (docs/ceph.md, "Other network disks").
 */
public sealed interface NetworkDisk permits NbdTarget, IscsiTarget {

    /**
     * The canonical URI, without user or secret: how the undo journal finds this disk again
     * ({@link io.guestdata.inject.block.UndoJournal#ofNetwork}). The same disk reached by another URI (another host
     * name for the server, another port) is another key.
     */
    String uri();

    /** The QEMU block driver that opens it ({@code nbd}, {@code iscsi}). */
    String driver();

    /**
     * This disk as QEMU's {@code --blockdev} JSON.
     *
     * @param passwordSecret the id of the {@code secret} object holding the password, when one is given
     * @throws DiskTargetSyntaxException the disk needs a password and none is given, or takes none and one is
     */
    ObjectNode toBlockdevJson(Optional<String> passwordSecret);

    /**
     * How messages and the report name it: the URI with {@code ://} written {@code :}
     * ({@code nbd:HOST:PORT/EXPORT}, {@code iscsi:HOST:PORT/IQN/LUN}), as {@code rbd:POOL/IMAGE} names an RBD image
     * (a {@link Path} joins no {@code //}).
     */
    default Path name() {
        return Path.of(uri().replaceFirst("://", ":"));
    }

    /**
     * Parses an {@code nbd://}, {@code nbd+tcp://}, {@code nbd+unix://}, {@code iscsi://} or {@code iser://} target.
     *
     * @throws DiskTargetSyntaxException it is malformed or of another kind ({@link DiskTargetKind})
     */
    static NetworkDisk parse(String target) {
        return switch (DiskTargetKind.of(target)) {
            case NBD -> NbdTarget.parse(target);
            case ISCSI -> IscsiTarget.parse(target);
            case IMAGE_FILE, RBD -> throw new DiskTargetSyntaxException("image: '" + target + "' is not an nbd:// or"
                    + " iscsi:// URI");
        };
    }
}
