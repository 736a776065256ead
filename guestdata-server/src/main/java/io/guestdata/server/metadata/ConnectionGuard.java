package io.guestdata.server.metadata;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.concurrency.limits.Limit;
import io.helidon.common.task.InterruptableTask;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.ListenerConfig;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.http1.Http1ConnectionListener;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The {@link ConnectionLimits} of a guest-facing Helidon listener: at most {@code maxPerSource} connections per
 * source address, and deadlines for a connection's request heads. One guest opening connections, or holding them
 * without sending a request, cannot take the listener's connections from the others (the "one guest cannot
 * starve the others" rule of the security standard; conventions: "limits per source, never only per listener").
 *
 * <p>Built into Helidon where Helidon gives a place for it:
 * <ul>
 *   <li>The listener's only {@linkplain ServerConnectionSelector connection selector} is this guard's, over
 *       Helidon's HTTP/1.1 connection (and, for HTTP/1.0 clients, {@link Http10Clients}) ({@link #configure}).
 *       With a single candidate Helidon asks it for the connection as soon as the socket is accepted, before
 *       reading a byte; the guard counts the connection against its source there, and a connection over the
 *       source's limit gets a connection that ends at once: Helidon closes the socket unread. The count is
 *       released when Helidon's connection ends, however it ends.</li>
 *   <li>Deadlines: from accepting a connection to the end of its first request's headers
 *       ({@code firstRequestTimeout}), and from a later request line to the end of its headers
 *       ({@code headerTimeout}). The guard is the HTTP/1 receive listener that learns when a request line and
 *       headers have been read; a connection past its deadline has its thread interrupted: Helidon serves each
 *       connection on its own virtual thread, and interrupting a virtual thread blocked reading a socket closes
 *       the socket. Between requests Helidon's own idle timeout applies ({@code idleTimeout}).</li>
 *   <li>The listener's overall limit is Helidon's {@code maxTcpConnections}.</li>
 * </ul>
 * Refusals and timeouts are counted ({@link #refused()}, {@link #timedOut(Phase)}); refusals are also logged, one
 * line per minute at most ({@link LogThrottle}).
 */
public final class ConnectionGuard implements Http1ConnectionListener {
    private static final System.Logger LOG = System.getLogger(ConnectionGuard.class.getName());

    /** What a connection was waiting for when its deadline passed. */
    public enum Phase {
        /** Its first request head, since the connection was accepted. */
        FIRST_REQUEST,
        /** A later request's headers, since its request line. */
        HEADERS
    }

    private final ConnectionLimits limits;
    private final String listener;
    private final long firstRequestNanos;
    private final long headerNanos;
    private final Map<InetAddress, Integer> open = new ConcurrentHashMap<>();
    private final Map<ConnectionContext, Deadline> deadlines = new ConcurrentHashMap<>();
    private final LongAdder refused = new LongAdder();
    private final LongAdder firstRequestTimeouts = new LongAdder();
    private final LongAdder headerTimeouts = new LongAdder();
    private final LogThrottle refusals = new LogThrottle(Duration.ofMinutes(1));

    private record Deadline(Thread thread, long at, Phase phase) {
    }

    /**
     * @param listener what the listener is, for log lines ({@code metadata listener}, {@code proxy listener})
     * @param timer    runs the deadline sweep (every quarter of the shorter timeout, at least every 100 ms)
     */
    public ConnectionGuard(ConnectionLimits limits, String listener, ScheduledExecutorService timer) {
        this.limits = limits;
        this.listener = listener;
        this.firstRequestNanos = limits.firstRequestTimeout().toNanos();
        this.headerNanos = limits.headerTimeout().toNanos();
        long shorter = Math.min(limits.firstRequestTimeout().toMillis(), limits.headerTimeout().toMillis());
        long period = Math.max(100, shorter / 4);
        timer.scheduleAtFixedRate(this::sweep, period, period, TimeUnit.MILLISECONDS);
    }

    /**
     * Makes {@code socket} an HTTP/1.1 listener of {@code http1}, also answering HTTP/1.0 clients
     * ({@link Http10Clients}), guarded by this: the connection selector, the overall connection limit, the idle
     * timeout. Call it with protocol discovery off and no protocol added ({@code protocolsDiscoverServices(false)}):
     * a second candidate selector would make Helidon wait for the client's first bytes before choosing, outside
     * every timeout.
     */
    public void configure(ListenerConfig.BuilderBase<?, ?> socket, Http1Config.Builder http1) {
        Duration idle = limits.idleTimeout();
        socket.addConnectionSelector(new Selector(new Http10Clients(http1.addReceiveListener(this).build())))
                .maxTcpConnections(limits.maxConnections())
                .idleConnectionTimeout(idle)
                .idleConnectionPeriod(idle.dividedBy(2).isZero() ? idle : idle.dividedBy(2));
    }

    /** Connections closed at once because their source had {@code maxPerSource} open. */
    public long refused() {
        return refused.sum();
    }

    /** Connections closed because a request head was not complete in time. */
    public long timedOut(Phase phase) {
        return (phase == Phase.FIRST_REQUEST ? firstRequestTimeouts : headerTimeouts).sum();
    }

    /** Connections open now from {@code source} (for tests and diagnostics). */
    public int openFrom(InetAddress source) {
        return open.getOrDefault(IpAddressText.withoutScope(source), 0);
    }

    /**
     * These counters in the Prometheus text format, named {@code <prefix>_connections_refused_total} and
     * {@code <prefix>_connection_timeouts_total{phase}}.
     */
    public String render(String prefix) {
        StringBuilder out = new StringBuilder(512);
        String name = prefix + "_connections_refused_total";
        out.append("# HELP ").append(name).append(" Connections closed at once: their source address had ")
                .append(limits.maxPerSource()).append(" open.\n# TYPE ").append(name).append(" counter\n")
                .append(name).append(' ').append(refused()).append('\n');
        name = prefix + "_connection_timeouts_total";
        out.append("# HELP ").append(name).append(" Connections closed because a request head was not complete in"
                        + " time: the first one after connecting, or later headers after their request line.\n")
                .append("# TYPE ").append(name).append(" counter\n")
                .append(name).append("{phase=\"first_request\"} ").append(timedOut(Phase.FIRST_REQUEST)).append('\n')
                .append(name).append("{phase=\"headers\"} ").append(timedOut(Phase.HEADERS)).append('\n');
        return out.toString();
    }

    // ---- the receive listener: where a request head stands ----

    @Override
    public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
        // The first request keeps the deadline it got when the connection was accepted.
        deadlines.putIfAbsent(Http10Clients.socket(ctx), new Deadline(Thread.currentThread(),
                System.nanoTime() + headerNanos, Phase.HEADERS));
    }

    @Override
    public void headers(ConnectionContext ctx, Headers headers) {
        deadlines.remove(Http10Clients.socket(ctx));
    }

    private void sweep() {
        long now = System.nanoTime();
        deadlines.forEach((ctx, d) -> {
            if (now - d.at() > 0 && deadlines.remove(ctx, d)) {
                (d.phase() == Phase.FIRST_REQUEST ? firstRequestTimeouts : headerTimeouts).increment();
                d.thread().interrupt();
            }
        });
    }

    // ---- per-source admission ----

    private boolean admit(InetAddress source) {
        boolean[] admitted = {false};
        open.compute(source, (address, n) -> {
            int count = n == null ? 0 : n;
            if (count >= limits.maxPerSource()) {
                return n;
            }
            admitted[0] = true;
            return count + 1;
        });
        return admitted[0];
    }

    private void release(InetAddress source) {
        open.computeIfPresent(source, (address, n) -> n <= 1 ? null : n - 1);
    }

    private static InetAddress source(ConnectionContext ctx) {
        if (ctx.remotePeer().address() instanceof InetSocketAddress socket && socket.getAddress() != null) {
            return IpAddressText.withoutScope(socket.getAddress());
        }
        return null; // not an IP socket: not limited per source
    }

    /** HTTP/1.1 and HTTP/1.0 connections ({@link Http10Clients}), counted per source. */
    private final class Selector implements ServerConnectionSelector {
        private final Http10Clients http1;

        Selector(Http10Clients http1) {
            this.http1 = http1;
        }

        @Override
        public int bytesToIdentifyConnection() {
            return 0; // the only candidate: never asked (Helidon's HTTP/1.1 selector says the same)
        }

        @Override
        public Support supports(BufferData data) {
            return Support.SUPPORTED;
        }

        @Override
        public Set<String> supportedApplicationProtocols() {
            return Set.of("http/1.1");
        }

        @Override
        public ServerConnection connection(ConnectionContext ctx) {
            InetAddress source = source(ctx);
            if (source != null && !admit(source)) {
                refused.increment();
                long more = refusals.admit();
                if (more >= 0) {
                    LOG.log(System.Logger.Level.WARNING, listener + ": closed a connection from "
                            + source.getHostAddress() + ", which has " + limits.maxPerSource()
                            + " open (the per-source limit)" + LogThrottle.more(more));
                }
                return Refused.INSTANCE;
            }
            // Helidon calls this on the connection's own thread, right after accepting it.
            deadlines.put(ctx, new Deadline(Thread.currentThread(), System.nanoTime() + firstRequestNanos,
                    Phase.FIRST_REQUEST));
            return new Counted(http1.connection(ctx), ctx, source);
        }
    }

    /** A connection counted against its source until it ends. */
    private final class Counted implements ServerConnection, InterruptableTask<Void> {
        private final ServerConnection delegate;
        private final ConnectionContext ctx;
        private final InetAddress source;

        Counted(ServerConnection delegate, ConnectionContext ctx, InetAddress source) {
            this.delegate = delegate;
            this.ctx = ctx;
            this.source = source;
        }

        @Override
        public void handle(Limit limit) throws InterruptedException {
            try {
                delegate.handle(limit);
            } finally {
                deadlines.remove(ctx);
                if (source != null) {
                    release(source);
                }
            }
        }

        @Override
        public Duration idleTime() {
            return delegate.idleTime();
        }

        @Override
        public void close(boolean interrupt) {
            delegate.close(interrupt);
        }

        @Override
        public boolean canInterrupt() {
            return delegate instanceof InterruptableTask<?> task && task.canInterrupt();
        }
    }

    /** The connection of a source over its limit: it ends at once, and Helidon closes the socket. */
    private enum Refused implements ServerConnection {
        INSTANCE;

        @Override
        public void handle(Limit limit) {
            // nothing: the socket is closed unread
        }

        @Override
        public Duration idleTime() {
            return Duration.ZERO;
        }

        @Override
        public void close(boolean interrupt) {
            // ends by itself
        }
    }
}
