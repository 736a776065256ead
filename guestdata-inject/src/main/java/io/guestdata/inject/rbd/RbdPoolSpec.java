package io.guestdata.inject.rbd;

import java.util.Objects;

/**
 * A pool, or one RADOS namespace of it: what Ceph's {@code rbd} tool calls a pool spec, {@code POOL} or
 * {@code POOL/NAMESPACE}. The service's {@code inject-allowed-pools} is a list of them: a pool spec without a
 * namespace holds every image of the pool, namespaces included; one with a namespace holds that namespace's images.
 *
 * @param pool      the pool
 * @param namespace the namespace, empty for the whole pool
 */
public record RbdPoolSpec(String pool, String namespace) {

    public RbdPoolSpec {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(namespace, "namespace");
    }

    /**
     * Reads {@code POOL} or {@code POOL/NAMESPACE}: names {@code rbd} can give (non-empty, without {@code /},
     * {@code @}), without QEMU's {@code :} options or backslash escapes (a setting, not a target).
     *
     * @throws RbdSyntaxException naming what is wrong
     */
    public static RbdPoolSpec parse(String spec) {
        String[] parts = spec.split("/", -1);
        if (parts.length > 2) {
            throw new RbdSyntaxException("'" + spec + "': expected POOL or POOL/NAMESPACE");
        }
        for (String part : parts) {
            if (part.isEmpty() || !part.equals(part.strip()) || part.matches(".*[@:\\\\\\x00-\\x1f].*")) {
                throw new RbdSyntaxException("'" + spec + "': expected POOL or POOL/NAMESPACE, each a non-empty "
                        + "name without '@', ':', '\\', spaces at either end or control characters");
            }
        }
        return new RbdPoolSpec(parts[0], parts.length == 2 ? parts[1] : "");
    }

    /** Whether {@code target}'s image lies in this pool (and namespace, when one is given). */
    public boolean holds(RbdTarget target) {
        return pool.equals(target.pool()) && (namespace.isEmpty() || namespace.equals(target.namespace()));
    }

    @Override
    public String toString() {
        return namespace.isEmpty() ? pool : pool + "/" + namespace;
    }
}
