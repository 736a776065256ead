package io.guestdata.store;

import io.guestdata.store.jdbc.JdbcStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Opens a store from a URL, creating or migrating its schema first:
 * <ul>
 *   <li>{@code sqlite:/var/lib/guestdata} or a plain path ({@code /var/lib/guestdata}, or relative to
 *       the working directory): a data directory; the database is the file {@value #SQLITE_FILE_NAME}
 *       in it. The directory is created when missing;</li>
 *   <li>{@code sqlite:/var/lib/guestdata/store.db} (or {@code jdbc:sqlite:…}): that database file.
 *       A path names a file when it is an existing file, or does not exist and ends in {@code .db},
 *       {@code .sqlite} or {@code .sqlite3};</li>
 *   <li>{@code jdbc:postgresql://host:5432/guestdata?user=…&password=…}: a PostgreSQL database
 *       (9.5 or later), given to the PostgreSQL JDBC driver as it is, so every driver parameter
 *       works ({@code sslmode}, {@code currentSchema}, a {@code .pgpass} file…).</li>
 * </ul>
 */
public final class Stores {

    /** The database file's name inside a data directory. */
    public static final String SQLITE_FILE_NAME = "guestdata.db";
    /** An RFC 3986 scheme: what tells a URL from a path. */
    private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*:");

    private Stores() {
    }

    /** {@link #open(String, StoreOptions)} with {@link StoreOptions#defaults()}. */
    public static Store open(String url) {
        return open(url, StoreOptions.defaults());
    }

    /**
     * @throws IllegalArgumentException the URL is not one of the forms above
     * @throws StoreException.DatabaseError the database cannot be opened or migrated
     */
    public static Store open(String url, StoreOptions options) {
        if (url.startsWith("jdbc:postgresql:")) {
            return JdbcStore.openPostgresql(url, options);
        }
        if (url.startsWith("jdbc:sqlite:")) {
            return JdbcStore.openSqlite(sqliteFile(url.substring("jdbc:sqlite:".length()), url), options);
        }
        if (url.startsWith("sqlite:")) {
            return JdbcStore.openSqlite(sqliteFile(url.substring("sqlite:".length()), url), options);
        }
        if (!url.isEmpty() && !SCHEME.matcher(url).lookingAt()) {
            return JdbcStore.openSqlite(sqliteFile(url, url), options);
        }
        throw new IllegalArgumentException("unsupported store URL '" + url + "': expected sqlite:/path/to/dir-or-file, "
                + "a data directory path, or jdbc:postgresql://host:port/database");
    }

    /** The SQLite database file a path stands for (see the class comment). */
    static Path sqliteFile(String pathText, String url) {
        if (pathText.isEmpty() || pathText.startsWith(":memory:") || pathText.contains("?")) {
            throw new IllegalArgumentException("'" + url + "' does not name a database file or data directory "
                    + "(in-memory databases and URL parameters are not supported: the store sets its own)");
        }
        Path path = Path.of(pathText).toAbsolutePath().normalize();
        // Only "is a file" is tested for existence: another store opening the same data directory at this
        // moment may be creating it, and a directory that appears between two checks must not be taken
        // for the database file.
        if (Files.isRegularFile(path) || (namesFile(path) && !Files.exists(path))) {
            return path;
        }
        return path.resolve(SQLITE_FILE_NAME);
    }

    private static boolean namesFile(Path path) {
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".db") || name.endsWith(".sqlite") || name.endsWith(".sqlite3");
    }
}
