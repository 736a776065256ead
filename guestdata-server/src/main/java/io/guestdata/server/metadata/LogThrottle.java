package io.guestdata.server.metadata;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One log line per interval for an event guests can cause at any rate (a store outage answered to every request,
 * connections refused over a source's limit): the first occurrence is logged at once, later ones within the
 * interval are counted and reported with the next line. A guest cannot fill the log, an operator still sees that
 * it happens and how often. The caller logs (so the line names the caller as its source):
 *
 * <pre>{@code
 * long more = throttle.admit();
 * if (more >= 0) LOG.log(WARNING, "store unavailable" + LogThrottle.more(more));
 * }</pre>
 */
public final class LogThrottle {
    private final long intervalNanos;
    private final AtomicLong nextAt = new AtomicLong(System.nanoTime());
    private final AtomicLong suppressed = new AtomicLong();

    public LogThrottle(Duration interval) {
        this.intervalNanos = interval.toNanos();
    }

    /**
     * Whether a line may be logged now: -1 when one was logged less than the interval ago (this occurrence is
     * counted), else how many occurrences were not logged since the last line.
     */
    public long admit() {
        long now = System.nanoTime();
        long next = nextAt.get();
        if (now - next < 0 || !nextAt.compareAndSet(next, now + intervalNanos)) {
            suppressed.incrementAndGet();
            return -1;
        }
        return suppressed.getAndSet(0);
    }

    /** The end of a line after {@code suppressed} occurrences were not logged: empty for none. */
    public static String more(long suppressed) {
        return suppressed <= 0 ? "" : " (" + suppressed + " more since the last such line)";
    }
}
