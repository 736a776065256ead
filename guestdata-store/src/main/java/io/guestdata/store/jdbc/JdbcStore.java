package io.guestdata.store.jdbc;

import io.guestdata.store.Change;
import io.guestdata.store.Ec2IdMappings;
import io.guestdata.store.Instances;
import io.guestdata.store.KeyPairs;
import io.guestdata.store.Passwords;
import io.guestdata.store.Store;
import io.guestdata.store.StoreException;
import io.guestdata.store.StoreOptions;
import io.guestdata.store.Subscription;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import org.postgresql.ds.PGSimpleDataSource;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * The store on a JDBC database: SQLite (one file, for one host; several processes may share it) or
 * PostgreSQL (for several service nodes). The two differ only in {@link Dialect} and in their
 * migration scripts.
 *
 * <p>SQLite is opened in WAL mode with {@code synchronous=FULL}: a commit returns only after the
 * WAL is synced, so a committed write survives a crash or power loss (NORMAL would survive a
 * {@code kill -9} but could lose the last commits on power loss). Foreign keys are enforced and a
 * writer waits up to the busy timeout for another process's write lock. Reads use a pool of
 * connections (WAL lets them run beside the writer); writes go through a single connection, so
 * this process's writers queue in Java rather than in SQLite's busy handler.
 */
public final class JdbcStore implements Store {

    private static final Duration BORROW_TIMEOUT = Duration.ofSeconds(30);

    private final Database database;
    private final ChangeFeed feed;
    private final JdbcInstances instances;
    private final JdbcKeyPairs keyPairs;
    private final JdbcPasswords passwords;
    private final JdbcEc2IdMappings ec2Ids;

    private JdbcStore(Dialect dialect, ConnectionPool readers, ConnectionPool writers,
                      ConnectionPool.ConnectionFactory feedConnections, StoreOptions options) {
        this.feed = new ChangeFeed(dialect, feedConnections, options.feedPollInterval());
        this.database = new Database(dialect, readers, writers, feed::wakeUp);
        ChangeLog changes = new ChangeLog(dialect, options.changeRetention());
        this.instances = new JdbcInstances(database, new DocumentParsing(options.documentLimits()), changes,
                options.clock());
        this.keyPairs = new JdbcKeyPairs(database, options.keyPairQuota(), options.clock());
        this.passwords = new JdbcPasswords(database, changes, options.clock());
        this.ec2Ids = new JdbcEc2IdMappings(database);
    }

    /**
     * Opens (creating it when missing) the SQLite database {@code file} and migrates it. A file this
     * creates, and a directory for it, are readable by the owner only: instance documents carry admin
     * passwords.
     */
    public static JdbcStore openSqlite(Path file, StoreOptions options) {
        Objects.requireNonNull(options, "options");
        Path databaseFile = file.toAbsolutePath().normalize();
        createPrivately(databaseFile);
        SQLiteDataSource readSource = sqliteDataSource(databaseFile, options);
        Migrations.migrateSqlite(readSource, databaseFile);
        ConnectionPool readers = new ConnectionPool("sqlite reader", readSource::getConnection, options.poolSize(),
                BORROW_TIMEOUT);
        ConnectionPool writer = new ConnectionPool("sqlite writer", readSource::getConnection, 1, BORROW_TIMEOUT);
        return new JdbcStore(Dialect.SQLITE, readers, writer, readSource::getConnection, options);
    }

    /** Opens the PostgreSQL database at the JDBC {@code url} and migrates it. */
    public static JdbcStore openPostgresql(String url, StoreOptions options) {
        Objects.requireNonNull(options, "options");
        PGSimpleDataSource source = new PGSimpleDataSource();
        source.setURL(url);
        if (source.getApplicationName() == null || source.getApplicationName().equals("PostgreSQL JDBC Driver")) {
            source.setApplicationName("guestdata-store");
        }
        Migrations.migrate(source, Dialect.POSTGRESQL);
        ConnectionPool.ConnectionFactory open = () -> {
            Connection connection = source.getConnection();
            try {
                connection.setAutoCommit(false);
                connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
                return connection;
            } catch (SQLException | RuntimeException e) {
                try {
                    connection.close();
                } catch (SQLException closeFailure) {
                    e.addSuppressed(closeFailure);
                }
                throw e;
            }
        };
        ConnectionPool pool = new ConnectionPool("postgresql", open, options.poolSize(), BORROW_TIMEOUT);
        return new JdbcStore(Dialect.POSTGRESQL, pool, pool, source::getConnection, options);
    }

    private static SQLiteDataSource sqliteDataSource(Path file, StoreOptions options) {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        config.enforceForeignKeys(true);
        config.setBusyTimeout((int) options.busyTimeout().toMillis());
        SQLiteDataSource source = new SQLiteDataSource(config);
        source.setUrl("jdbc:sqlite:" + file);
        return source;
    }

    private static void createPrivately(Path file) {
        try {
            Path directory = file.getParent();
            if (!Files.isDirectory(directory)) {
                Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
            }
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (FileAlreadyExistsException e) {
            // An existing database: open it as it is.
        } catch (IOException | UnsupportedOperationException e) {
            throw new StoreException.DatabaseError("cannot create the database file " + file + ": " + e.getMessage(),
                    false, e);
        }
    }

    @Override
    public Instances instances() {
        return instances;
    }

    @Override
    public KeyPairs keyPairs() {
        return keyPairs;
    }

    @Override
    public Passwords passwords() {
        return passwords;
    }

    @Override
    public Ec2IdMappings ec2Ids() {
        return ec2Ids;
    }

    @Override
    public long lastChangeSequence() {
        return database.read(ChangeLog::last);
    }

    @Override
    public Subscription subscribe(Consumer<Change> listener) {
        return subscribe(lastChangeSequence(), listener);
    }

    @Override
    public Subscription subscribe(long afterSequence, Consumer<Change> listener) {
        Objects.requireNonNull(listener, "listener");
        return feed.subscribe(afterSequence, listener);
    }

    @Override
    public void close() {
        try {
            feed.close();
        } finally {
            database.close();
        }
    }
}
