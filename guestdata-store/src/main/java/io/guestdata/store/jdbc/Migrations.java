package io.guestdata.store.jdbc;

import io.guestdata.store.StoreException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

/**
 * Brings a database's schema to the version this code needs, with Flyway: the SQL scripts in
 * {@code io/guestdata/store/migration/<database>/V<n>__<what>.sql}, applied in order, each once,
 * recorded in {@code flyway_schema_history}. Opening an up-to-date database applies nothing.
 *
 * <p>Several nodes may start at once. On PostgreSQL Flyway serializes them with an advisory lock.
 * Flyway has no such lock for SQLite, so the store holds an exclusive lock on
 * {@code <database file>.migration-lock} while it migrates (never on the database file itself:
 * POSIX locks belong to the process, and closing any descriptor of the database file would drop
 * SQLite's own locks).
 */
final class Migrations {

    private static final Duration LOCK_WAIT = Duration.ofSeconds(60);

    private Migrations() {
    }

    static void migrate(DataSource dataSource, Dialect dialect) {
        try {
            Flyway.configure(Migrations.class.getClassLoader())
                    .dataSource(dataSource)
                    .locations(dialect.migrationLocation())
                    .failOnMissingLocations(true)
                    .validateMigrationNaming(true)
                    .load()
                    .migrate();
        } catch (FlywayException e) {
            throw new StoreException.DatabaseError("migrating the database schema failed: " + e.getMessage(), false, e);
        }
    }

    /** {@link #migrate} for an SQLite database file, under the migration lock. */
    static void migrateSqlite(DataSource dataSource, Path databaseFile) {
        Path lockFile = databaseFile.resolveSibling(databaseFile.getFileName() + ".migration-lock");
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock lock = lock(channel, lockFile);
            try {
                migrate(dataSource, Dialect.SQLITE);
            } finally {
                lock.release();
            }
        } catch (IOException e) {
            throw new StoreException.DatabaseError("cannot lock " + lockFile + " to migrate the database: "
                    + e.getMessage(), false, e);
        }
    }

    /**
     * Waits for the lock. Another process's lock makes {@link FileChannel#lock()} block; another
     * store in this JVM holding it makes the JVM throw {@link OverlappingFileLockException} at once,
     * so that case waits by polling.
     */
    private static FileLock lock(FileChannel channel, Path lockFile) throws IOException {
        long deadline = System.nanoTime() + LOCK_WAIT.toNanos();
        while (true) {
            try {
                return channel.lock();
            } catch (OverlappingFileLockException e) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("another store in this process held " + lockFile + " for "
                            + LOCK_WAIT.toSeconds() + " s", e);
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting for " + lockFile, interrupted);
                }
            }
        }
    }
}
