package io.guestdata.server.metadata;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * The {@link RequestRate} of a guest-facing listener, one token bucket per requester: an instance once the service
 * has identified it, a guest as {@code guestdata proxy} maps it, otherwise the client address. One guest sending
 * requests as fast as it can gets {@code 429} after its burst and then its rate, while every other guest keeps its
 * own (conventions: "limits per source, never only per listener").
 *
 * <p>A bucket is one {@code long}: the time at which it will be full again (the theoretical arrival time of the
 * generic cell rate algorithm of ITU-T I.371, which is a token bucket with lazy refill). A request adds one
 * interval ({@code 1/perSecond}) to it and is admitted when that leaves it at most {@code burst} intervals ahead of
 * now; the refill is implicit in the clock. So a request costs a map lookup and a compare-and-set on the bucket: no
 * lock shared between requesters, no allocation once the requester has a bucket.
 *
 * <p>The table is bounded. A bucket that has refilled is the same as no bucket and is dropped by a sweep every
 * ten seconds, and whenever the table is full. For buckets that are not full to pile up, requests must arrive
 * faster than the buckets refill: all of them together refill {@code perSecond} requests a second each, so at a
 * total of R requests a second about {@code R/perSecond} buckets owe anything (2,450 at 49,000 requests a second
 * and the default 20/s), far below {@code maxTracked}: a full table has refilled buckets to drop. If it has not
 * (a very low rate), the buckets owing least are dropped (their debt forgiven) until it is seven-eighths full, so
 * a new requester always gets a bucket and a noisy one, owing most, keeps its own. A thread that finds the table
 * full while another is sweeping lets its request through unlimited rather than wait.
 *
 * <p>Throttled requests and requesters are counted ({@link #render}); a requester going over its rate is logged,
 * one line a minute at most ({@link LogThrottle}).
 */
public final class TokenBuckets {
    private static final System.Logger LOG = System.getLogger(TokenBuckets.class.getName());
    private static final long SWEEP_SECONDS = 10;

    private final RequestRate rate;
    private final String listener;
    private final long interval;
    private final long span;
    private final int lowWater;
    private final ConcurrentHashMap<Object, Bucket> buckets = new ConcurrentHashMap<>();
    private final AtomicBoolean sweeping = new AtomicBoolean();
    private final LongAdder throttledRequests = new LongAdder();
    private final LongAdder throttledRequesters = new LongAdder();
    private final LogThrottle throttledLog = new LogThrottle(Duration.ofMinutes(1));

    /** One requester's bucket. */
    private static final class Bucket {
        private static final VarHandle FULL_AT;

        static {
            try {
                FULL_AT = MethodHandles.lookup().findVarHandle(Bucket.class, "fullAt", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        /** System.nanoTime() at which the bucket is full again; at or before now: full. */
        private volatile long fullAt;
        /** Refused since it was last full: the requester is counted and logged once per such episode. */
        private volatile boolean throttled;

        Bucket(long now) {
            this.fullAt = now;
        }

        boolean advance(long expected, long next) {
            return FULL_AT.compareAndSet(this, expected, next);
        }
    }

    /**
     * @param listener what the listener is, for log lines ({@code metadata listener}, {@code proxy listener})
     * @param timer    runs the sweep of refilled buckets every ten seconds
     */
    public TokenBuckets(RequestRate rate, String listener, ScheduledExecutorService timer) {
        this.rate = rate;
        this.listener = listener;
        this.interval = Math.max(1, Math.round(1e9 / rate.perSecond()));
        this.span = interval * rate.burst();
        this.lowWater = rate.maxTracked() - rate.maxTracked() / 8 - 1;
        if (rate.enabled()) {
            timer.scheduleAtFixedRate(() -> shrink(System.nanoTime(), Integer.MAX_VALUE), SWEEP_SECONDS,
                    SWEEP_SECONDS, TimeUnit.SECONDS);
        }
    }

    public RequestRate rate() {
        return rate;
    }

    /**
     * Takes a token for one request of {@code requester} at {@code now} ({@link System#nanoTime()}).
     *
     * @param requester what is limited: an instance's UUID, a guest's instance id, or a client address (any value
     *                  with {@code equals}/{@code hashCode}; an {@link InetAddress} is named as an address in logs)
     * @return 0 when the request may go on; otherwise the seconds the requester should wait ({@code Retry-After},
     *         at least 1), the request having been counted as throttled
     */
    public int take(Object requester, long now) {
        if (!rate.enabled()) {
            return 0;
        }
        Bucket bucket = buckets.get(requester);
        if (bucket == null) {
            if (buckets.size() >= rate.maxTracked() && !makeRoom(now)) {
                return 0; // another thread is making room: this one request is not limited
            }
            Bucket fresh = new Bucket(now);
            bucket = buckets.putIfAbsent(requester, fresh);
            if (bucket == null) {
                bucket = fresh;
            }
        }
        while (true) {
            long fullAt = bucket.fullAt;
            boolean wasFull = fullAt - now <= 0;
            long next = (wasFull ? now : fullAt) + interval;
            if (next - now > span) {
                return throttled(requester, bucket, next - span - now);
            }
            if (bucket.advance(fullAt, next)) {
                if (wasFull && bucket.throttled) {
                    bucket.throttled = false;
                }
                return 0;
            }
        }
    }

    private int throttled(Object requester, Bucket bucket, long waitNanos) {
        throttledRequests.increment();
        if (!bucket.throttled) {
            bucket.throttled = true;
            throttledRequesters.increment();
            long more = throttledLog.admit();
            if (more >= 0) {
                LOG.log(System.Logger.Level.WARNING, listener + ": " + describe(requester)
                        + " is over its request rate (" + rate.describe() + "): answered 429 until it slows down"
                        + LogThrottle.more(more));
            }
        }
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (waitNanos + 999_999_999L) / 1_000_000_000L));
    }

    private static String describe(Object requester) {
        return requester instanceof InetAddress address ? "address " + IpAddressText.format(address)
                : "instance " + requester;
    }

    /** Sweeps the full table, unless another thread is already; returns whether there is room now. */
    private boolean makeRoom(long now) {
        if (!sweeping.compareAndSet(false, true)) {
            return false;
        }
        try {
            shrink(now, lowWater);
        } finally {
            sweeping.set(false);
        }
        return buckets.size() < rate.maxTracked();
    }

    /**
     * Drops every refilled bucket; then, while more than {@code target} remain, the buckets owing at most one
     * interval, two, four… up to a whole burst (which drops them all).
     */
    private void shrink(long now, int target) {
        long forgiven = 0;
        while (true) {
            long owing = forgiven;
            buckets.values().removeIf(b -> b.fullAt - now <= owing);
            if (buckets.size() <= target || forgiven >= span) {
                return;
            }
            forgiven = forgiven == 0 ? interval : Math.min(span, forgiven * 2);
        }
    }

    /** Requesters whose bucket is kept now (it has not refilled). */
    public int tracked() {
        return buckets.size();
    }

    /** Requests answered 429 so far. */
    public long throttledRequests() {
        return throttledRequests.sum();
    }

    /** Times a requester went over its rate (counted once until its bucket refills). */
    public long throttledRequesters() {
        return throttledRequesters.sum();
    }

    /**
     * These counters in the Prometheus text format: {@code <prefix>_rate_limited_requests_total},
     * {@code <prefix>_rate_limited_requesters_total} and the gauge {@code <prefix>_rate_limit_tracked}.
     */
    public String render(String prefix) {
        StringBuilder out = new StringBuilder(768);
        String limit = " (" + rate.describe() + " per requester)";
        metric(out, prefix + "_rate_limited_requests_total", "counter",
                "Requests answered 429: their requester was over its request rate" + limit + ".", throttledRequests());
        metric(out, prefix + "_rate_limited_requesters_total", "counter",
                "Times a requester (instance, guest or client address) went over its request rate; once until its"
                        + " bucket refills.", throttledRequesters());
        metric(out, prefix + "_rate_limit_tracked", "gauge",
                "Requesters whose token bucket is kept (not refilled yet); at most " + rate.maxTracked() + ".",
                tracked());
        return out.toString();
    }

    private static void metric(StringBuilder out, String name, String type, String help, long value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n')
                .append("# TYPE ").append(name).append(' ').append(type).append('\n')
                .append(name).append(' ').append(value).append('\n');
    }
}
