package io.guestdata.server.metadata;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Whether the store answers a read now, for {@code /readyz}: a node whose store cannot be read answers the management
 * API, and guests whose instance's document its index does not hold, with 503, and cannot know whether what it
 * serves is current, so it is not ready even if nothing has failed yet.
 *
 * <p>The check is one cheap read ({@code Store.lastChangeSequence()}: the newest row of the change log). Its result
 * is kept for {@code cacheFor}, at most one check runs at a time (on its own virtual thread), and a caller waits
 * for it at most {@code timeout}: however often {@code /readyz} is asked, the database gets at most one check per
 * {@code cacheFor}, and {@code /readyz} answers within {@code timeout} even when the database hangs (a check still
 * running then is waited for by the next callers, not repeated).
 */
final class StoreReadiness {
    private final Callable<?> check;
    private final Duration timeout;
    private final long cacheNanos;
    private final Object lock = new Object();
    /** The latest outcome and when it was known; guarded by {@link #lock}. */
    private Outcome last;
    /** The check running now, if any; guarded by {@link #lock}. */
    private CompletableFuture<Optional<String>> running;

    private record Outcome(long at, Optional<String> problem) {
    }

    /**
     * @param check    a read of the store; it fails (throws) when the store cannot be read
     * @param timeout  how long a caller waits for a check
     * @param cacheFor how long an outcome is kept
     */
    StoreReadiness(Callable<?> check, Duration timeout, Duration cacheFor) {
        this.check = check;
        this.timeout = timeout;
        this.cacheNanos = cacheFor.toNanos();
    }

    /** Empty when the store answered (recently); else why not. */
    Optional<String> problem() {
        CompletableFuture<Optional<String>> pending;
        synchronized (lock) {
            if (last != null && System.nanoTime() - last.at() < cacheNanos) {
                return last.problem();
            }
            if (running == null) {
                CompletableFuture<Optional<String>> started = new CompletableFuture<>();
                running = started;
                Thread.ofVirtual().name("guestdata-store-readiness").start(() -> {
                    Optional<String> problem = Optional.of("the store check failed");
                    try {
                        problem = runCheck();
                    } finally {
                        finish(started, problem);
                    }
                });
            }
            pending = running;
        }
        try {
            return pending.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            Optional<String> slow = Optional.of("the store did not answer a read within " + timeout.toMillis() + " ms");
            synchronized (lock) {
                if (running == pending) {
                    last = new Outcome(System.nanoTime(), slow);
                }
            }
            return slow;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted while checking the store");
        } catch (ExecutionException e) {
            throw new IllegalStateException("the readiness check cannot fail: it reports failures", e);
        }
    }

    private Optional<String> runCheck() {
        try {
            check.call();
            return Optional.empty();
        } catch (Exception e) {
            return Optional.of("the store cannot be read: " + e.getMessage());
        }
    }

    private void finish(CompletableFuture<Optional<String>> check, Optional<String> problem) {
        synchronized (lock) {
            last = new Outcome(System.nanoTime(), problem);
            running = null;
        }
        check.complete(problem);
    }
}
