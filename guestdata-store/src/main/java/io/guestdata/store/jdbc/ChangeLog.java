package io.guestdata.store.jdbc;

import io.guestdata.store.Change;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The {@code changes} table: one row per instance change, written by the changing transaction
 * itself, so a change is in the log exactly when it is committed.
 *
 * <p>Sequence numbers come from the one-row {@code change_counter} table, incremented by the
 * transaction's last statement. On PostgreSQL its row lock serializes the writers from that
 * statement to their commit, so sequence order is commit order and a reader that sees change n has
 * already seen every change before it (an identity column would not do: numbers are taken at insert
 * but become visible in commit order, and a reader could pass over one that commits late). SQLite
 * writes one transaction at a time anyway.
 */
final class ChangeLog {

    /** Old changes are pruned by every {@value}th change. */
    static final int PRUNE_EVERY = 1000;

    private final Dialect dialect;
    private final Duration retention;

    ChangeLog(Dialect dialect, Duration retention) {
        this.dialect = dialect;
        this.retention = retention;
    }

    /** Appends a change; must be the transaction's last statement (see the class comment). */
    long append(Connection connection, UUID instance, Change.Kind kind, long version, long nowMillis)
            throws SQLException {
        long sequence = Sql.one(connection,
                "UPDATE change_counter SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq",
                row -> row.getLong(1)).orElseThrow(() -> new SQLException("change_counter has no row 1"));
        Sql.update(connection, "INSERT INTO changes (seq, instance_uuid, kind, version, changed_at) VALUES (?, ?, ?, ?, ?)",
                sequence, instance.toString(), kind.name(), version, nowMillis);
        if (sequence % PRUNE_EVERY == 0) {
            Sql.update(connection, "DELETE FROM changes WHERE changed_at < ?", nowMillis - retention.toMillis());
        }
        dialect.announceChange(connection);
        return sequence;
    }

    /** The newest sequence number committed (0 before the first change). */
    static long last(Connection connection) throws SQLException {
        return Sql.one(connection, "SELECT last_seq FROM change_counter WHERE id = 1", row -> row.getLong(1))
                .orElseThrow(() -> new SQLException("change_counter has no row 1"));
    }

    /** Up to {@code limit} changes after {@code afterSequence}, oldest first. */
    static List<Change> after(Connection connection, long afterSequence, int limit) throws SQLException {
        return Sql.all(connection, "SELECT seq, instance_uuid, kind, version, changed_at FROM changes "
                        + "WHERE seq > ? ORDER BY seq LIMIT ?",
                row -> new Change(row.getLong(1), UUID.fromString(row.getString(2)),
                        Change.Kind.valueOf(row.getString(3)), row.getLong(4), Instant.ofEpochMilli(row.getLong(5))),
                afterSequence, limit);
    }
}
