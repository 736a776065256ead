package io.guestdata.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Flyway migrations: from an empty database, idempotent on re-open, safe when several stores start at once. */
class MigrationsTest {

    private static final Set<String> TABLES = Set.of("instances", "instance_versions", "instance_addresses",
            "instance_passwords", "key_pairs", "key_pair_counts", "ec2_instance_ids", "ec2_image_ids",
            "change_counter", "changes", "flyway_schema_history");

    @BackendTest
    void anEmptyDatabaseIsMigratedToTheCurrentSchema(Backend backend) throws Exception {
        backend.open().close();

        assertEquals(TABLES, tables(backend));
        assertEquals(1, backend.count("SELECT COUNT(*) FROM flyway_schema_history WHERE success = " + trueLiteral(backend)
                + " AND version = '1'"));
        assertEquals(0, backend.count("SELECT last_seq FROM change_counter WHERE id = 1"));
    }

    @BackendTest
    void reopeningAppliesNothingAndKeepsEverything(Backend backend) throws Exception {
        UUID uuid;
        try (Store store = backend.open()) {
            uuid = store.instances().create(Documents.instance().bytes()).uuid();
        }
        long history = backend.count("SELECT COUNT(*) FROM flyway_schema_history");
        for (int i = 0; i < 3; i++) {
            try (Store store = backend.open()) {
                assertEquals(1, store.instances().get(uuid).version());
            }
        }
        assertEquals(history, backend.count("SELECT COUNT(*) FROM flyway_schema_history"));
        assertEquals(TABLES, tables(backend));
    }

    @BackendTest
    void storesOpeningAFreshDatabaseAtOnceAllSucceed(Backend backend) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Long>> opened = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            for (int i = 0; i < 4; i++) {
                opened.add(pool.submit(() -> {
                    start.await();
                    return backend.open().lastChangeSequence();
                }));
            }
            start.countDown();
            for (Future<Long> store : opened) {
                assertEquals(0L, store.get());
            }
        }
        assertEquals(1, backend.count("SELECT COUNT(*) FROM flyway_schema_history WHERE version = '1'"));
    }

    @BackendTest
    void anSqliteDatabaseIsPrivateInWalModeAndDurable(Backend backend) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(backend.kind() == Backend.Kind.SQLITE, "SQLite only");
        try (Store store = backend.open()) {
            store.instances().create(Documents.instance().bytes());
            Path file = Path.of(backend.url().substring("sqlite:".length())).resolve(Stores.SQLITE_FILE_NAME);
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
            assertTrue(Files.exists(file.resolveSibling(Stores.SQLITE_FILE_NAME + "-wal")));
            try (Connection connection = backend.connect(); var statement = connection.createStatement();
                 ResultSet mode = statement.executeQuery("PRAGMA journal_mode")) {
                mode.next();
                assertEquals("wal", mode.getString(1), "WAL is a property of the database file");
            }
        }
    }

    private static Set<String> tables(Backend backend) throws Exception {
        Set<String> names = new TreeSet<>();
        String sql = backend.kind() == Backend.Kind.SQLITE
                ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                : "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'";
        try (Connection connection = backend.connect(); var statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            while (rows.next()) {
                names.add(rows.getString(1));
            }
        }
        return names;
    }

    private static String trueLiteral(Backend backend) {
        return backend.kind() == Backend.Kind.SQLITE ? "1" : "true";
    }
}
