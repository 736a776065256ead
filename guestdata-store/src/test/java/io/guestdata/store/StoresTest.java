package io.guestdata.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which database a store URL names. */
class StoresTest {

    @TempDir
    Path dir;

    @Test
    void aDirectoryHoldsTheDatabaseFile() throws Exception {
        Path existing = Files.createDirectory(dir.resolve("existing"));
        assertEquals(existing.resolve("guestdata.db"), Stores.sqliteFile(existing.toString(), "url"));
        assertEquals(dir.resolve("new/data/guestdata.db"), Stores.sqliteFile(dir.resolve("new/data").toString(), "url"));
    }

    @Test
    void aFileNameOrAnExistingFileIsTheDatabaseFile() throws Exception {
        assertEquals(dir.resolve("store.db"), Stores.sqliteFile(dir.resolve("store.db").toString(), "url"));
        assertEquals(dir.resolve("x.sqlite3"), Stores.sqliteFile(dir.resolve("x.sqlite3").toString(), "url"));
        Path plain = Files.createFile(dir.resolve("plainfile"));
        assertEquals(plain, Stores.sqliteFile(plain.toString(), "url"));
    }

    @Test
    void everyFormOpensAWorkingStore() throws Exception {
        for (String url : new String[] {"sqlite:" + dir.resolve("a"), dir.resolve("b").toString(),
                "sqlite:" + dir.resolve("c.db"), "jdbc:sqlite:" + dir.resolve("d.db")}) {
            try (Store store = Stores.open(url)) {
                store.instances().create(Documents.instance().bytes());
                assertEquals(1, store.lastChangeSequence(), url);
            }
        }
        assertTrue(Files.exists(dir.resolve("a/guestdata.db")));
        assertTrue(Files.exists(dir.resolve("b/guestdata.db")));
        assertTrue(Files.exists(dir.resolve("c.db")));
        assertTrue(Files.exists(dir.resolve("d.db")));
    }

    /**
     * Regression: a store resolving the URL while another was creating the data directory took the
     * new directory for the database file (SQLITE_CANTOPEN). A race: 20 rounds caught the old code
     * in about half the runs; a stand-alone loop of 150 rounds caught it every time.
     */
    @Test
    void storesOpeningANewDataDirectoryAtOnceAllFindTheSameDatabase() throws Exception {
        for (int round = 0; round < 20; round++) {
            String url = "sqlite:" + dir.resolve("race" + round);
            java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
            java.util.List<java.util.concurrent.Future<Store>> opened = new java.util.ArrayList<>();
            try (java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(6)) {
                for (int i = 0; i < 6; i++) {
                    opened.add(pool.submit(() -> {
                        start.await();
                        Store store = Stores.open(url);
                        store.lastChangeSequence();
                        return store;
                    }));
                }
                start.countDown();
                for (java.util.concurrent.Future<Store> store : opened) {
                    store.get().close();
                }
            }
            assertTrue(Files.isRegularFile(dir.resolve("race" + round).resolve(Stores.SQLITE_FILE_NAME)));
        }
    }

    @Test
    void otherUrlsAreRefused() {
        for (String url : new String[] {"mysql://localhost/x", "postgresql://localhost/x", "sqlite::memory:", "sqlite:", "",
                "sqlite:" + dir + "/x.db?journal_mode=delete"}) {
            assertThrows(IllegalArgumentException.class, () -> Stores.open(url), url);
        }
    }
}
