package io.guestdata.store.jdbc;

import io.guestdata.store.Change;
import io.guestdata.store.Passwords;
import io.guestdata.store.StoreException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * {@link Passwords} on {@code instance_passwords}. The password is stored as its UTF-8 bytes: a
 * guest may post any text, NUL included, which a PostgreSQL text column could not hold.
 */
final class JdbcPasswords implements Passwords {

    private final Database database;
    private final ChangeLog changes;
    private final Clock clock;

    JdbcPasswords(Database database, ChangeLog changes, Clock clock) {
        this.database = database;
        this.changes = changes;
        this.clock = clock;
    }

    @Override
    public Optional<String> get(UUID instance) {
        Objects.requireNonNull(instance, "instance");
        return database.read(connection -> {
            requireLive(connection, instance);
            return Sql.one(connection, "SELECT password FROM instance_passwords WHERE instance_uuid = ?",
                    row -> new String(row.getBytes(1), StandardCharsets.UTF_8), instance.toString());
        });
    }

    @Override
    public void set(UUID instance, String password) {
        Objects.requireNonNull(instance, "instance");
        Objects.requireNonNull(password, "password");
        database.write(connection -> {
            lockLive(connection, instance);
            String key = instance.toString();
            // Nova answers 409 to a second set before it looks at the new password's size.
            if (Sql.one(connection, "SELECT 1 FROM instance_passwords WHERE instance_uuid = ?", row -> true, key).isPresent()) {
                throw StoreException.Conflict.passwordAlreadySet(instance);
            }
            check(password);
            if (password.isEmpty()) {
                return null; // Nova stores four empty slices, which read back as "no password".
            }
            long now = clock.millis();
            int inserted = Sql.update(connection, "INSERT INTO instance_passwords (instance_uuid, password, set_at)"
                    + " VALUES (?, ?, ?) ON CONFLICT (instance_uuid) DO NOTHING", key, password.getBytes(StandardCharsets.UTF_8), now);
            if (inserted == 0) {
                throw StoreException.Conflict.passwordAlreadySet(instance);
            }
            changes.append(connection, instance, Change.Kind.PASSWORD, currentVersion(connection, key), now);
            return null;
        });
    }

    @Override
    public void clear(UUID instance) {
        Objects.requireNonNull(instance, "instance");
        database.write(connection -> {
            lockLive(connection, instance);
            String key = instance.toString();
            if (Sql.update(connection, "DELETE FROM instance_passwords WHERE instance_uuid = ?", key) > 0) {
                changes.append(connection, instance, Change.Kind.PASSWORD, currentVersion(connection, key), clock.millis());
            }
            return null;
        });
    }

    /**
     * At most {@value Passwords#MAX_LENGTH} characters (Unicode code points, as Python counts the
     * slices Nova stores) of well-formed text: an unpaired surrogate has no UTF-8 form.
     */
    private static void check(String password) {
        int length = password.codePointCount(0, password.length());
        if (length > MAX_LENGTH) {
            throw new StoreException.Invalid("password", "password.length", "Request is too large. The password is "
                    + length + " characters; at most " + MAX_LENGTH + " are stored");
        }
        for (int i = 0; i < password.length(); i++) {
            char c = password.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < password.length() && Character.isLowSurrogate(password.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new StoreException.Invalid("password", "password.text",
                        "the password has an unpaired surrogate at index " + i + "; it is not valid Unicode text");
            }
        }
    }

    private static void requireLive(Connection connection, UUID instance) throws SQLException {
        if (Sql.one(connection, "SELECT 1 FROM instances WHERE uuid = ? AND deleted_at IS NULL", row -> true,
                instance.toString()).isEmpty()) {
            throw new StoreException.NotFound("instance", instance.toString());
        }
    }

    /**
     * {@link #requireLive} for a write: the no-op update takes the instance's row lock (PostgreSQL), so a
     * concurrent delete cannot slip between the check and the password write.
     */
    private static void lockLive(Connection connection, UUID instance) throws SQLException {
        if (Sql.update(connection, "UPDATE instances SET updated_at = updated_at WHERE uuid = ? AND deleted_at IS NULL",
                instance.toString()) == 0) {
            throw new StoreException.NotFound("instance", instance.toString());
        }
    }

    private static long currentVersion(Connection connection, String key) throws SQLException {
        return Sql.one(connection, "SELECT current_version FROM instances WHERE uuid = ?", row -> row.getLong(1), key)
                .orElseThrow(() -> new SQLException("instance " + key + " vanished inside its transaction"));
    }
}
