package io.guestdata.inject.rbd;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One RBD image as {@code inject --image} and {@code configdrive --output} name it, in QEMU's
 * {@code rbd:} syntax: {@code rbd:POOL/IMAGE} or {@code rbd:POOL/NAMESPACE/IMAGE}, then options
 * {@code :id=USER}, {@code :conf=PATH}, {@code :keyring=PATH}, {@code :mon_host=HOSTS} (and other
 * Ceph settings), with QEMU's backslash escapes. No secret is ever part of it: keys come from the
 * keyring file or the environment.
 *
 * @param pool      the pool
 * @param namespace the RADOS namespace, empty for the default one
 * @param image     the image name
 * @param user      the Ceph user without {@code client.} ({@code id=}), empty for librados' default
 * @param conf      the ceph.conf to read ({@code conf=}), empty for librados' default search
 * @param keyring   the keyring file ({@code keyring=}), empty for what the conf names
 * @param monHost   the monitors ({@code mon_host=}), empty for what the conf names
 * @param settings  any other Ceph settings given, in order, applied with {@code rados_conf_set}
 */
public record RbdTarget(String pool, String namespace, String image, Optional<String> user, Optional<Path> conf,
        Optional<Path> keyring, Optional<String> monHost, Map<String, String> settings) {

    public RbdTarget {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(conf, "conf");
        Objects.requireNonNull(keyring, "keyring");
        Objects.requireNonNull(monHost, "monHost");
        settings = Map.copyOf(Objects.requireNonNull(settings, "settings"));
    }

    /** Whether {@code target} (an {@code --image} or {@code --output} value) names an RBD image. */
    public static boolean isRbd(String target) {
        return target.startsWith("rbd:");
    }

    /** {@code POOL/IMAGE} or {@code POOL/NAMESPACE/IMAGE}: how messages name the image. */
    public String spec() {
        return namespace.isEmpty() ? pool + "/" + image : pool + "/" + namespace + "/" + image;
    }

    /** The same target naming another image of the same pool and namespace (temporary and undo images). */
    public RbdTarget withImage(String other) {
        return new RbdTarget(pool, namespace, other, user, conf, keyring, monHost, settings);
    }
}
