package io.guestdata.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The change feed: every committed instance change reaches every subscriber on the same database,
 * from this store, another store, or another process, in commit order, within a second.
 */
class ChangeFeedTest {

    /** The bound the feed promises; measured latencies are printed and must stay well under it. */
    private static final Duration PROMISE = Duration.ofSeconds(1);

    @BackendTest
    void aSubscriberSeesEveryKindOfChangeInCommitOrder(Backend backend) throws Exception {
        Store store = backend.open();
        BlockingQueue<Change> changes = new LinkedBlockingQueue<>();
        store.subscribe(changes::add);
        Documents doc = Documents.instance();

        store.instances().create(doc.bytes());
        store.instances().update(doc.uuid(), 1, doc.name("v2").bytes());
        store.passwords().set(doc.uuid(), "secret");
        store.passwords().clear(doc.uuid());
        store.instances().delete(doc.uuid());
        store.keyPairs().create(KeyPairs.DEFAULT_OWNER, "k", "ssh", Keys.ALICE); // not an instance change

        List<Change> received = take(changes, 5);
        assertEquals(List.of(Change.Kind.CREATED, Change.Kind.UPDATED, Change.Kind.PASSWORD, Change.Kind.PASSWORD,
                Change.Kind.DELETED), received.stream().map(Change::kind).toList());
        assertEquals(List.of(1L, 2L, 2L, 2L, 2L), received.stream().map(Change::version).toList());
        assertTrue(received.stream().allMatch(c -> c.instance().equals(doc.uuid())));
        for (int i = 1; i < received.size(); i++) {
            assertEquals(received.get(i - 1).sequence() + 1, received.get(i).sequence());
        }
        assertEquals(received.getLast().sequence(), store.lastChangeSequence());
        assertEquals(null, changes.poll(300, TimeUnit.MILLISECONDS), "nothing else");
    }

    @BackendTest
    void aWriteThroughOneStoreReachesAnotherStoresSubscriberWithinASecond(Backend backend) throws Exception {
        Store writer = backend.open();
        Store reader = backend.open();
        Map<UUID, Long> arrivals = new ConcurrentHashMap<>();
        BlockingQueue<Change> changes = new LinkedBlockingQueue<>();
        reader.subscribe(change -> {
            arrivals.put(change.instance(), System.nanoTime());
            changes.add(change);
        });
        Documents doc = Documents.instance();
        writer.instances().create(doc.bytes());
        take(changes, 1);

        List<Duration> latencies = new ArrayList<>();
        List<Duration> afterCommit = new ArrayList<>();
        java.util.Random random = new java.util.Random(7);
        for (int round = 0; round < 20; round++) {
            Documents next = Documents.instance();
            long before = System.nanoTime();
            writer.instances().create(next.bytes());
            long committed = System.nanoTime();
            Change change = changes.poll(5, TimeUnit.SECONDS);
            assertNotNull(change, "round " + round + ": no change within 5 s");
            assertEquals(next.uuid(), change.instance());
            latencies.add(Duration.ofNanos(arrivals.get(next.uuid()) - before));
            afterCommit.add(Duration.ofNanos(Math.max(0, arrivals.get(next.uuid()) - committed)));
            Thread.sleep(random.nextInt(250)); // land at random points of the SQLite poll cycle
        }
        report(backend + ", two stores in one JVM, from the write call", latencies);
        report(backend + ", two stores in one JVM, from the write's return", afterCommit);
    }

    @BackendTest
    void aWriteByAnotherProcessReachesThisProcessWithinASecond(Backend backend) throws Exception {
        Store reader = backend.open();
        Map<UUID, Instant> arrivals = new ConcurrentHashMap<>();
        AtomicInteger count = new AtomicInteger();
        reader.subscribe(change -> {
            arrivals.put(change.instance(), Instant.now());
            count.incrementAndGet();
        });
        int writes = 10;
        Process writer = ChildJvm.start(StoreWriterMain.class, "creates", backend.url(), Integer.toString(writes));
        Map<UUID, Instant> written = new java.util.HashMap<>();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8))) {
            assertEquals("ready", lines.readLine());
            for (int i = 0; i < writes; i++) {
                String[] fields = lines.readLine().split(" ");
                long micros = Long.parseLong(fields[2]);
                written.put(UUID.fromString(fields[1]), Instant.ofEpochSecond(micros / 1_000_000, micros % 1_000_000 * 1000));
            }
            assertTrue(writer.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, writer.exitValue());
        } finally {
            writer.destroyForcibly();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (count.get() < writes && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(written.keySet(), arrivals.keySet());
        List<Duration> latencies = new ArrayList<>();
        written.forEach((uuid, at) -> latencies.add(Duration.between(at, arrivals.get(uuid))));
        report(backend + ", writer in another JVM", latencies);
    }

    @BackendTest
    void aSubscriptionCanStartFromAnEarlierSequence(Backend backend) throws Exception {
        Store store = backend.open();
        long start = store.lastChangeSequence();
        List<UUID> created = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            created.add(store.instances().create(Documents.instance().bytes()).uuid());
        }
        BlockingQueue<Change> replayed = new LinkedBlockingQueue<>();
        store.subscribe(start + 1, replayed::add);
        assertEquals(created.subList(1, 3), take(replayed, 2).stream().map(Change::instance).toList());

        BlockingQueue<Change> fromNow = new LinkedBlockingQueue<>();
        store.subscribe(fromNow::add);
        assertEquals(null, fromNow.poll(300, TimeUnit.MILLISECONDS), "subscribe() starts after the newest change");
    }

    @BackendTest
    void aThrowingListenerKeepsGettingChangesAndAClosedOneGetsNoMore(Backend backend) throws Exception {
        Store store = backend.open();
        BlockingQueue<Throwable> uncaught = new LinkedBlockingQueue<>();
        BlockingQueue<Change> closed = new LinkedBlockingQueue<>();
        store.subscribe(change -> {
            Thread.currentThread().setUncaughtExceptionHandler((thread, e) -> uncaught.add(e));
            throw new IllegalStateException("listener bug " + change.sequence());
        });
        Subscription subscription = store.subscribe(closed::add);

        store.instances().create(Documents.instance().bytes());
        assertEquals("listener bug 1", uncaught.poll(5, TimeUnit.SECONDS).getMessage());
        take(closed, 1);
        subscription.close();
        store.instances().create(Documents.instance().bytes());

        assertEquals("listener bug 2", uncaught.poll(5, TimeUnit.SECONDS).getMessage());
        assertEquals(null, closed.poll(300, TimeUnit.MILLISECONDS));
    }

    @BackendTest
    void afterThePostgresqlConnectionsAreKilledWritesRetryAndTheFeedCatchesUp(Backend backend) throws Exception {
        assumeTrue(backend.kind() == Backend.Kind.POSTGRESQL, "PostgreSQL only: SQLite has no connection to lose");
        Store store = backend.open();
        BlockingQueue<Change> changes = new LinkedBlockingQueue<>();
        store.subscribe(changes::add);
        store.instances().create(Documents.instance().bytes());
        take(changes, 1);

        long killed = backend.count("SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity"
                + " WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'");
        assertTrue(killed >= 2, "the pool's and the feed's connections, killed " + killed);

        // The pooled connection is dead; the write notices before its COMMIT and runs again on a new one.
        Documents doc = Documents.instance();
        store.instances().create(doc.bytes());
        assertEquals(doc.uuid(), changes.poll(10, TimeUnit.SECONDS).instance(), "the feed reconnected and caught up");
        assertEquals(1, store.instances().get(doc.uuid()).version());
    }

    static List<Change> take(BlockingQueue<Change> queue, int count) throws InterruptedException {
        List<Change> taken = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Change change = queue.poll(5, TimeUnit.SECONDS);
            assertNotNull(change, "change " + (i + 1) + " of " + count + " did not arrive within 5 s");
            taken.add(change);
        }
        return taken;
    }

    private static void report(String what, List<Duration> latencies) {
        List<Duration> sorted = latencies.stream().sorted().toList();
        Duration median = sorted.get(sorted.size() / 2);
        Duration max = sorted.getLast();
        System.out.printf("change feed latency (%s): median %.1f ms, max %.1f ms over %d changes%n", what,
                median.toNanos() / 1e6, max.toNanos() / 1e6, sorted.size());
        assertTrue(max.compareTo(PROMISE) < 0, what + ": a change took " + max.toMillis() + " ms");
    }
}
