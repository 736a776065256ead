package io.guestdata.store.jdbc;

import io.guestdata.store.Ec2IdMappings;
import io.guestdata.store.StoreException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
    public Map<UUID, Long> instanceIds(Collection<UUID> instances) {
        if (instances.size() > MAX_READ) {
            throw new StoreException.Invalid("instances", "ec2.read.size",
                    "at most " + MAX_READ + " instances are read at once, not " + instances.size());
        }
        if (instances.isEmpty()) {
            return Map.of();
        }
        Object[] keys = instances.stream().map(UUID::toString).toArray();
        String sql = "SELECT instance_uuid, id FROM ec2_instance_ids WHERE instance_uuid IN ("
                + String.join(", ", java.util.Collections.nCopies(keys.length, "?")) + ")";
        List<Map.Entry<UUID, Long>> rows = database.read(connection -> Sql.all(connection, sql,
                row -> Map.entry(UUID.fromString(row.getString(1)), row.getLong(2)), keys));
        Map<UUID, Long> ids = new HashMap<>(rows.size() * 2);
        rows.forEach(row -> ids.put(row.getKey(), row.getValue()));
        return ids;
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
