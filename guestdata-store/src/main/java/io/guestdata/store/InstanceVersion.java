package io.guestdata.store;

import java.time.Instant;
import java.util.Objects;

/**
 * One stored version of an instance, without its document.
 *
 * @param version   1, 2, 3…
 * @param createdAt when it was stored
 */
public record InstanceVersion(long version, Instant createdAt) {
    public InstanceVersion {
        Objects.requireNonNull(createdAt, "createdAt");
    }
}
