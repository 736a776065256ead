package io.guestdata.server.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.server.metadata.dev.InMemoryPasswordStore;
import io.guestdata.store.Documents;
import io.guestdata.store.Store;
import io.guestdata.store.Stores;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The answers {@link StoreInstanceDirectory} keeps, served by the real service on a real SQLite store: what is kept
 * serves without tree or store, a change or delete drops it at once, per-request answers are never kept, and no
 * instance gets another's answer.
 */
class StoreAnswersTest extends OnSqliteStore {
    private static final MetadataOptions OPTIONS = MetadataOptions.defaults();
    private static final String META = "/openstack/latest/meta_data.json";

    private static RawHttp.Response get(MetadataServer server, String from, String path) throws Exception {
        return RawHttp.to(server.port()).from(from).target(path).send();
    }

    @Test
    void aKeptAnswerNeedsNeitherTheTreeNorTheStore() throws Exception {
        Documents a = Documents.instance().name("alpha").project("p").address("127.0.32.1");
        Documents b = Documents.instance().name("bravo").project("p").address("127.0.32.2");
        store.instances().createAll(List.of(a.bytes(), b.bytes()));
        SlowOrFailingStore failing = new SlowOrFailingStore(store);
        // documents not indexed, so that a tree needs the store (with them it does not: StoreInstanceDirectoryTest)
        StoreInstanceDirectory directory = opened(StoreInstanceDirectory.open(failing.store, OPTIONS, 1, 1 << 20,
                false));
        try (MetadataServer server = MetadataServer.start(TestServers.config().build(), directory,
                new InMemoryPasswordStore())) {
            assertEquals(200, get(server, "127.0.32.1", META).status());
            assertEquals(200, get(server, "127.0.32.2", META).status()); // alpha's tree evicted: one tree kept
            assertEquals(1, directory.cachedTrees());
            assertEquals(2, directory.cachedAnswers());
            failing.failing = true;
            int reads = failing.reads.get();

            RawHttp.Response kept = get(server, "127.0.32.1", META);
            assertEquals(200, kept.status(), kept.toString());
            assertTrue(kept.text().contains(a.uuid().toString()) && kept.text().contains("\"name\": \"alpha\""));
            assertEquals(reads, failing.reads.get(), "no store read");
            RawHttp.Response notKept = get(server, "127.0.32.1", "/openstack/latest/network_data.json");
            assertEquals(503, notKept.status(), "another answer of alpha's needs its tree, and so the store");

            String metrics = RawHttp.to(server.managementPort()).target("/metrics").send().text();
            assertTrue(metrics.contains("_answer_cache_requests_total{result=\"hit\"} 1\n"), metrics);
            assertTrue(metrics.contains("_answer_cache_budget_bytes 1048576\n"), metrics);
            assertTrue(metrics.contains("_answer_cache_bytes " + directory.cachedAnswerBytes() + "\n"), metrics);
        }
    }

    @Test
    void aChangeOrADeleteDropsTheAnswersAtOnceAndTheOldVersionIsNeverServedAgain() throws Exception {
        Documents doc = Documents.instance().name("vm").project("p").address("127.0.33.1").meta("generation", "g1");
        store.instances().create(doc.bytes());
        StoreInstanceDirectory directory = opened(StoreInstanceDirectory.open(store, OPTIONS, 8, 1 << 20));
        try (MetadataServer server = MetadataServer.start(TestServers.config().build(), directory,
                new InMemoryPasswordStore())) {
            List<String> paths = List.of(META, "/latest/meta-data/hostname", "/openstack/latest/network_data.json");
            for (String path : paths) {
                assertEquals(200, get(server, "127.0.33.1", path).status(), path);
            }
            assertTrue(get(server, "127.0.33.1", META).text().contains("\"generation\": \"g1\""));
            assertEquals(paths.size(), directory.cachedAnswers());

            Store otherNode = opened(Stores.open("sqlite:" + dir.resolve("data")));
            otherNode.instances().update(doc.uuid(), 1, Documents.instance(doc.uuid()).name("renamed").project("p")
                    .address("127.0.33.1").meta("generation", "g2").bytes());
            await(() -> directory.version(doc.uuid()).orElse(0L) == 2);
            // from the moment the change is applied, every answer is the new version's
            RawHttp.Response meta = get(server, "127.0.33.1", META);
            assertTrue(meta.text().contains("\"generation\": \"g2\""), meta.text());
            assertFalse(meta.text().contains("\"g1\""), meta.text());
            assertEquals(hostname("renamed"), get(server, "127.0.33.1", "/latest/meta-data/hostname").text());
            assertEquals(2, directory.cachedAnswers(), "the old version's three dropped, two of the new kept");

            otherNode.instances().delete(doc.uuid());
            await(() -> directory.size() == 0);
            assertEquals(0, directory.cachedAnswers());
            assertEquals(0, directory.cachedAnswerBytes());
            assertEquals(404, get(server, "127.0.33.1", META).status());
            assertEquals(404, get(server, "127.0.33.1", "/latest/meta-data/hostname").status());
        }
    }

    @Test
    void thePasswordAndDynamicVendorDataAreNeverKept() throws Exception {
        Documents doc = Documents.instance().name("vm").project("p").address("127.0.34.1");
        store.instances().create(doc.bytes());
        StoreInstanceDirectory directory = opened(StoreInstanceDirectory.open(store, OPTIONS, 8, 1 << 20));
        try (RecordingHttpServer targets = new RecordingHttpServer(Map.of(
                "/ok", new RecordingHttpServer.Answer(200, "{\"n\": 1}", 0)));
             MetadataServer server = MetadataServer.start(TestServers.config()
                     .vendorDataTargets(List.of("testing@" + targets.url("/ok"))).build(), directory,
                     new StorePasswordStore(store.passwords()))) {
            String password = "/openstack/latest/password";
            assertEquals("", get(server, "127.0.34.1", password).text());
            assertEquals(200, RawHttp.to(server.port()).from("127.0.34.1").method("POST").target(password)
                    .body("secret".getBytes(StandardCharsets.UTF_8)).send().status());
            assertEquals("secret", get(server, "127.0.34.1", password).text(), "the password is read each time");

            for (int i = 0; i < 3; i++) {
                RawHttp.Response r = get(server, "127.0.34.1", "/openstack/latest/vendor_data2.json");
                assertEquals("{\"static\": {}, \"testing\": {\"n\": 1}}", r.text());
            }
            assertEquals(3, targets.takeRequests().size(), "the targets are asked on every request");
            assertEquals(0, directory.cachedAnswers(), "neither is kept");
            assertEquals(200, get(server, "127.0.34.1", "/openstack/latest/vendor_data.json").status());
            assertEquals(1, directory.cachedAnswers(), "vendor_data.json is");
            assertEquals(0, targets.takeRequests().size());
        }
    }

    @Test
    void underEvictionAndConcurrencyEveryInstanceGetsOnlyItsOwnAnswers() throws Exception {
        int n = 40;
        List<Documents> docs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            docs.add(Documents.instance().name("vm-" + i).project("p").address("127.0.35." + (i + 1)));
        }
        store.instances().createAll(docs.stream().map(Documents::bytes).toList());
        // room for about ten instances' meta_data.json: answers are evicted and rebuilt all along
        StoreInstanceDirectory directory = opened(StoreInstanceDirectory.open(store, OPTIONS, 4, 40_000));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (MetadataServer server = MetadataServer.start(TestServers.config().build(), directory,
                new InMemoryPasswordStore())) {
            List<Future<?>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int offset = t * 5;
                results.add(pool.submit(() -> {
                    for (int k = 0; k < 4 * n; k++) {
                        int i = (offset + k * 7) % n;
                        if (k % 2 == 1) {
                            assertEquals(hostname("vm-" + i), get(server, "127.0.35." + (i + 1),
                                    "/latest/meta-data/hostname").text());
                            continue;
                        }
                        RawHttp.Response r = get(server, "127.0.35." + (i + 1), META);
                        assertEquals(200, r.status());
                        for (int j = 0; j < n; j++) {
                            assertEquals(i == j, r.text().contains(docs.get(j).uuid().toString()),
                                    "instance " + i + " got " + r.text());
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> result : results) {
                result.get(60, TimeUnit.SECONDS);
            }
            assertTrue(directory.cachedAnswerBytes() <= 40_000, directory.cachedAnswerBytes() + " bytes");
            assertTrue(RawHttp.to(server.managementPort()).target("/metrics").send().text()
                    .matches("(?s).*_answer_cache_evictions_total [1-9].*"));
        } finally {
            pool.shutdownNow();
        }
    }

    private static String hostname(String name) {
        return OPTIONS.dhcpDomain().isEmpty() ? name : name + "." + OPTIONS.dhcpDomain();
    }
}
