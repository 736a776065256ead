package io.guestdata.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One database for one test, on one backend: a fresh SQLite data directory, or a fresh database on
 * the shared throwaway PostgreSQL server. Stores opened through it are closed after the test.
 */
final class Backend implements AutoCloseable {

    enum Kind { SQLITE, POSTGRESQL }

    private final Kind kind;
    private final String url;
    private final String jdbcUrl;
    private final Path directory;
    private final List<Store> opened = new ArrayList<>();

    private Backend(Kind kind, String url, String jdbcUrl, Path directory) {
        this.kind = kind;
        this.url = url;
        this.jdbcUrl = jdbcUrl;
        this.directory = directory;
    }

    static Backend sqlite() throws IOException {
        Path directory = Files.createTempDirectory("guestdata-store-test-");
        Path data = directory.resolve("data");
        return new Backend(Kind.SQLITE, "sqlite:" + data, "jdbc:sqlite:" + data.resolve(Stores.SQLITE_FILE_NAME), directory);
    }

    static Backend postgresql(PostgresServer server) throws SQLException {
        String url = server.url(server.createDatabase());
        return new Backend(Kind.POSTGRESQL, url, url, null);
    }

    Kind kind() {
        return kind;
    }

    /** The URL {@link Stores#open} takes. */
    String url() {
        return url;
    }

    /** Opens a store (closed after the test). */
    Store open() {
        return open(StoreOptions.defaults());
    }

    Store open(StoreOptions options) {
        Store store = Stores.open(url, options);
        synchronized (opened) {
            opened.add(store);
        }
        return store;
    }

    /** A plain JDBC connection to the same database, for looking at tables directly (auto-commit). */
    Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl);
    }

    /** Runs SQL directly on the database. */
    void execute(String sql) throws SQLException {
        try (Connection connection = connect(); var statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    /** The single number a query returns. */
    long count(String sql) throws SQLException {
        try (Connection connection = connect(); var statement = connection.createStatement();
             var rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    @Override
    public void close() throws IOException {
        RuntimeException failure = null;
        synchronized (opened) {
            for (Store store : opened) {
                try {
                    store.close();
                } catch (RuntimeException e) {
                    if (failure == null) {
                        failure = e;
                    } else {
                        failure.addSuppressed(e);
                    }
                }
            }
            opened.clear();
        }
        if (directory != null) {
            try (var paths = Files.walk(directory)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase(java.util.Locale.ROOT);
    }
}
