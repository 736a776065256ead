package io.guestdata.store.jdbc;

import io.guestdata.store.StoreException;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * Runs transactions. A body either returns, and its transaction is committed before the result is
 * handed back, or throws, and its transaction is rolled back before the exception propagates: no
 * write is ever half done. A {@link StoreException} from the body propagates as it is; an
 * {@link SQLException} becomes a {@link StoreException.DatabaseError}. A transaction PostgreSQL
 * rolled back as a deadlock or serialization victim runs again (up to {@value #ATTEMPTS} times).
 */
final class Database implements AutoCloseable {

    static final int ATTEMPTS = 3;

    final Dialect dialect;
    private final ConnectionPool readers;
    private final ConnectionPool writers;
    private final Runnable afterWrite;

    /**
     * @param readers    connections for read transactions
     * @param writers    connections for write transactions (may be {@code readers})
     * @param afterWrite run after every committed write (wakes this process's change feed)
     */
    Database(Dialect dialect, ConnectionPool readers, ConnectionPool writers, Runnable afterWrite) {
        this.dialect = dialect;
        this.readers = readers;
        this.writers = writers;
        this.afterWrite = afterWrite;
    }

    /** Runs {@code work} in a read-only transaction that sees one snapshot of the database. */
    <T> T read(SqlWork<T> work) {
        return run(readers, false, work);
    }

    /** Runs {@code work} in a write transaction, committed (durably) before this returns. */
    <T> T write(SqlWork<T> work) {
        T result = run(writers, true, work);
        afterWrite.run();
        return result;
    }

    private <T> T run(ConnectionPool pool, boolean write, SqlWork<T> work) {
        for (int attempt = 1; ; attempt++) {
            Connection connection;
            try {
                connection = pool.borrow();
            } catch (SQLException e) {
                throw databaseError("cannot connect to the database", e);
            }
            boolean reusable = true;
            Throwable failure = null;
            Attempt<T> transaction = new Attempt<>(connection, write, work);
            try {
                return transaction.run();
            } catch (SQLException e) {
                failure = e;
                reusable = !dialect.isConnectionBroken(e) && !(e instanceof RollbackFailed) && !(e instanceof BeginFailed);
                // Safe to run again: the database rolled the transaction back (deadlock victim), or the
                // connection died before COMMIT was sent, so the server discarded the transaction. A
                // connection lost during COMMIT leaves the outcome unknown and is not retried.
                boolean retry = dialect.isRetryable(e)
                        || (!transaction.commitSent && dialect.isConnectionBroken(e));
                if (retry && attempt < ATTEMPTS) {
                    continue;
                }
                throw databaseError("database " + (write ? "write" : "read") + " failed", e);
            } catch (RuntimeException | Error e) {
                failure = e;
                throw e;
            } finally {
                pool.giveBack(connection, reusable, failure);
            }
        }
    }

    /** One try of one transaction. */
    private final class Attempt<T> {
        private final Connection connection;
        private final boolean write;
        private final SqlWork<T> work;
        boolean commitSent;

        Attempt(Connection connection, boolean write, SqlWork<T> work) {
            this.connection = connection;
            this.write = write;
            this.work = work;
        }

        T run() throws SQLException {
            try {
                dialect.begin(connection, write);
            } catch (SQLException e) {
                // Whether a transaction was left open is unknown: the connection is discarded, not rolled back.
                throw new BeginFailed(e);
            }
            try {
                T result = work.run(connection);
                commitSent = true;
                dialect.commit(connection);
                return result;
            } catch (UncheckedSqlException e) {
                rollbackAfter(connection, e.getCause());
                throw e.getCause();
            } catch (SQLException | RuntimeException | Error e) {
                rollbackAfter(connection, e);
                throw e;
            }
        }
    }

    /**
     * Rolls back after {@code cause}. When the rollback itself fails the connection may still be
     * inside the transaction, so it must not be reused: that is signalled by throwing
     * {@link RollbackFailed} carrying both.
     */
    private void rollbackAfter(Connection connection, Throwable cause) throws SQLException {
        try {
            dialect.rollback(connection);
        } catch (SQLException rollbackFailure) {
            RollbackFailed failed = new RollbackFailed(cause, rollbackFailure);
            throw failed;
        }
    }

    private StoreException.DatabaseError databaseError(String what, SQLException e) {
        SQLException reported = (e instanceof RollbackFailed || e instanceof BeginFailed)
                && e.getCause() instanceof SQLException s ? s : e;
        return new StoreException.DatabaseError(what + ": " + reported.getMessage(), dialect.isTransient(reported), e);
    }

    @Override
    public void close() {
        try {
            readers.close();
        } finally {
            if (writers != readers) {
                writers.close();
            }
        }
    }

    /** The transaction failed and could not be rolled back; the connection is discarded. */
    static final class RollbackFailed extends SQLException {
        RollbackFailed(Throwable cause, SQLException rollbackFailure) {
            super("the transaction failed (" + cause + ") and rolling it back failed too: "
                    + rollbackFailure.getMessage(), rollbackFailure.getSQLState(), cause);
            addSuppressed(rollbackFailure);
        }
    }

    /** The transaction could not be started; the connection is discarded. */
    static final class BeginFailed extends SQLException {
        BeginFailed(SQLException cause) {
            super("starting a transaction failed: " + cause.getMessage(), cause.getSQLState(), cause);
        }
    }
}
