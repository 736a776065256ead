package io.guestdata.server.metadata;

import java.time.Duration;
import java.util.Objects;

/**
 * How many connections a guest-facing listener (the metadata service's, {@code guestdata proxy}'s) keeps, and how
 * long a connection may hold its place without sending a request: what {@link ConnectionGuard} enforces.
 *
 * <p>One guest must not be able to use up what every guest shares: the listener's connections (a client over
 * {@code maxConnections} waits for one to end) are split so that one source address holds at most
 * {@code maxPerSource} of them, and a connection that sends nothing, or sends its request slowly, is closed
 * after seconds, not after the keep-alive idle time.
 *
 * @param maxConnections      concurrent TCP connections of the listener (further clients wait in the backlog until
 *                            one ends); -1 for no limit
 * @param maxPerSource        concurrent TCP connections from one source address; a connection over it is closed
 *                            at once, unread. Below {@code maxConnections}, so one source never fills the listener
 * @param firstRequestTimeout a new connection whose first request head (request line and headers) is not complete
 *                            this long after it was accepted is closed
 * @param idleTimeout         a kept-alive connection idle this long after its last answer (or still sending its
 *                            next request line) is closed: Helidon's idle timeout, checked every half of it against
 *                            request times of one-second resolution, so a connection goes up to a second sooner or
 *                            half the timeout later
 * @param headerTimeout       a later request whose headers are not complete this long after its request line has its
 *                            connection closed
 */
public record ConnectionLimits(int maxConnections, int maxPerSource, Duration firstRequestTimeout,
                               Duration idleTimeout, Duration headerTimeout) {
    /** The default {@code maxConnections}. */
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    /**
     * The default {@code maxPerSource}: a guest's boot (cloud-init, then agents) needs a handful of connections at
     * once; 64 leaves room for a busy guest while 157 sources are needed to fill the default listener.
     */
    public static final int DEFAULT_MAX_PER_SOURCE = 64;
    public static final Duration DEFAULT_FIRST_REQUEST_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(15);
    public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(10);

    public ConnectionLimits {
        if (maxConnections < 1 && maxConnections != -1) {
            throw new IllegalArgumentException("maxConnections must be at least 1 (or -1 for no limit), not "
                    + maxConnections);
        }
        if (maxPerSource < 1) {
            throw new IllegalArgumentException("maxPerSource must be at least 1, not " + maxPerSource);
        }
        positive(firstRequestTimeout, "firstRequestTimeout");
        positive(idleTimeout, "idleTimeout");
        positive(headerTimeout, "headerTimeout");
    }

    /** 10,000 connections, 64 per source, 5 s to the first request, 15 s idle, 10 s for a later request's headers. */
    public static ConnectionLimits defaults() {
        return new ConnectionLimits(DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_PER_SOURCE, DEFAULT_FIRST_REQUEST_TIMEOUT,
                DEFAULT_IDLE_TIMEOUT, DEFAULT_HEADER_TIMEOUT);
    }

    public ConnectionLimits withMaxConnections(int n) {
        return new ConnectionLimits(n, maxPerSource, firstRequestTimeout, idleTimeout, headerTimeout);
    }

    public ConnectionLimits withMaxPerSource(int n) {
        return new ConnectionLimits(maxConnections, n, firstRequestTimeout, idleTimeout, headerTimeout);
    }

    public ConnectionLimits withFirstRequestTimeout(Duration d) {
        return new ConnectionLimits(maxConnections, maxPerSource, d, idleTimeout, headerTimeout);
    }

    public ConnectionLimits withIdleTimeout(Duration d) {
        return new ConnectionLimits(maxConnections, maxPerSource, firstRequestTimeout, d, headerTimeout);
    }

    public ConnectionLimits withHeaderTimeout(Duration d) {
        return new ConnectionLimits(maxConnections, maxPerSource, firstRequestTimeout, idleTimeout, d);
    }

    private static void positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be more than 0, not " + d);
        }
    }
}
