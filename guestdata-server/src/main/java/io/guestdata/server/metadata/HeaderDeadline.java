package io.guestdata.server.metadata;

import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http1.Http1ConnectionListener;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection whose request headers are not complete within a deadline after its request line.
 *
 * <p>Helidon's idle timeout covers a connection waiting for (or part-way through) a request line, but not one
 * trickling header lines; such a client would hold its connection as long as it likes. This listener notes
 * the connection's thread when the request line has been read and interrupts it if the headers have not
 * arrived by the deadline: Helidon serves each connection on its own virtual thread, and interrupting a
 * virtual thread blocked reading a socket closes the socket.
 */
final class HeaderDeadline implements Http1ConnectionListener {
    private final long timeoutNanos;
    private final Map<ConnectionContext, Waiting> waiting = new ConcurrentHashMap<>();

    private record Waiting(Thread thread, long deadline) {
    }

    HeaderDeadline(Duration timeout, ScheduledExecutorService timer) {
        this.timeoutNanos = timeout.toNanos();
        long period = Math.max(100, timeout.toMillis() / 4);
        timer.scheduleAtFixedRate(this::sweep, period, period, TimeUnit.MILLISECONDS);
    }

    @Override
    public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
        waiting.put(ctx, new Waiting(Thread.currentThread(), System.nanoTime() + timeoutNanos));
    }

    @Override
    public void headers(ConnectionContext ctx, Headers headers) {
        waiting.remove(ctx);
    }

    private void sweep() {
        long now = System.nanoTime();
        waiting.forEach((ctx, w) -> {
            if (now - w.deadline() > 0 && waiting.remove(ctx, w)) {
                w.thread().interrupt(); // a thread that has finished (the connection failed) ignores it
            }
        });
    }
}
