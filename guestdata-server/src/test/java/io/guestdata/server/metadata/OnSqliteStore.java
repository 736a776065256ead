package io.guestdata.server.metadata;

import io.guestdata.store.Store;
import io.guestdata.store.Stores;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A test on a fresh SQLite store ({@link #store}) in its own folder: what it opens through {@link #opened} is closed
 * after it, last opened first, the store last.
 */
abstract class OnSqliteStore {
    @TempDir
    Path dir;
    Store store;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeEach
    void openStore() {
        store = opened(Stores.open("sqlite:" + dir.resolve("data")));
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closing.reversed()) {
            c.close();
        }
    }

    <T extends AutoCloseable> T opened(T closeable) {
        closing.add(closeable);
        return closeable;
    }

    /** Waits until {@code condition} holds (the change feed applies changes asynchronously), at most 10 s. */
    static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 10 s");
            }
            Thread.sleep(20);
        }
    }
}
