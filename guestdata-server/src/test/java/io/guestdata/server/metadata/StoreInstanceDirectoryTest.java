package io.guestdata.server.metadata;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.core.metadata.LookupResult;
import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.core.metadata.MetadataTree;
import io.guestdata.server.metadata.dev.InMemoryPasswordStore;
import io.guestdata.store.Documents;
import io.guestdata.store.Store;
import io.guestdata.store.StoreException;
import io.guestdata.store.Stores;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The store-backed directory on a real SQLite store: an index of every instance, trees built on demand into a
 * bounded cache, changes from another store applied through the change feed, store failures on a miss.
 */
class StoreInstanceDirectoryTest extends OnSqliteStore {
    private static final MetadataOptions OPTIONS = MetadataOptions.defaults();
    private static final List<String> STABLE_PATHS = List.of("/openstack/latest/network_data.json",
            "/latest/meta-data/instance-id", "/latest/meta-data/ami-id", "/latest/meta-data/local-ipv4",
            "/openstack/latest/user_data");

    private static String address(int i) {
        return "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255);
    }

    private static Documents document(int i) {
        return Documents.instance().name("vm-" + i).project("p").image("img-" + (i % 3)).address(address(i));
    }

    @Test
    void theIndexHoldsEveryInstanceAfterOpenAndNoTreeIsBuilt() throws Exception {
        int n = 2500; // three pages of the listing
        List<Documents> docs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Documents doc = document(i);
            if (i % 10 == 0) {
                doc.address("fd00::" + Integer.toHexString(i + 1));
            }
            docs.add(doc);
        }
        for (int from = 0; from < n; from += 1000) {
            store.instances().createAll(docs.subList(from, Math.min(n, from + 1000)).stream().map(Documents::bytes).toList());
        }

        StoreInstanceDirectory directory = opened(StoreInstanceDirectory.open(store, OPTIONS, 16));

        assertEquals(n, directory.size());
        assertEquals(0, directory.cachedTrees(), "open builds no tree");
        for (int i = 0; i < n; i += 97) {
            String uuid = docs.get(i).uuid().toString();
            assertEquals(uuid, uuidOf(directory.byAddress(InetAddress.getByName(address(i)))));
            assertEquals(uuid, uuidOf(directory.byUuid(uuid)));
            assertEquals(Optional.of(1L), directory.version(docs.get(i).uuid()));
        }
        assertEquals(docs.get(2490).uuid().toString(),
                uuidOf(directory.byAddress(InetAddress.getByName("fd00::" + Integer.toHexString(2491)))));
        assertEquals(docs.getLast().uuid().toString(), uuidOf(directory.byAddress(InetAddress.getByName(address(n - 1)))));
        assertTrue(directory.byAddress(InetAddress.getByName(address(n))).isEmpty());
        assertTrue(directory.byUuid(docs.getFirst().uuid().toString().toUpperCase(Locale.ROOT)).isEmpty(),
                "matched exactly against the canonical form");
        assertTrue(directory.byUuid(UUID.randomUUID().toString()).isEmpty());
        assertTrue(directory.cachedTrees() <= 16, "cached " + directory.cachedTrees());
    }

    @Test
    void theCacheIsBoundedAndAnEvictedTreeIsRebuiltWithTheSameBytes() throws Exception {
        List<Documents> docs = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            docs.add(document(i));
        }
        store.instances().createAll(docs.stream().map(Documents::bytes).toList());
        StoreInstanceDirectory directory = opened(StoreInstanceDirectory.open(store, OPTIONS, 3));

        List<MetadataTree> first = new ArrayList<>();
        List<List<byte[]>> answers = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            MetadataTree tree = directory.byAddress(InetAddress.getByName(address(i))).orElseThrow();
            assertSame(tree, directory.byUuid(docs.get(i).uuid().toString()).orElseThrow(), "a hit");
            first.add(tree);
            answers.add(answers(tree));
            assertTrue(directory.cachedTrees() <= 3, "cached " + directory.cachedTrees());
        }
        assertEquals(3, directory.cachedTrees());
        assertArrayEquals(("i-" + String.format("%08x", store.ec2Ids().instanceId(docs.get(4).uuid())))
                .getBytes(StandardCharsets.US_ASCII), answers.get(4).get(1), "the store's EC2 id");

        for (int i = 0; i < 10; i++) {
            MetadataTree again = directory.byAddress(InetAddress.getByName(address(i))).orElseThrow();
            if (i == 0) {
                assertNotSame(first.get(i), again, "evicted and built again");
            }
            List<byte[]> bytes = answers(again);
            for (int p = 0; p < STABLE_PATHS.size(); p++) {
                assertArrayEquals(answers.get(i).get(p), bytes.get(p), STABLE_PATHS.get(p) + " of instance " + i);
            }
        }
        assertEquals(3, directory.cachedTrees());
    }

    @Test
    void aChangeThroughAnotherStoreDropsTheTreeAndTheNewVersionIsServed() throws Exception {
        Documents doc = Documents.instance().name("before").project("p").address("10.9.0.1");
        store.instances().create(doc.bytes());
        StoreInstanceDirectory directory = opened(StoreInstanceDirectory.open(store, OPTIONS, 8));
        MetadataTree v1 = directory.byAddress(InetAddress.getByName("10.9.0.1")).orElseThrow();
        assertEquals("before", v1.instance().name());

        Store otherNode = opened(Stores.open("sqlite:" + dir.resolve("data")));
        otherNode.instances().update(doc.uuid(), 1, doc.name("after").address("10.9.0.2").bytes());
        await(() -> directory.version(doc.uuid()).orElse(0L) == 2);
        // as soon as the change is seen, only the new version is served
        assertEquals("after", directory.byUuid(doc.uuid().toString()).orElseThrow().instance().name());
        await(() -> directory.byAddress(address("10.9.0.2")).isPresent());
        assertEquals("after", directory.byAddress(address("10.9.0.2")).orElseThrow().instance().name());
        assertEquals("after", directory.byAddress(address("10.9.0.1")).orElseThrow().instance().name(),
                "still its address");

        otherNode.instances().update(doc.uuid(), 2, Documents.instance(doc.uuid()).name("moved").project("p")
                .address("10.9.0.3").bytes());
        await(() -> directory.byAddress(address("10.9.0.3")).isPresent());
        assertTrue(directory.byAddress(address("10.9.0.1")).isEmpty(), "an address it gave up");
        assertEquals(3, directory.version(doc.uuid()).orElseThrow());

        otherNode.instances().delete(doc.uuid());
        await(() -> directory.size() == 0);
        assertTrue(directory.byUuid(doc.uuid().toString()).isEmpty());
        assertTrue(directory.byAddress(address("10.9.0.3")).isEmpty());
        assertEquals(0, directory.cachedTrees());
    }

    @Test
    void concurrentMissesForOneInstanceReadTheStoreOnce() throws Exception {
        Documents doc = document(1);
        store.instances().create(doc.bytes());
        SlowOrFailingStore slow = new SlowOrFailingStore(store);
        // documents not indexed: every miss reads the store (with them, none does: aMissBuildsFromTheIndex…)
        StoreInstanceDirectory directory = opened(StoreInstanceDirectory.open(slow.store, OPTIONS, 8,
                StoreInstanceDirectory.DEFAULT_CACHE_BYTES, false));
        slow.delay = Duration.ofMillis(300);
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<MetadataTree>> results = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                boolean byAddress = i % 2 == 0;
                results.add(pool.submit(() -> {
                    start.await();
                    return (byAddress ? directory.byAddress(InetAddress.getByName(address(1)))
                            : directory.byUuid(doc.uuid().toString())).orElseThrow();
                }));
            }
            start.countDown();
            MetadataTree tree = results.getFirst().get(10, TimeUnit.SECONDS);
            for (Future<MetadataTree> result : results) {
                assertSame(tree, result.get(10, TimeUnit.SECONDS));
            }
            assertEquals(1, slow.reads.get(), "one store read for sixteen concurrent requests");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aTransientStoreErrorOnAMissIsCountedAnsweredWith503AndNotKept() throws Exception {
        Documents a = Documents.instance().name("alpha").project("p").address("127.0.31.1");
        Documents b = Documents.instance().name("bravo").project("p").address("127.0.31.2");
        store.instances().createAll(List.of(a.bytes(), b.bytes()));
        SlowOrFailingStore failing = new SlowOrFailingStore(store);
        // documents not indexed: a miss needs the store
        StoreInstanceDirectory directory = opened(StoreInstanceDirectory.open(failing.store, OPTIONS, 8,
                StoreInstanceDirectory.DEFAULT_CACHE_BYTES, false));
        try (MetadataServer server = MetadataServer.start(TestServers.config().build(), directory,
                new InMemoryPasswordStore())) {
            String meta = "/openstack/latest/meta_data.json";
            assertEquals(200, RawHttp.to(server.port()).from("127.0.31.1").target(meta).send().status());
            failing.failing = true;

            RawHttp.Response refused = RawHttp.to(server.port()).from("127.0.31.2").target(meta).send();
            assertEquals(503, refused.status(), refused.toString());
            assertEquals("5", refused.header("Retry-After"));
            assertEquals("503 Service Unavailable\n\nThe server is currently unavailable. Please try again at a later"
                    + " time.\n\n   ", refused.text());
            assertFalse(refused.text().contains(a.uuid().toString()) || refused.text().contains("alpha"),
                    "never another instance's data: " + refused.text());
            assertFalse(refused.text().contains(b.uuid().toString()), refused.text());
            assertEquals(1, directory.storeErrors());
            assertTrue(RawHttp.to(server.managementPort()).target("/metrics").send().text()
                    .contains("guestdata_store_errors_total 1\n"));
            // a cached tree needs no store
            RawHttp.Response cached = RawHttp.to(server.port()).from("127.0.31.1").target(meta).send();
            assertEquals(200, cached.status());
            assertTrue(cached.text().contains(a.uuid().toString()));
            assertThrows(StoreException.DatabaseError.class, () -> directory.byUuid(b.uuid().toString()));
            assertEquals(2, directory.storeErrors());

            failing.failing = false;
            RawHttp.Response served = RawHttp.to(server.port()).from("127.0.31.2").target(meta).send();
            assertEquals(200, served.status(), "the failure was not kept");
            assertTrue(served.text().contains(b.uuid().toString()), served.text());
        }
    }

    @Test
    void aChangeThatCannotBeReadIsRetriedAndTheOlderVersionIsNotServedMeanwhile() throws Exception {
        Documents doc = Documents.instance().name("v1").project("p").address("10.9.1.1");
        store.instances().create(doc.bytes());
        SlowOrFailingStore failing = new SlowOrFailingStore(store);
        StoreInstanceDirectory directory = opened(StoreInstanceDirectory.open(failing.store, OPTIONS, 8));
        assertEquals("v1", directory.byUuid(doc.uuid().toString()).orElseThrow().instance().name());

        failing.failing = true;
        Store otherNode = opened(Stores.open("sqlite:" + dir.resolve("data")));
        otherNode.instances().update(doc.uuid(), 1, doc.name("v2").bytes());
        await(() -> directory.notReady().isPresent());
        assertTrue(directory.notReady().orElseThrow().contains("1 changed instance(s) cannot be read"));
        assertTrue(directory.storeErrors() >= 1);
        assertEquals(2, directory.version(doc.uuid()).orElseThrow(), "the change is known");
        assertThrows(StoreException.DatabaseError.class, () -> directory.byUuid(doc.uuid().toString()),
                "v1 is not served once v2 is known");

        failing.failing = false;
        await(() -> directory.notReady().isEmpty());
        assertEquals("v2", directory.byUuid(doc.uuid().toString()).orElseThrow().instance().name());
        assertEquals("v2", directory.byAddress(address("10.9.1.1")).orElseThrow().instance().name());
    }

    @Test
    void aMissBuildsFromTheIndexWithTheStoreClosedAndGivesTheTreeTheStoreWould() throws Exception {
        String publicKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEYeJO1kEijno8UIE3a+h+vLb5HPmUZd2ElS2BSMV/eF kept@example";
        store.keyPairs().create(io.guestdata.store.KeyPairs.DEFAULT_OWNER, "kept", "ssh", publicKey);
        List<Documents> docs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            docs.add(Documents.instance().name("vm-" + i).project("p").image("img-" + (i % 3))
                    .address("127.0.33." + (i + 1)).keyName("kept"));
        }
        store.instances().createAll(docs.stream().map(Documents::bytes).toList());
        Store node = Stores.open("sqlite:" + dir.resolve("data"));
        StoreInstanceDirectory indexed = opened(StoreInstanceDirectory.open(node, OPTIONS, 8));
        StoreInstanceDirectory fromStore = opened(StoreInstanceDirectory.open(store, OPTIONS, 8,
                StoreInstanceDirectory.DEFAULT_CACHE_BYTES, false));
        assertEquals(0, fromStore.indexDocumentBytes());
        assertTrue(indexed.indexDocumentBytes() > 0);
        // the key pair was deleted after the instances were created: the version keeps what it resolved to
        store.keyPairs().delete(io.guestdata.store.KeyPairs.DEFAULT_OWNER, "kept");
        node.close(); // every read of this node's store fails from now on

        try (MetadataServer server = MetadataServer.start(TestServers.config().build(), indexed,
                new InMemoryPasswordStore())) {
            for (int i = 0; i < docs.size(); i++) {
                Documents doc = docs.get(i);
                RawHttp.Response meta = RawHttp.to(server.port()).from("127.0.33." + (i + 1))
                        .target("/openstack/latest/meta_data.json").send();
                assertEquals(200, meta.status(), meta.toString());
                assertEquals(doc.uuid().toString(), Fixtures.MAPPER.readTree(meta.body()).path("uuid").asText());
                assertTrue(meta.text().contains(publicKey), meta.text());
                MetadataTree tree = indexed.byUuid(doc.uuid().toString()).orElseThrow();
                MetadataTree stored = fromStore.byUuid(doc.uuid().toString()).orElseThrow();
                assertEquals(stored.instance(), tree.instance(), "the index parses to the instance the store does");
                assertEquals(stored.ec2Ids(), tree.ec2Ids());
                for (int p = 0; p < STABLE_PATHS.size(); p++) {
                    assertArrayEquals(answers(stored).get(p), answers(tree).get(p), STABLE_PATHS.get(p));
                }
            }
            assertEquals(0, indexed.storeErrors(), "no store read was tried");
            assertTrue(RawHttp.to(server.managementPort()).target("/metrics").send().text()
                    .contains("_index_document_bytes " + indexed.indexDocumentBytes() + "\n"));
        }
    }

    @Test
    void aChangeAppliedReplacesTheIndexedDocumentAndOnlyTheNewVersionIsBuilt() throws Exception {
        Documents doc = Documents.instance().name("v1").project("p").image("img-a").address("10.9.2.1");
        store.instances().create(doc.bytes());
        SlowOrFailingStore failing = new SlowOrFailingStore(store);
        StoreInstanceDirectory directory = opened(StoreInstanceDirectory.open(failing.store, OPTIONS, 8));
        assertEquals("v1", directory.byUuid(doc.uuid().toString()).orElseThrow().instance().name());
        long v1Bytes = directory.indexDocumentBytes();

        Store otherNode = opened(Stores.open("sqlite:" + dir.resolve("data")));
        otherNode.instances().update(doc.uuid(), 1, doc.name("v2-with-a-longer-name-".repeat(10)).image("img-b")
                .bytes());
        await(() -> directory.version(doc.uuid()).orElseThrow() == 2 && directory.indexesDocument(doc.uuid()));
        assertTrue(directory.indexDocumentBytes() > v1Bytes, "the entry holds v2's bytes, not v1's as well: "
                + directory.indexDocumentBytes() + " vs " + v1Bytes);
        failing.failing = true;
        int reads = failing.reads.get();

        MetadataTree tree = directory.byAddress(address("10.9.2.1")).orElseThrow();
        assertTrue(tree.instance().name().startsWith("v2-with"), "never v1 once v2 is applied");
        assertEquals(Optional.of("img-b"), tree.instance().imageId());
        assertEquals(String.format("ami-%08x", store.ec2Ids().imageId("img-b")), tree.ec2Ids().amiId().orElseThrow());
        assertEquals(reads, failing.reads.get(), "built from the index");
        assertEquals(0, directory.storeErrors());

        otherNode.instances().delete(doc.uuid());
        await(() -> directory.version(doc.uuid()).isEmpty());
        assertEquals(0, directory.indexDocumentBytes());
        assertTrue(directory.byUuid(doc.uuid().toString()).isEmpty());
    }

    @Test
    void anIndexedDocumentTakesLessHeapThanTheDocument() throws Exception {
        byte[] example = java.nio.file.Files.readAllBytes(java.nio.file.Path.of("..", "examples", "instance.json"));
        List<byte[]> documents = new ArrayList<>();
        documents.add(example);
        int n = 50;
        long total = example.length;
        for (int i = 1; i < n; i++) {
            byte[] bytes = document(100 + i).meta("role", "web-" + i).bytes(); // examples/instance.json has 10.0.0.5
            documents.add(bytes);
            total += bytes.length;
        }
        store.instances().createAll(documents);
        StoreInstanceDirectory directory = opened(StoreInstanceDirectory.open(store, OPTIONS, 8));

        assertEquals(n, directory.size());
        assertTrue(directory.indexDocumentBytes() > 0);
        assertTrue(directory.indexDocumentBytes() < total, directory.indexDocumentBytes() + " bytes kept for "
                + total + " bytes of documents");
        UUID exampleUuid = UUID.fromString(Fixtures.MAPPER.readTree(example).path("uuid").asText());
        StoreInstanceDirectory one = opened(StoreInstanceDirectory.open(store, OPTIONS, 8));
        for (byte[] bytes : documents.subList(1, n)) {
            store.instances().delete(UUID.fromString(Fixtures.MAPPER.readTree(bytes).path("uuid").asText()));
        }
        await(() -> one.size() == 1);
        assertTrue(one.indexesDocument(exampleUuid));
        assertTrue(one.indexDocumentBytes() < example.length, "examples/instance.json (" + example.length
                + " bytes) is kept in " + one.indexDocumentBytes());
    }

    private static InetAddress address(String text) {
        return IpAddressText.parse(text).orElseThrow();
    }

    private static String uuidOf(Optional<MetadataTree> tree) {
        return tree.orElseThrow().instance().uuid().toString();
    }

    private static List<byte[]> answers(MetadataTree tree) {
        List<byte[]> out = new ArrayList<>();
        for (String path : STABLE_PATHS) {
            LookupResult result = tree.lookup(path, null);
            out.add(result instanceof LookupResult.Found found ? found.body() : new byte[0]);
        }
        return out;
    }
}
