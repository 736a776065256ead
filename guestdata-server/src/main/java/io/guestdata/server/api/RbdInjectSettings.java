package io.guestdata.server.api;

import io.guestdata.inject.rbd.RbdImage;
import io.guestdata.inject.rbd.RbdPoolSpec;
import io.guestdata.inject.rbd.RbdTarget;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How {@code POST /instances/{uuid}/inject} reaches RBD images (docs/ceph.md, "The management API"): only images in
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

    /** Whether {@code target}'s pool (and namespace) is allowed. */
    boolean allows(RbdTarget target) {
        return allowedPools.stream().anyMatch(p -> p.holds(target));
    }

    /** {@code target} as the service's client: its user, conf and keyring, nothing else. */
    RbdTarget asClient(RbdTarget target) {
        return target.withClient(user, conf, keyring);
    }
}
