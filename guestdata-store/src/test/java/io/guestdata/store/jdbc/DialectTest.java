package io.guestdata.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * Which database failures are transient (503 with Retry-After, retry later) and which are not (500): an outage
 * must not look like a bug, a bug must not look like an outage.
 */
class DialectTest {
    @Test
    void sqliteBusyLockedFullAndIoErrorsAreTransient() {
        for (SQLiteErrorCode code : new SQLiteErrorCode[] {SQLiteErrorCode.SQLITE_BUSY,
                SQLiteErrorCode.SQLITE_BUSY_SNAPSHOT, SQLiteErrorCode.SQLITE_LOCKED, SQLiteErrorCode.SQLITE_FULL,
                SQLiteErrorCode.SQLITE_IOERR, SQLiteErrorCode.SQLITE_IOERR_WRITE, SQLiteErrorCode.SQLITE_IOERR_FSYNC}) {
            assertEquals(true, Dialect.SQLITE.isTransient(new SQLiteException("x", code)), code.name());
        }
        for (SQLiteErrorCode code : new SQLiteErrorCode[] {SQLiteErrorCode.SQLITE_ERROR,
                SQLiteErrorCode.SQLITE_CONSTRAINT, SQLiteErrorCode.SQLITE_CONSTRAINT_TRIGGER,
                SQLiteErrorCode.SQLITE_CORRUPT, SQLiteErrorCode.SQLITE_READONLY}) {
            assertEquals(false, Dialect.SQLITE.isTransient(new SQLiteException("x", code)), code.name());
        }
        assertEquals(false, Dialect.SQLITE.isTransient(new SQLException("not SQLite's")));
    }

    @Test
    void postgresqlOutagesAreTransientAndBugsAreNot() {
        for (String state : new String[] {"08001", "08006", "57P01", "57P03", "53100", "53200", "53300", "58030",
                "57014", "55P03", "40001", "40P01"}) {
            assertEquals(true, Dialect.POSTGRESQL.isTransient(new SQLException("x", state)), state);
        }
        for (String state : new String[] {"42P01", "42703", "23505", "P0001", "22P02", "XX000"}) {
            assertEquals(false, Dialect.POSTGRESQL.isTransient(new SQLException("x", state)), state);
        }
    }
}
