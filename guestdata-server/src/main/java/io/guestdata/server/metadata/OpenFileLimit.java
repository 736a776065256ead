package io.guestdata.server.metadata;

import java.lang.management.ManagementFactory;
import java.util.Optional;

/**
 * The process's open-file limit against what its guest listeners' {@code max-connections} can take. A listener
 * whose {@code accept} fails for want of a file descriptor stops for good (Helidon's server listener terminates on
 * "Too many open files": found by the 10,000-guest boot storm, bench/storm, with {@code max-connections 20000}
 * under a limit of 20,000), so every guest would lose the service. {@code guestdata serve} and
 * {@code guestdata proxy} therefore check at start that the connections they allow fit, with {@link #RESERVE}
 * descriptors left for everything else: a value given by the operator that does not fit is refused, naming
 * both numbers; the default is lowered to what fits.
 *
 * <p>Descriptors per connection: 1 for {@code serve}; 2 for {@code proxy} (the guest's connection and, while a
 * request is forwarded, one to a node). Each guest listener (each {@code listen} address) has its own
 * {@code max-connections}.
 */
public final class OpenFileLimit {
    /** Descriptors kept for all but guest connections: jars, the store, logs, the other listeners, /proc reads. */
    public static final int RESERVE = 256;

    private OpenFileLimit() {
    }

    /**
     * This process's limit on open files (the soft {@code RLIMIT_NOFILE}, which the JVM raises to the hard one at
     * start), or {@link Long#MAX_VALUE} where the platform does not say.
     */
    public static long ofThisProcess() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            long max = unix.getMaxFileDescriptorCount();
            return max > 0 ? max : Long.MAX_VALUE;
        }
        return Long.MAX_VALUE;
    }

    /**
     * The most connections per listener that fit {@code limit} (at least 1).
     *
     * @param listeners     guest listeners, each with its own {@code max-connections}
     * @param perConnection descriptors one connection holds
     */
    public static int fitting(long limit, int listeners, int perConnection) {
        long fits = (limit - RESERVE) / ((long) listeners * perConnection);
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, fits));
    }

    /**
     * Why {@code maxConnections} per listener does not fit {@code limit}: a sentence naming what it needs, the limit
     * and the most that fits; empty when it fits (or is -1, no limit, which the caller has chosen knowingly).
     */
    public static Optional<String> excess(int maxConnections, long limit, int listeners, int perConnection) {
        long needed = (long) maxConnections * listeners * perConnection + RESERVE;
        if (maxConnections == -1 || needed <= limit) {
            return Optional.empty();
        }
        return Optional.of(maxConnections + " connections" + (listeners > 1 ? " on each of " + listeners + " listeners" : "")
                + " need " + needed + " open files (" + perConnection + " per connection and " + RESERVE
                + " for the rest), but this process may open " + limit + " (ulimit -n; LimitNOFILE= in a systemd unit):"
                + " a listener out of descriptors stops accepting for good; raise the limit or allow at most "
                + fitting(limit, listeners, perConnection));
    }
}
