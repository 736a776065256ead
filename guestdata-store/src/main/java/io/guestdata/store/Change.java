package io.guestdata.store;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * One committed change to an instance, as the change feed delivers it to every store on the same
 * database, whichever process made it. Changes arrive in commit order, each once per subscription.
 *
 * @param sequence  position in the database's change log; strictly increasing in commit order
 * @param instance  the instance that changed
 * @param kind      what happened
 * @param version   the instance's version after the change (for {@link Kind#DELETED}: the last one)
 * @param changedAt when the change was committed (the writer's clock)
 */
public record Change(long sequence, UUID instance, Kind kind, long version, Instant changedAt) {

    public enum Kind {
        /** Version 1 was stored. */
        CREATED,
        /** A new version was stored; re-render. */
        UPDATED,
        /** The instance was deleted; forget it. */
        DELETED,
        /** The guest-set password was set or cleared; the version did not change. */
        PASSWORD
    }

    public Change {
        Objects.requireNonNull(instance, "instance");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(changedAt, "changedAt");
    }
}
