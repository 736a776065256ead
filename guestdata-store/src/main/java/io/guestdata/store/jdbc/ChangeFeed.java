package io.guestdata.store.jdbc;

import io.guestdata.store.Change;
import io.guestdata.store.Subscription;
import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Delivers the change log to this store's subscribers, whoever wrote it. One thread, started by the
 * first subscription, with its own database connection:
 * <ul>
 *   <li>PostgreSQL: the connection {@code LISTEN}s on {@value Dialect#CHANGE_CHANNEL}; every writing
 *       transaction {@code NOTIFY}s at commit, so the feed reads the log as soon as any store on
 *       any node commits. It also reads every {@link #SAFETY_NET} without a notification, in case
 *       one was lost;</li>
 *   <li>SQLite: other processes cannot signal, so the feed reads the log every poll interval
 *       ({@link io.guestdata.store.StoreOptions#feedPollInterval()}); writes made through this store
 *       wake it at once.</li>
 * </ul>
 * The feed reads from the lowest cursor of its subscriptions, so a lost wake-up only delays a
 * change, and after a lost connection it reconnects and catches up from where it was.
 */
final class ChangeFeed implements AutoCloseable {

    static final Duration SAFETY_NET = Duration.ofSeconds(5);
    static final Duration RECONNECT_DELAY = Duration.ofSeconds(1);
    private static final int BATCH = 500;
    private static final System.Logger LOG = System.getLogger(ChangeFeed.class.getName());

    private final Dialect dialect;
    private final ConnectionPool.ConnectionFactory connections;
    private final Duration pollInterval;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final Semaphore wake = new Semaphore(0);
    private final ReentrantLock lifecycle = new ReentrantLock();
    private Thread thread;
    private volatile boolean closed;

    ChangeFeed(Dialect dialect, ConnectionPool.ConnectionFactory connections, Duration pollInterval) {
        this.dialect = dialect;
        this.connections = connections;
        this.pollInterval = pollInterval;
    }

    /** Delivers every change after {@code afterSequence} to {@code consumer}. */
    Subscription subscribe(long afterSequence, Consumer<Change> consumer) {
        Listener listener = new Listener(afterSequence, consumer);
        lifecycle.lock();
        try {
            if (closed) {
                throw new IllegalStateException("the store is closed");
            }
            listeners.add(listener);
            if (thread == null) {
                thread = Thread.ofPlatform().daemon().name("guestdata-store-change-feed").start(this::run);
            }
        } finally {
            lifecycle.unlock();
        }
        wakeUp();
        return listener;
    }

    /** A change was committed in this process: look now rather than at the next poll. */
    void wakeUp() {
        if (wake.availablePermits() == 0) {
            wake.release();
        }
    }

    private void run() {
        Connection connection = null;
        boolean failing = false;
        boolean catchUp = true;
        long lastReadNanos = System.nanoTime();
        while (!closed) {
            try {
                if (connection == null) {
                    connection = open();
                    catchUp = true; // changes may have been committed while there was no connection
                }
                boolean signalled = awaitChange(connection);
                if (closed) {
                    break;
                }
                if (signalled || catchUp || dialect == Dialect.SQLITE
                        || System.nanoTime() - lastReadNanos >= SAFETY_NET.toNanos()) {
                    deliver(connection);
                    lastReadNanos = System.nanoTime();
                    catchUp = false;
                }
                if (failing) {
                    LOG.log(Level.INFO, "change feed reconnected to the database");
                    failing = false;
                }
            } catch (SQLException | RuntimeException e) {
                if (closed) {
                    break;
                }
                if (!failing) {
                    LOG.log(Level.WARNING, "change feed lost the database; retrying every "
                            + RECONNECT_DELAY.toMillis() + " ms, changes are delivered once it is back", e);
                    failing = true;
                }
                connection = discard(connection, e);
                if (!pause(RECONNECT_DELAY)) {
                    break;
                }
            }
        }
        discard(connection, null);
    }

    private Connection open() throws SQLException {
        Connection connection = connections.open();
        try {
            if (dialect == Dialect.POSTGRESQL) {
                connection.setAutoCommit(true);
                Dialect.execute(connection, "LISTEN " + Dialect.CHANGE_CHANNEL);
            }
            return connection;
        } catch (SQLException | RuntimeException e) {
            discard(connection, e);
            throw e;
        }
    }

    /** Waits up to the poll interval; whether a change was signalled. */
    private boolean awaitChange(Connection connection) throws SQLException {
        if (dialect == Dialect.POSTGRESQL) {
            PGNotification[] notifications = connection.unwrap(PGConnection.class)
                    .getNotifications((int) Math.max(1, pollInterval.toMillis()));
            boolean local = wake.tryAcquire();
            wake.drainPermits();
            return local || (notifications != null && notifications.length > 0);
        }
        try {
            boolean signalled = wake.tryAcquire(pollInterval.toMillis(), TimeUnit.MILLISECONDS);
            wake.drainPermits();
            return signalled;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
            return false;
        }
    }

    private void deliver(Connection connection) throws SQLException {
        while (true) {
            List<Listener> current = List.copyOf(listeners);
            if (current.isEmpty()) {
                return;
            }
            long from = current.stream().mapToLong(l -> l.cursor).min().orElseThrow();
            List<Change> batch = ChangeLog.after(connection, from, BATCH);
            for (Change change : batch) {
                for (Listener listener : current) {
                    listener.offer(change);
                }
            }
            if (batch.size() < BATCH) {
                return;
            }
        }
    }

    private boolean pause(Duration delay) {
        try {
            wake.tryAcquire(delay.toMillis(), TimeUnit.MILLISECONDS);
            return !closed;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static Connection discard(Connection connection, Throwable failure) {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                if (failure != null) {
                    failure.addSuppressed(e);
                } else {
                    LOG.log(Level.DEBUG, "closing the change feed connection failed", e);
                }
            }
        }
        return null;
    }

    /** Stops the feed thread (waiting for a delivery in progress) and closes its connection. */
    @Override
    public void close() {
        Thread running;
        lifecycle.lock();
        try {
            closed = true;
            running = thread;
        } finally {
            lifecycle.unlock();
        }
        wake.release();
        if (running != null && running != Thread.currentThread()) {
            try {
                running.join(pollInterval.plusSeconds(5).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** One subscription; its cursor is the last sequence delivered to it, touched by the feed thread only. */
    private final class Listener implements Subscription {
        private final Consumer<Change> consumer;
        private long cursor;
        private volatile boolean active = true;

        Listener(long afterSequence, Consumer<Change> consumer) {
            this.cursor = afterSequence;
            this.consumer = consumer;
        }

        void offer(Change change) {
            if (!active || change.sequence() <= cursor) {
                return;
            }
            cursor = change.sequence();
            try {
                consumer.accept(change);
            } catch (RuntimeException e) {
                Thread self = Thread.currentThread();
                self.getUncaughtExceptionHandler().uncaughtException(self, e);
            }
        }

        @Override
        public void close() {
            active = false;
            listeners.remove(this);
        }
    }
}
