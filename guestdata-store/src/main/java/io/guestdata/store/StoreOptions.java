package io.guestdata.store;

import io.guestdata.core.document.Limits;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * How a store behaves, beyond where its database is.
 *
 * @param documentLimits     limits applied when parsing instance documents ({@link Limits#nova()})
 * @param keyPairQuota       key pairs per owner ({@value KeyPairs#NOVA_QUOTA}, Nova's default); -1 unlimited
 * @param poolSize           database connections for reads (SQLite; writes use one more, as SQLite has one
 *                           writer at a time) or for reads and writes (PostgreSQL)
 * @param feedPollInterval   how often the change feed looks for changes made by other processes when the
 *                           database cannot notify it (SQLite); PostgreSQL notifies at once and this is only
 *                           the safety net for a lost notification
 * @param changeRetention    how long the change log keeps a change (subscribers resuming from an older
 *                           sequence miss what was pruned)
 * @param busyTimeout        how long a write waits for a lock held by another process (SQLite) before it
 *                           fails as a transient {@link StoreException.DatabaseError}
 * @param clock              the source of every timestamp the store writes
 */
public record StoreOptions(Limits documentLimits, int keyPairQuota, int poolSize, Duration feedPollInterval,
                           Duration changeRetention, Duration busyTimeout, Clock clock) {

    public StoreOptions {
        Objects.requireNonNull(documentLimits, "documentLimits");
        Objects.requireNonNull(feedPollInterval, "feedPollInterval");
        Objects.requireNonNull(changeRetention, "changeRetention");
        Objects.requireNonNull(busyTimeout, "busyTimeout");
        Objects.requireNonNull(clock, "clock");
        if (keyPairQuota < -1) {
            throw new IllegalArgumentException("keyPairQuota must be -1 (unlimited) or >= 0, was " + keyPairQuota);
        }
        if (poolSize < 1) {
            throw new IllegalArgumentException("poolSize must be >= 1, was " + poolSize);
        }
        if (feedPollInterval.isNegative() || feedPollInterval.isZero()) {
            throw new IllegalArgumentException("feedPollInterval must be positive, was " + feedPollInterval);
        }
        if (changeRetention.isNegative() || changeRetention.isZero()) {
            throw new IllegalArgumentException("changeRetention must be positive, was " + changeRetention);
        }
        if (busyTimeout.isNegative() || busyTimeout.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("busyTimeout must be 0..2^31-1 ms, was " + busyTimeout);
        }
    }

    /**
     * Nova's limits and quota, 4 connections, a 200 ms feed poll, a 7-day change log and a 10 s busy
     * timeout, on the system clock.
     */
    public static StoreOptions defaults() {
        return new StoreOptions(Limits.nova(), KeyPairs.NOVA_QUOTA, 4, Duration.ofMillis(200), Duration.ofDays(7),
                Duration.ofSeconds(10), Clock.systemUTC());
    }

    public StoreOptions withDocumentLimits(Limits limits) {
        return new StoreOptions(limits, keyPairQuota, poolSize, feedPollInterval, changeRetention, busyTimeout, clock);
    }

    public StoreOptions withKeyPairQuota(int quota) {
        return new StoreOptions(documentLimits, quota, poolSize, feedPollInterval, changeRetention, busyTimeout, clock);
    }

    public StoreOptions withPoolSize(int size) {
        return new StoreOptions(documentLimits, keyPairQuota, size, feedPollInterval, changeRetention, busyTimeout, clock);
    }

    public StoreOptions withFeedPollInterval(Duration interval) {
        return new StoreOptions(documentLimits, keyPairQuota, poolSize, interval, changeRetention, busyTimeout, clock);
    }

    public StoreOptions withChangeRetention(Duration retention) {
        return new StoreOptions(documentLimits, keyPairQuota, poolSize, feedPollInterval, retention, busyTimeout, clock);
    }

    public StoreOptions withBusyTimeout(Duration timeout) {
        return new StoreOptions(documentLimits, keyPairQuota, poolSize, feedPollInterval, changeRetention, timeout, clock);
    }

    public StoreOptions withClock(Clock newClock) {
        return new StoreOptions(documentLimits, keyPairQuota, poolSize, feedPollInterval, changeRetention, busyTimeout,
                newClock);
    }
}
