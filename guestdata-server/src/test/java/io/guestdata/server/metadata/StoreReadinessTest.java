package io.guestdata.server.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.store.StoreException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** /readyz's store check: cached, one at a time, time-bounded; so /readyz cannot be used to hammer the database. */
class StoreReadinessTest {
    @Test
    void manyCallersShareOneCheckAndItsOutcomeIsKept() throws Exception {
        AtomicInteger checks = new AtomicInteger();
        StoreReadiness readiness = new StoreReadiness(() -> {
            checks.incrementAndGet();
            Thread.sleep(100);
            return 1L;
        }, Duration.ofSeconds(1), Duration.ofMillis(500));
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Optional<String>>> answers = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                answers.add(pool.submit(readiness::problem));
            }
            for (Future<Optional<String>> a : answers) {
                assertEquals(Optional.empty(), a.get());
            }
        }
        assertEquals(1, checks.get(), "200 concurrent callers, one check");
        for (int i = 0; i < 50; i++) {
            readiness.problem();
        }
        assertEquals(1, checks.get(), "kept for 500 ms");
        Thread.sleep(600);
        readiness.problem();
        assertEquals(2, checks.get(), "checked again once the outcome is older");
    }

    @Test
    void aFailingStoreIsNotReadyAndSaysWhy() {
        AtomicInteger checks = new AtomicInteger();
        StoreReadiness readiness = new StoreReadiness(() -> {
            checks.incrementAndGet();
            throw new StoreException.DatabaseError("cannot connect to the database: Connection refused", true, null);
        }, Duration.ofSeconds(1), Duration.ofSeconds(1));
        Optional<String> problem = readiness.problem();
        assertEquals(Optional.of("the store cannot be read: cannot connect to the database: Connection refused"),
                problem);
        readiness.problem();
        assertEquals(1, checks.get());
    }

    @Test
    void aHangingStoreIsNotReadyWithinTheTimeoutAndIsNotAskedAgainMeanwhile() throws Exception {
        AtomicInteger checks = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        StoreReadiness readiness = new StoreReadiness(() -> {
            checks.incrementAndGet();
            release.await();
            return 1L;
        }, Duration.ofMillis(300), Duration.ofMillis(100));
        for (int i = 0; i < 3; i++) {
            long start = System.nanoTime();
            Optional<String> problem = readiness.problem();
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(Optional.of("the store did not answer a read within 300 ms"), problem);
            assertTrue(millis < 1000, "answered in " + millis + " ms");
            Thread.sleep(150);
        }
        assertEquals(1, checks.get(), "the hanging check is waited for, not repeated");
        release.countDown();
        for (int i = 0; i < 50 && readiness.problem().isPresent(); i++) {
            Thread.sleep(50);
        }
        assertEquals(Optional.empty(), readiness.problem());
    }
}
