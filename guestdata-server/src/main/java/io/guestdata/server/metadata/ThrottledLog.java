package io.guestdata.server.metadata;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * One log line per interval for an event guests can cause at any rate (a store outage answered to every request,
 * connections refused over a source's limit): the first occurrence is logged at once, later ones within the
 * interval are counted and reported with the next line. A guest cannot fill the log, an operator still sees that
 * it happens and how often.
 */
public final class ThrottledLog {
    private final System.Logger logger;
    private final System.Logger.Level level;
    private final long intervalNanos;
    private final AtomicLong nextAt = new AtomicLong(System.nanoTime());
    private final AtomicLong suppressed = new AtomicLong();

    public ThrottledLog(System.Logger logger, System.Logger.Level level, java.time.Duration interval) {
        this.logger = logger;
        this.level = level;
        this.intervalNanos = interval.toNanos();
    }

    /** Logs {@code message} (one line, no stack trace) unless a line was logged less than the interval ago. */
    public void log(Supplier<String> message) {
        if (!logger.isLoggable(level)) {
            return;
        }
        long now = System.nanoTime();
        long next = nextAt.get();
        if (now - next < 0 || !nextAt.compareAndSet(next, now + intervalNanos)) {
            suppressed.incrementAndGet();
            return;
        }
        long more = suppressed.getAndSet(0);
        logger.log(level, more == 0 ? message.get()
                : message.get() + " (" + more + " more since the last such line)");
    }
}
