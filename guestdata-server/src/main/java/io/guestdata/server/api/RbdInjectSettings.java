package io.guestdata.server.api;

import io.guestdata.inject.rbd.RbdImage;
import io.guestdata.inject.rbd.RbdPoolSpec;
import io.guestdata.inject.rbd.RbdSyntaxException;
import io.guestdata.inject.rbd.RbdTarget;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How the management API reaches RBD images (docs/ceph.md, "The management API"), for
 * {@code POST /instances/{uuid}/inject} and {@code POST /instances/{uuid}/config-drive} alike: only images in
 * {@code allowedPools}, and always as the service's own Ceph client. A request names {@code rbd:POOL/IMAGE} and
 * nothing else: connection options come from here, never from a request.
 *
 * @param allowedPools {@code inject-allowed-pools}; empty: RBD targets are refused
 * @param conf         {@code ceph-conf}, the ceph.conf the service connects with (absolute)
 * @param user         {@code ceph-user} without {@code client.}; empty for librados' default
 * @param keyring      {@code ceph-keyring} (absolute); empty for what the conf names
 * @param settings     {@code ceph-timeout}
 */
public record RbdInjectSettings(List<RbdPoolSpec> allowedPools, Path conf, Optional<String> user,
                                Optional<Path> keyring, RbdImage.Settings settings) {

    public RbdInjectSettings {
        allowedPools = List.copyOf(allowedPools);
        Objects.requireNonNull(conf, "conf");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(keyring, "keyring");
        Objects.requireNonNull(settings, "settings");
        if (!conf.isAbsolute()) {
            throw new IllegalArgumentException("ceph-conf: " + conf + " is not an absolute path");
        }
        keyring.filter(k -> !k.isAbsolute()).ifPresent(k -> {
            throw new IllegalArgumentException("ceph-keyring: " + k + " is not an absolute path");
        });
    }

    /**
     * The RBD image {@code text} (a request's {@code field}, e.g. {@code image}) names, as the service's client, if
     * its pool is allowed: {@code rbd:POOL/IMAGE} or {@code rbd:POOL/NAMESPACE/IMAGE} without options (400), in
     * {@code inject-allowed-pools} (403 otherwise, as a path outside {@code inject-allowed-dirs}).
     */
    static RbdTarget allowedTarget(Optional<RbdInjectSettings> rbd, String field, String text) {
        RbdTarget target;
        try {
            target = RbdTarget.parse(text);
        } catch (RbdSyntaxException e) {
            throw new ApiError(400, "invalid_field", field + ": " + e.getMessage(), "/" + field, null, null);
        }
        if (target.hasOptions()) {
            throw new ApiError(400, "invalid_field", field + ": give rbd:POOL/IMAGE or rbd:POOL/NAMESPACE/IMAGE "
                    + "without options (id, conf, keyring, mon_host, ...): the service connects with its own Ceph "
                    + "settings", "/" + field, null, null);
        }
        if (rbd.isEmpty() || !rbd.get().allows(target)) {
            throw new ApiError(403, "image_not_allowed", field + " rbd:" + target.spec() + " is not in an allowed pool "
                    + "(inject-allowed-pools)", "/" + field, null, null);
        }
        return rbd.get().asClient(target);
    }

    /** Whether {@code target}'s pool (and namespace) is allowed. */
    boolean allows(RbdTarget target) {
        return allowedPools.stream().anyMatch(p -> p.holds(target));
    }

    /** {@code target} as the service's client: its user, conf and keyring, nothing else. */
    RbdTarget asClient(RbdTarget target) {
        return target.withClient(user, conf, keyring);
    }
}
