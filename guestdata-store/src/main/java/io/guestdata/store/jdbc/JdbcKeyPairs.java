package io.guestdata.store.jdbc;

import io.guestdata.core.KeyPair;
import io.guestdata.core.document.KeyPairResolver;
import io.guestdata.store.KeyPairs;
import io.guestdata.store.StoreException;
import io.guestdata.store.StoredKeyPair;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** {@link KeyPairs} on the {@code key_pairs} and {@code key_pair_counts} tables. */
final class JdbcKeyPairs implements KeyPairs {

    private static final String COLUMNS = "owner, name, type, public_key, fingerprint, created_at";

    private final Database database;
    private final int quota;
    private final Clock clock;

    JdbcKeyPairs(Database database, int quota, Clock clock) {
        this.database = database;
        this.quota = quota;
        this.clock = clock;
    }

    @Override
    public StoredKeyPair create(String owner, String name, String type, String publicKey) {
        KeyPairRules.checkOwner(owner);
        KeyPair pair = KeyPairRules.check(name, type, publicKey);
        long now = clock.millis();
        return database.write(connection -> {
            // Nova checks the quota before it tries the insert, so a duplicate name at the quota is 403, not 409.
            Sql.update(connection, "INSERT INTO key_pair_counts (owner, pairs) VALUES (?, 0) ON CONFLICT (owner) DO NOTHING",
                    owner);
            int counted = quota < 0
                    ? Sql.update(connection, "UPDATE key_pair_counts SET pairs = pairs + 1 WHERE owner = ?", owner)
                    : Sql.update(connection, "UPDATE key_pair_counts SET pairs = pairs + 1 WHERE owner = ? AND pairs < ?",
                            owner, quota);
            if (counted == 0) {
                throw new StoreException.QuotaExceeded("key_pairs", quota, "Quota exceeded, too many key pairs.");
            }
            int inserted = Sql.update(connection, "INSERT INTO key_pairs (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?) "
                            + "ON CONFLICT (owner, name) DO NOTHING",
                    owner, pair.name(), pair.type(), pair.publicKey(), pair.fingerprint(), now);
            if (inserted == 0) {
                throw StoreException.Conflict.keyPairExists(pair.name());
            }
            return new StoredKeyPair(owner, pair, Instant.ofEpochMilli(now));
        });
    }

    @Override
    public StoredKeyPair get(String owner, String name) {
        KeyPairRules.checkOwner(owner);
        return database.read(connection -> find(connection, owner, name))
                .orElseThrow(() -> new StoreException.NotFound("key pair", name));
    }

    @Override
    public List<StoredKeyPair> list(String owner) {
        KeyPairRules.checkOwner(owner);
        List<StoredKeyPair> pairs = database.read(connection -> Sql.all(connection,
                "SELECT " + COLUMNS + " FROM key_pairs WHERE owner = ?", JdbcKeyPairs::read, owner));
        // Code point order whatever the database's collation.
        return pairs.stream().sorted((a, b) -> a.name().compareTo(b.name())).toList();
    }

    @Override
    public void delete(String owner, String name) {
        KeyPairRules.checkOwner(owner);
        database.write(connection -> {
            if (Sql.update(connection, "DELETE FROM key_pairs WHERE owner = ? AND name = ?", owner, name) == 0) {
                throw new StoreException.NotFound("key pair", name);
            }
            Sql.update(connection, "UPDATE key_pair_counts SET pairs = pairs - 1 WHERE owner = ?", owner);
            return null;
        });
    }

    @Override
    public KeyPairResolver resolver(String owner) {
        KeyPairRules.checkOwner(owner);
        return name -> database.read(connection -> find(connection, owner, name)).map(StoredKeyPair::keyPair);
    }

    /** A resolver reading inside the caller's transaction (instance writes). */
    static KeyPairResolver resolver(Connection connection, String owner) {
        return name -> {
            try {
                return find(connection, owner, name).map(StoredKeyPair::keyPair);
            } catch (SQLException e) {
                throw new UncheckedSqlException(e);
            }
        };
    }

    private static Optional<StoredKeyPair> find(Connection connection, String owner, String name) throws SQLException {
        return Sql.one(connection, "SELECT " + COLUMNS + " FROM key_pairs WHERE owner = ? AND name = ?",
                JdbcKeyPairs::read, owner, name);
    }

    private static StoredKeyPair read(ResultSet row) throws SQLException {
        return new StoredKeyPair(row.getString(1),
                new KeyPair(row.getString(2), row.getString(3), row.getString(4), row.getString(5)),
                Instant.ofEpochMilli(row.getLong(6)));
    }
}
