package io.guestdata.server.metadata;

import io.guestdata.store.StoreException;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import java.time.Duration;

/**
 * How a request that failed because the store did is answered, on the guest listener and the management API
 * alike. A {@linkplain StoreException.DatabaseError#isTransient() transient} failure (the database unreachable or
 * restarting, SQLite busy or locked, a full disk or an I/O error, a timeout: trying again later may work) is
 * answered {@code 503} with {@code Retry-After: }{@value #RETRY_AFTER_SECONDS}, so clients retry and load
 * balancers see an outage rather than a bug; any other failure (a broken schema, a bug) stays {@code 500}.
 *
 * <p>During an outage every request fails the same way: the transient failures are logged one line a minute
 * (with how many more there were), never one line or stack trace per request; a permanent failure is logged with
 * its stack trace, as a bug is, also at most once a minute (a broken database fails every request a guest sends).
 */
public final class StoreOutage {
    /** How long clients are asked to wait before trying again: about what a database restart takes. */
    public static final int RETRY_AFTER_SECONDS = 5;
    /** {@code Retry-After: 5} (RFC 9110 §10.2.3, delay in seconds). */
    public static final Header RETRY_AFTER = HeaderValues.createCached(HeaderNames.RETRY_AFTER, RETRY_AFTER_SECONDS);

    private final System.Logger logger;
    private final String what;
    private final LogThrottle transientFailures = new LogThrottle(Duration.ofMinutes(1));
    private final LogThrottle permanentFailures = new LogThrottle(Duration.ofMinutes(1));

    /**
     * @param logger the logger of the component answering
     * @param what   what failed, for the log line ({@code metadata request}, {@code management API request})
     */
    public StoreOutage(System.Logger logger, String what) {
        this.logger = logger;
        this.what = what;
    }

    /** Logs the failure as described above; returns whether it is transient (503) rather than permanent (500). */
    public boolean failed(StoreException.DatabaseError e) {
        if (e.isTransient()) {
            long more = transientFailures.admit();
            if (more >= 0) {
                logger.log(System.Logger.Level.WARNING, what + " answered 503: the store is unavailable: "
                        + e.getMessage() + LogThrottle.more(more));
            }
            return true;
        }
        long more = permanentFailures.admit();
        if (more >= 0) {
            logger.log(System.Logger.Level.ERROR, what + " failed: the store failed" + LogThrottle.more(more), e);
        }
        return false;
    }
}
