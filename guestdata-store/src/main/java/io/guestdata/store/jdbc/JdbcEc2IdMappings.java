package io.guestdata.store.jdbc;

import io.guestdata.store.Ec2IdMappings;
import io.guestdata.store.StoreException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import java.util.UUID;

/**
 * {@link Ec2IdMappings} on {@code ec2_instance_ids} and {@code ec2_image_ids}. Allocation is
 * {@code INSERT … ON CONFLICT DO NOTHING} followed by a read: when two stores allocate for the same
 * key at once, the database lets one insert win and the other reads the winner's id. Ids come from
 * identity columns (PostgreSQL) and AUTOINCREMENT keys (SQLite), neither of which hands out a
 * number twice.
 */
final class JdbcEc2IdMappings implements Ec2IdMappings {

    static final int MAX_IMAGE_REFERENCE_LENGTH = 255;

    private final Database database;

    JdbcEc2IdMappings(Database database) {
        this.database = database;
    }

    @Override
    public long instanceId(UUID instance) {
        String key = instance.toString();
        return database.read(connection -> findInstance(connection, key))
                .orElseGet(() -> database.write(connection -> allocateInstance(connection, instance)));
    }

    @Override
    public long imageId(String imageReference) {
        checkImageReference(imageReference);
        return database.read(connection -> findImage(connection, imageReference))
                .orElseGet(() -> database.write(connection -> allocateImage(connection, imageReference)));
    }

    static long allocateInstance(Connection connection, UUID instance) throws SQLException {
        String key = instance.toString();
        Sql.update(connection, "INSERT INTO ec2_instance_ids (instance_uuid) VALUES (?) ON CONFLICT (instance_uuid) DO NOTHING",
                key);
        return findInstance(connection, key).orElseThrow(() -> new SQLException("ec2 id of " + key + " vanished"));
    }

    static long allocateImage(Connection connection, String imageReference) throws SQLException {
        Sql.update(connection, "INSERT INTO ec2_image_ids (image_ref) VALUES (?) ON CONFLICT (image_ref) DO NOTHING",
                imageReference);
        return findImage(connection, imageReference)
                .orElseThrow(() -> new SQLException("ec2 id of image " + imageReference + " vanished"));
    }

    private static Optional<Long> findInstance(Connection connection, String key) throws SQLException {
        return Sql.one(connection, "SELECT id FROM ec2_instance_ids WHERE instance_uuid = ?", row -> row.getLong(1), key);
    }

    private static Optional<Long> findImage(Connection connection, String reference) throws SQLException {
        return Sql.one(connection, "SELECT id FROM ec2_image_ids WHERE image_ref = ?", row -> row.getLong(1), reference);
    }

    private static void checkImageReference(String reference) {
        if (reference == null || reference.isEmpty()
                || reference.codePointCount(0, reference.length()) > MAX_IMAGE_REFERENCE_LENGTH
                || reference.indexOf('\0') >= 0) {
            throw new StoreException.Invalid("image_ref", "ec2.image_ref",
                    "an image reference is 1 to " + MAX_IMAGE_REFERENCE_LENGTH + " characters without NUL");
        }
    }
}
