package io.guestdata.store.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * The few things that differ between SQLite and PostgreSQL for the store. Everything else (every
 * query, {@code INSERT … ON CONFLICT DO NOTHING}, {@code RETURNING}) is the same SQL on both.
 */
enum Dialect {

    /**
     * SQLite: connections stay in auto-commit mode and transactions are explicit {@code BEGIN}
     * statements, so a write takes the database's write lock up front ({@code BEGIN IMMEDIATE}: a
     * deferred transaction that reads first and writes later fails at once with SQLITE_BUSY when
     * another writer committed in between, whatever the busy timeout) and an idle pooled connection
     * never holds a transaction open.
     */
    SQLITE("sqlite") {
        @Override
        void begin(Connection connection, boolean write) throws SQLException {
            execute(connection, write ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
        }

        @Override
        void commit(Connection connection) throws SQLException {
            execute(connection, "COMMIT");
        }

        @Override
        void rollback(Connection connection) throws SQLException {
            execute(connection, "ROLLBACK");
        }

        /**
         * Busy or locked (another writer held the lock past the busy timeout), the disk full, or an I/O error
         * (SQLite's primary result codes 5, 6, 13 and 10, whatever the extended code): the operator frees space
         * or the other writer finishes, and the same write then works.
         */
        @Override
        boolean isTransient(SQLException e) {
            return e instanceof SQLiteException s && TRANSIENT_SQLITE.contains(s.getResultCode().code & 0xff);
        }

        @Override
        boolean isConnectionBroken(SQLException e) {
            return false;
        }

        @Override
        boolean isRetryable(SQLException e) {
            return false;
        }

        @Override
        void announceChange(Connection connection) {
            // Other processes poll the change log: SQLite has no way to signal them.
        }
    },

    /**
     * PostgreSQL: pooled connections stay in manual-commit mode (every transaction ends with
     * commit or rollback), read committed for writes, repeatable read for reads (one snapshot for
     * the whole read). {@code NOTIFY} wakes every listening store at commit.
     */
    POSTGRESQL("postgresql") {
        @Override
        void begin(Connection connection, boolean write) throws SQLException {
            if (connection.getAutoCommit()) {
                connection.setAutoCommit(false);
            }
            if (!write) {
                execute(connection, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
            }
        }

        @Override
        void commit(Connection connection) throws SQLException {
            connection.commit();
        }

        @Override
        void rollback(Connection connection) throws SQLException {
            connection.rollback();
        }

        /**
         * SQLSTATE (PostgreSQL manual, appendix A): class 08 connection exceptions (refused, lost), 57P operator
         * intervention (shutdown, restart), 53100 disk full, 53200 out of memory, 53300 too many connections,
         * 58030 I/O error, 57014 query cancelled (a statement timeout), 55P03 lock not available, and the
         * retryable deadlock and serialization failures.
         */
        @Override
        boolean isTransient(SQLException e) {
            String state = sqlState(e);
            return state.startsWith("08") || state.startsWith("57P") || TRANSIENT_POSTGRESQL.contains(state)
                    || isRetryable(e);
        }

        @Override
        boolean isConnectionBroken(SQLException e) {
            String state = sqlState(e);
            return state.startsWith("08") || state.startsWith("57P");
        }

        @Override
        boolean isRetryable(SQLException e) {
            String state = sqlState(e);
            return state.equals("40001") || state.equals("40P01");
        }

        @Override
        void announceChange(Connection connection) throws SQLException {
            execute(connection, "NOTIFY " + CHANGE_CHANNEL);
        }
    };

    /** The PostgreSQL notification channel the change feed listens on. */
    static final String CHANGE_CHANNEL = "guestdata_changes";

    /** SQLite primary result codes of failures that may pass: BUSY, LOCKED, IOERR, FULL. */
    private static final Set<Integer> TRANSIENT_SQLITE = Set.of(SQLiteErrorCode.SQLITE_BUSY.code,
            SQLiteErrorCode.SQLITE_LOCKED.code, SQLiteErrorCode.SQLITE_IOERR.code, SQLiteErrorCode.SQLITE_FULL.code);
    private static final Set<String> TRANSIENT_POSTGRESQL = Set.of("53100", "53200", "53300", "58030", "57014",
            "55P03");

    private final String migrationDirectory;

    Dialect(String migrationDirectory) {
        this.migrationDirectory = migrationDirectory;
    }

    /** Flyway location of this database's migrations. */
    String migrationLocation() {
        return "classpath:io/guestdata/store/migration/" + migrationDirectory;
    }

    /** Starts a transaction; {@code write} ones may change data. */
    abstract void begin(Connection connection, boolean write) throws SQLException;

    abstract void commit(Connection connection) throws SQLException;

    abstract void rollback(Connection connection) throws SQLException;

    /** Whether trying again later may succeed: connection lost, database busy or shutting down, disk full. */
    abstract boolean isTransient(SQLException e);

    /** Whether the connection is unusable after {@code e} and must not return to the pool. */
    abstract boolean isConnectionBroken(SQLException e);

    /** Whether the database rolled the transaction back and running it again is safe (deadlock, serialization). */
    abstract boolean isRetryable(SQLException e);

    /** Tells other stores on the database, at commit, that the change log grew. */
    abstract void announceChange(Connection connection) throws SQLException;

    static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private static String sqlState(SQLException e) {
        for (SQLException at = e; at != null; at = at.getNextException()) {
            if (at.getSQLState() != null) {
                return at.getSQLState();
            }
        }
        return "";
    }
}
