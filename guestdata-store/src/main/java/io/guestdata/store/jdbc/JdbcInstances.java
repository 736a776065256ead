package io.guestdata.store.jdbc;

import io.guestdata.core.Instance;
import io.guestdata.core.KeyPair;
import io.guestdata.core.document.KeyPairResolver;
import io.guestdata.store.Change;
import io.guestdata.store.InstanceVersion;
import io.guestdata.store.Instances;
import io.guestdata.store.Page;
import io.guestdata.store.PageRequest;
import io.guestdata.store.StoreException;
import io.guestdata.store.StoredInstance;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * {@link Instances} on {@code instances}, {@code instance_versions} and {@code instance_addresses}.
 * Every write is one transaction that also allocates the EC2 ids and appends to the change log, so
 * a reader never sees an instance without its version, addresses or change.
 */
final class JdbcInstances implements Instances {

    /** The current version's columns, joined: {@code i} is the instance, {@code v} the version. */
    private static final String VERSION_COLUMNS = "i.uuid, i.seq, i.created_at, v.version, v.created_at, v.document, "
            + "v.key_name, v.key_type, v.key_public_key, v.key_fingerprint";
    private static final String CURSOR_PREFIX = "seq:";

    private final Database database;
    private final DocumentParsing parsing;
    private final ChangeLog changes;
    private final Clock clock;

    JdbcInstances(Database database, DocumentParsing parsing, ChangeLog changes, Clock clock) {
        this.database = database;
        this.parsing = parsing;
        this.changes = changes;
        this.clock = clock;
    }

    /** A version as read, before its document is parsed (parsing happens outside the transaction). */
    private record StoredRow(UUID uuid, long seq, long createdAt, long version, long versionCreatedAt, byte[] document,
                             Optional<KeyPair> keptKeyPair) {
    }

    @Override
    public StoredInstance create(byte[] document, String keyOwner) {
        byte[] bytes = Objects.requireNonNull(document, "document").clone();
        KeyPairRules.checkOwner(keyOwner);
        return database.write(connection -> {
            StoredInstance created = insertNew(connection, bytes, keyOwner, clock.millis());
            changes.append(connection, created.uuid(), Change.Kind.CREATED, 1, created.createdAt().toEpochMilli());
            return created;
        });
    }

    @Override
    public List<StoredInstance> createAll(List<byte[]> documents, String keyOwner) {
        Objects.requireNonNull(documents, "documents");
        if (documents.size() > Instances.MAX_BATCH) {
            throw new StoreException.Invalid("documents", "batch.size",
                    "a batch holds at most " + Instances.MAX_BATCH + " documents, not " + documents.size());
        }
        List<byte[]> copies = new ArrayList<>(documents.size());
        for (byte[] document : documents) {
            copies.add(Objects.requireNonNull(document, "document").clone());
        }
        KeyPairRules.checkOwner(keyOwner);
        if (copies.isEmpty()) {
            return List.of();
        }
        return database.write(connection -> {
            long now = clock.millis();
            List<StoredInstance> created = new ArrayList<>(copies.size());
            for (int i = 0; i < copies.size(); i++) {
                try {
                    created.add(insertNew(connection, copies.get(i), keyOwner, now));
                } catch (StoreException e) {
                    throw e.inBatch(i, copies.size());
                }
            }
            // The changes last, as a single create appends its change last: on PostgreSQL the change counter's
            // row lock then serializes the other writers only from here to the commit.
            for (StoredInstance instance : created) {
                changes.append(connection, instance.uuid(), Change.Kind.CREATED, 1, now);
            }
            return List.copyOf(created);
        });
    }

    /**
     * Version 1 of a new instance, inside the caller's transaction: parsed with the store's limits, its row,
     * version, fixed addresses and EC2 ids; the caller appends the change.
     */
    private StoredInstance insertNew(Connection connection, byte[] bytes, String keyOwner, long now)
            throws SQLException {
        Instance instance = parsing.parseNew(bytes, JdbcKeyPairs.resolver(connection, keyOwner));
        checkStorable(instance);
        String uuid = instance.uuid().toString();
        int inserted = Sql.update(connection, "INSERT INTO instances (uuid, project_id, current_version, created_at, "
                        + "updated_at) VALUES (?, ?, 1, ?, ?) ON CONFLICT (uuid) DO NOTHING",
                uuid, Sql.text(instance.projectId()), now, now);
        if (inserted == 0) {
            throw existing(connection, instance.uuid());
        }
        insertVersion(connection, instance, 1, bytes, now);
        assignAddresses(connection, instance);
        allocateEc2Ids(connection, instance);
        return new StoredInstance(instance.uuid(), 1, Instant.ofEpochMilli(now), Instant.ofEpochMilli(now), bytes,
                instance);
    }

    @Override
    public StoredInstance get(UUID uuid) {
        return parsed(database.read(connection -> Sql.one(connection, "SELECT " + VERSION_COLUMNS
                        + " FROM instances i JOIN instance_versions v ON v.instance_uuid = i.uuid AND v.version = i.current_version"
                        + " WHERE i.uuid = ? AND i.deleted_at IS NULL", JdbcInstances::row, uuid.toString()))
                .orElseThrow(() -> notFound(uuid)));
    }

    @Override
    public StoredInstance get(UUID uuid, long version) {
        return parsed(database.read(connection -> Sql.one(connection, "SELECT " + VERSION_COLUMNS
                        + " FROM instances i JOIN instance_versions v ON v.instance_uuid = i.uuid AND v.version = ?"
                        + " WHERE i.uuid = ? AND i.deleted_at IS NULL", JdbcInstances::row, version, uuid.toString()))
                .orElseThrow(() -> new StoreException.NotFound("instance version", uuid + " version " + version)));
    }

    @Override
    public List<InstanceVersion> versions(UUID uuid) {
        List<InstanceVersion> versions = database.read(connection -> Sql.all(connection,
                "SELECT v.version, v.created_at FROM instances i JOIN instance_versions v ON v.instance_uuid = i.uuid"
                        + " WHERE i.uuid = ? AND i.deleted_at IS NULL ORDER BY v.version",
                row -> new InstanceVersion(row.getLong(1), Instant.ofEpochMilli(row.getLong(2))), uuid.toString()));
        if (versions.isEmpty()) {
            throw notFound(uuid);
        }
        return versions;
    }

    @Override
    public StoredInstance update(UUID uuid, long expectedVersion, byte[] document, String keyOwner) {
        Objects.requireNonNull(uuid, "uuid");
        byte[] bytes = Objects.requireNonNull(document, "document").clone();
        KeyPairRules.checkOwner(keyOwner);
        return database.write(connection -> {
            String key = uuid.toString();
            long now = clock.millis();
            long version = expectedVersion + 1;
            // Takes the instance's row lock (PostgreSQL) before anything is read: a concurrent update waits
            // here and then finds the version moved on.
            long createdAt = Sql.one(connection, "UPDATE instances SET current_version = ?, updated_at = ?"
                            + " WHERE uuid = ? AND current_version = ? AND deleted_at IS NULL RETURNING created_at",
                            row -> row.getLong(1), version, now, key, expectedVersion)
                    .orElseThrow(() -> versionProblem(connection, uuid, expectedVersion));
            Optional<KeyPair> previous = keptKeyPair(connection, key, expectedVersion);
            KeyPairResolver live = JdbcKeyPairs.resolver(connection, keyOwner);
            KeyPairResolver resolver = name -> live.find(name).or(() -> previous.filter(p -> p.name().equals(name)));
            Instance instance = parsing.parseNew(bytes, resolver);
            if (!instance.uuid().equals(uuid)) {
                throw new StoreException.Invalid("/uuid", "instance.uuid.mismatch", "the document's uuid "
                        + instance.uuid() + " is not the uuid of the instance being updated, " + uuid);
            }
            checkStorable(instance);
            Sql.update(connection, "UPDATE instances SET project_id = ? WHERE uuid = ?", Sql.text(instance.projectId()), key);
            insertVersion(connection, instance, version, bytes, now);
            Sql.update(connection, "DELETE FROM instance_addresses WHERE instance_uuid = ?", key);
            assignAddresses(connection, instance);
            allocateEc2Ids(connection, instance);
            changes.append(connection, uuid, Change.Kind.UPDATED, version, now);
            return new StoredInstance(uuid, version, Instant.ofEpochMilli(createdAt), Instant.ofEpochMilli(now), bytes,
                    instance);
        });
    }

    @Override
    public void delete(UUID uuid) {
        delete(uuid, OptionalLong.empty());
    }

    @Override
    public void delete(UUID uuid, long expectedVersion) {
        delete(uuid, OptionalLong.of(expectedVersion));
    }

    private void delete(UUID uuid, OptionalLong expectedVersion) {
        Objects.requireNonNull(uuid, "uuid");
        database.write(connection -> {
            String key = uuid.toString();
            long now = clock.millis();
            Optional<Long> version = expectedVersion.isPresent()
                    ? Sql.one(connection, "UPDATE instances SET deleted_at = ?, updated_at = ? WHERE uuid = ?"
                            + " AND deleted_at IS NULL AND current_version = ? RETURNING current_version",
                    row -> row.getLong(1), now, now, key, expectedVersion.getAsLong())
                    : Sql.one(connection, "UPDATE instances SET deleted_at = ?, updated_at = ? WHERE uuid = ?"
                            + " AND deleted_at IS NULL RETURNING current_version", row -> row.getLong(1), now, now, key);
            if (version.isEmpty()) {
                throw expectedVersion.isPresent()
                        ? versionProblem(connection, uuid, expectedVersion.getAsLong())
                        : notFound(uuid);
            }
            Sql.update(connection, "DELETE FROM instance_addresses WHERE instance_uuid = ?", key);
            Sql.update(connection, "DELETE FROM instance_passwords WHERE instance_uuid = ?", key);
            changes.append(connection, uuid, Change.Kind.DELETED, version.get(), now);
            return null;
        });
    }

    @Override
    public Page<StoredInstance> list(PageRequest request) {
        if (request.limit() < 1 || request.limit() > PageRequest.MAX_LIMIT) {
            throw new StoreException.Invalid("limit", "page.limit",
                    "a page holds 1 to " + PageRequest.MAX_LIMIT + " instances, not " + request.limit());
        }
        long after = request.cursor().map(JdbcInstances::decodeCursor).orElse(0L);
        String sql = "SELECT " + VERSION_COLUMNS
                + " FROM instances i JOIN instance_versions v ON v.instance_uuid = i.uuid AND v.version = i.current_version"
                + " WHERE i.deleted_at IS NULL AND i.seq > ?" + (request.projectId().isPresent() ? " AND i.project_id = ?" : "")
                + " ORDER BY i.seq LIMIT ?";
        Object[] parameters = request.projectId().isPresent()
                ? new Object[] {after, request.projectId().get(), request.limit() + 1}
                : new Object[] {after, request.limit() + 1};
        List<StoredRow> rows = database.read(connection -> Sql.all(connection, sql, JdbcInstances::row, parameters));
        boolean more = rows.size() > request.limit();
        List<StoredRow> page = more ? rows.subList(0, request.limit()) : rows;
        List<StoredInstance> items = new ArrayList<>(page.size());
        for (StoredRow row : page) {
            items.add(parsed(row));
        }
        return new Page<>(items, more ? Optional.of(encodeCursor(page.getLast().seq())) : Optional.empty());
    }

    @Override
    public Optional<StoredInstance> findByAddress(String address) {
        String key = FixedAddresses.lookupKey(Objects.requireNonNull(address, "address"));
        return database.read(connection -> Sql.one(connection, "SELECT " + VERSION_COLUMNS
                        + " FROM instance_addresses a JOIN instances i ON i.uuid = a.instance_uuid"
                        + " JOIN instance_versions v ON v.instance_uuid = i.uuid AND v.version = i.current_version"
                        + " WHERE a.address = ? AND i.deleted_at IS NULL", JdbcInstances::row, key))
                .map(this::parsed);
    }

    @Override
    public int purgeDeleted(Instant deletedBefore) {
        long before = deletedBefore.toEpochMilli();
        return database.write(connection -> Sql.update(connection,
                "DELETE FROM instances WHERE deleted_at IS NOT NULL AND deleted_at < ?", before));
    }

    private StoredInstance parsed(StoredRow row) {
        Instance instance = parsing.parseStored(row.uuid(), row.version(), row.document(), row.keptKeyPair());
        return new StoredInstance(row.uuid(), row.version(), Instant.ofEpochMilli(row.createdAt()),
                Instant.ofEpochMilli(row.versionCreatedAt()), row.document(), instance);
    }

    private static StoredRow row(ResultSet row) throws SQLException {
        Optional<KeyPair> kept = Optional.ofNullable(row.getString(7)).map(name -> {
            try {
                return new KeyPair(name, row.getString(8), row.getString(9), row.getString(10));
            } catch (SQLException e) {
                throw new UncheckedSqlException(e);
            }
        });
        return new StoredRow(UUID.fromString(row.getString(1)), row.getLong(2), row.getLong(3), row.getLong(4),
                row.getLong(5), row.getBytes(6), kept);
    }

    /**
     * The key pair {@code key_name} resolved to, kept with the version: Nova copies it into the
     * instance at create, so deleting or replacing the key pair later changes no stored version.
     */
    private static void insertVersion(Connection connection, Instance instance, long version, byte[] document, long now)
            throws SQLException {
        Optional<KeyPair> named = StoredInstance.keptKeyPair(instance);
        Sql.update(connection, "INSERT INTO instance_versions (instance_uuid, version, document, key_name, key_type,"
                        + " key_public_key, key_fingerprint, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                instance.uuid().toString(), version, document,
                Sql.text(named.map(KeyPair::name)), Sql.text(named.map(KeyPair::type)),
                Sql.text(named.map(KeyPair::publicKey)), Sql.text(named.map(KeyPair::fingerprint)), now);
    }

    private static Optional<KeyPair> keptKeyPair(Connection connection, String uuid, long version) throws SQLException {
        return Sql.one(connection, "SELECT key_name, key_type, key_public_key, key_fingerprint FROM instance_versions"
                        + " WHERE instance_uuid = ? AND version = ? AND key_name IS NOT NULL",
                row -> new KeyPair(row.getString(1), row.getString(2), row.getString(3), row.getString(4)),
                uuid, version);
    }

    /**
     * Gives the instance its fixed addresses, in sorted order (two transactions taking overlapping
     * addresses take them in the same order and cannot deadlock). An address another instance
     * holds is a conflict naming that instance; on PostgreSQL a concurrent transaction inserting the
     * same address makes this insert wait for its outcome.
     */
    private static void assignAddresses(Connection connection, Instance instance) throws SQLException {
        String uuid = instance.uuid().toString();
        for (String address : FixedAddresses.of(instance)) {
            int inserted = Sql.update(connection, "INSERT INTO instance_addresses (address, instance_uuid) VALUES (?, ?)"
                    + " ON CONFLICT (address) DO NOTHING", address, uuid);
            if (inserted == 0) {
                UUID owner = Sql.one(connection, "SELECT instance_uuid FROM instance_addresses WHERE address = ?",
                                row -> UUID.fromString(row.getString(1)), address)
                        .orElseThrow(() -> new SQLException("address " + address + " conflicted but has no owner"));
                throw StoreException.Conflict.addressInUse(address, owner);
            }
        }
    }

    private static void allocateEc2Ids(Connection connection, Instance instance) throws SQLException {
        JdbcEc2IdMappings.allocateInstance(connection, instance.uuid());
        for (Optional<String> image : List.of(instance.imageId(), instance.kernelId(), instance.ramdiskId())) {
            if (image.isPresent()) {
                JdbcEc2IdMappings.allocateImage(connection, image.get());
            }
        }
    }

    /**
     * Values the store keeps in text columns must be storable in both databases: PostgreSQL text
     * cannot hold NUL, which a JSON string can (as the escape backslash-u-0000).
     */
    private static void checkStorable(Instance instance) {
        Map<String, Optional<String>> columns = Map.of("/project_id", instance.projectId(), "/image_id", instance.imageId(),
                "/kernel_id", instance.kernelId(), "/ramdisk_id", instance.ramdiskId());
        columns.forEach((pointer, value) -> {
            if (value.isPresent() && value.get().indexOf('\0') >= 0) {
                throw new StoreException.Invalid(pointer, "store.text.nul",
                        "must not contain the NUL character (U+0000)");
            }
        });
    }

    private static StoreException existing(Connection connection, UUID uuid) throws SQLException {
        boolean deleted = Sql.one(connection, "SELECT deleted_at FROM instances WHERE uuid = ?",
                row -> row.getObject(1) != null, uuid.toString()).orElse(false);
        return deleted ? StoreException.Conflict.instanceDeleted(uuid) : StoreException.Conflict.instanceExists(uuid);
    }

    private static StoreException versionProblem(Connection connection, UUID uuid, long expected) {
        try {
            Optional<Long> current = Sql.one(connection, "SELECT current_version FROM instances WHERE uuid = ?"
                    + " AND deleted_at IS NULL", row -> row.getLong(1), uuid.toString());
            return current.<StoreException>map(v -> StoreException.Conflict.versionMismatch(uuid, expected, v))
                    .orElseGet(() -> notFound(uuid));
        } catch (SQLException e) {
            throw new UncheckedSqlException(e);
        }
    }

    private static StoreException.NotFound notFound(UUID uuid) {
        return new StoreException.NotFound("instance", uuid.toString());
    }

    private static String encodeCursor(long seq) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((CURSOR_PREFIX + seq).getBytes(StandardCharsets.US_ASCII));
    }

    private static long decodeCursor(String cursor) {
        try {
            String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.US_ASCII);
            if (text.startsWith(CURSOR_PREFIX)) {
                long seq = Long.parseLong(text.substring(CURSOR_PREFIX.length()));
                if (seq >= 0) {
                    return seq;
                }
            }
        } catch (IllegalArgumentException e) {
            // Falls through to the refusal below: the text is not a cursor this store issued.
        }
        throw new StoreException.Invalid("cursor", "page.cursor", "'" + (cursor.length() > 40 ? cursor.substring(0, 40)
                + "..." : cursor) + "' is not a cursor from a previous page");
    }
}
