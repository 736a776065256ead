package io.guestdata.store.jdbc;

import io.guestdata.store.StoreException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fixed number of database connections, opened when first needed and reused. The store's
 * transactions are short and each borrows one connection for its whole length, so the pool needs
 * only what is here: a bound, reuse, and two defences against a connection that died while it sat
 * idle (database restarted, network cut): one idle longer than {@link #VALIDATE_AFTER_IDLE} is
 * checked before it is handed out, and one that failed with a connection error is closed instead
 * of returned. Waiting uses a semaphore, so virtual threads wait without pinning a carrier.
 */
final class ConnectionPool implements AutoCloseable {

    /** Opens one configured connection. */
    @FunctionalInterface
    interface ConnectionFactory {
        Connection open() throws SQLException;
    }

    static final Duration VALIDATE_AFTER_IDLE = Duration.ofSeconds(5);
    private static final int VALIDATION_TIMEOUT_SECONDS = 5;

    private record Idle(Connection connection, long idleSinceNanos) {
    }

    private final String name;
    private final ConnectionFactory factory;
    private final Semaphore permits;
    private final Duration borrowTimeout;
    private final ReentrantLock lock = new ReentrantLock();
    private final Deque<Idle> idle = new ArrayDeque<>();
    private final List<Connection> lent = new ArrayList<>();
    private boolean closed;

    /**
     * @param name          for messages ({@code "sqlite writer"})
     * @param size          most connections open at once
     * @param borrowTimeout how long {@link #borrow()} waits for a free connection
     */
    ConnectionPool(String name, ConnectionFactory factory, int size, Duration borrowTimeout) {
        this.name = name;
        this.factory = factory;
        this.permits = new Semaphore(size, true);
        this.borrowTimeout = borrowTimeout;
    }

    /**
     * A connection for the caller alone until {@link #giveBack}.
     *
     * @throws StoreException.DatabaseError (transient) when none is free within the borrow timeout
     * @throws IllegalStateException        when the pool is closed
     */
    Connection borrow() throws SQLException {
        try {
            if (!permits.tryAcquire(borrowTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new StoreException.DatabaseError("no " + name + " connection became free within "
                        + borrowTimeout.toSeconds() + " s", true, null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException.DatabaseError("interrupted while waiting for a " + name + " connection", true, e);
        }
        try {
            Connection connection = reuseOrOpen();
            lock.lock();
            try {
                lent.add(connection);
            } finally {
                lock.unlock();
            }
            return connection;
        } catch (SQLException | RuntimeException e) {
            permits.release();
            throw e;
        }
    }

    /**
     * Returns a borrowed connection. A connection that is not {@code reusable} (it failed with a
     * connection error, or its transaction could not be rolled back) is closed; a failure to close
     * it is added to {@code failure} when there is one.
     */
    void giveBack(Connection connection, boolean reusable, Throwable failure) {
        boolean keep;
        lock.lock();
        try {
            lent.remove(connection);
            keep = reusable && !closed;
            if (keep) {
                idle.push(new Idle(connection, System.nanoTime()));
            }
        } finally {
            lock.unlock();
            permits.release();
        }
        if (!keep) {
            closeQuietlyInto(connection, failure);
        }
    }

    private Connection reuseOrOpen() throws SQLException {
        while (true) {
            Idle candidate;
            lock.lock();
            try {
                if (closed) {
                    throw new IllegalStateException("the store is closed");
                }
                candidate = idle.poll();
            } finally {
                lock.unlock();
            }
            if (candidate == null) {
                return factory.open();
            }
            long idleNanos = System.nanoTime() - candidate.idleSinceNanos();
            if (idleNanos < VALIDATE_AFTER_IDLE.toNanos() || isValid(candidate.connection())) {
                return candidate.connection();
            }
            closeQuietlyInto(candidate.connection(), null);
        }
    }

    private static boolean isValid(Connection connection) {
        try {
            return connection.isValid(VALIDATION_TIMEOUT_SECONDS);
        } catch (SQLException e) {
            // isValid throws only for a negative timeout; a failing check means "not valid".
            return false;
        }
    }

    /**
     * Closes a connection being discarded. It is discarded because it failed, so closing it may
     * fail the same way; that failure is attached to the original one rather than thrown over it.
     */
    private static void closeQuietlyInto(Connection connection, Throwable failure) {
        try {
            connection.close();
        } catch (SQLException e) {
            if (failure != null) {
                failure.addSuppressed(e);
            }
        }
    }

    /**
     * Closes every idle connection and refuses further borrows. Connections still lent out are
     * closed too: the store is closing, so their transactions fail.
     *
     * @throws StoreException.DatabaseError when a connection failed to close (all were tried)
     */
    @Override
    public void close() {
        List<Connection> toClose = new ArrayList<>();
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            idle.forEach(i -> toClose.add(i.connection()));
            idle.clear();
            toClose.addAll(lent);
        } finally {
            lock.unlock();
        }
        StoreException.DatabaseError failure = null;
        for (Connection connection : toClose) {
            try {
                connection.close();
            } catch (SQLException e) {
                if (failure == null) {
                    failure = new StoreException.DatabaseError("closing " + name + " connections failed", false, e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
