package io.guestdata.server.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.server.api.ManagementApi;
import io.guestdata.store.Documents;
import io.guestdata.store.PostgresServer;
import io.guestdata.store.Store;
import io.guestdata.store.Stores;
import io.guestdata.testkit.DatabaseTest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Outages look like outages (issue 10.9): with PostgreSQL stopped {@code /readyz} says not ready within seconds, API
 * requests get 503 with {@code Retry-After}, guests are answered from the index's documents (issue 15; without them,
 * a miss is 503 with {@code Retry-After}), and the node is ready again once the database is back; a full disk
 * answers API writes 503 with {@code Retry-After}; every failed store operation is counted in
 * {@code guestdata_store_errors_total}.
 */
@DatabaseTest
class StoreOutageTest {
    private static final String TOKEN = "outage-test-token-0123456789";
    private static final Pattern STORE_ERRORS = Pattern.compile("(?m)^guestdata_store_errors_total (\\d+)$");

    @TempDir
    Path dir;

    @Test
    void postgresqlStoppedIsNotReadyAndAnswered503ThenReadyAgain() throws Exception {
        outage(false);
    }

    @Test
    void postgresqlStoppedStillAnswersEveryIndexedGuestFromTheIndex() throws Exception {
        outage(true);
    }

    /**
     * Stops PostgreSQL under a node with one tree and no answers kept; {@code indexDocuments}: whether the index keeps
     * the documents (then a guest miss is answered without the store, else it is a 503).
     */
    private void outage(boolean indexDocuments) throws Exception {
        PostgresServer pg;
        try {
            pg = PostgresServer.start();
        } catch (IllegalStateException e) {
            Assumptions.abort(e.getMessage()); // no PostgreSQL server binaries
            return;
        }
        try (pg; Store store = Stores.open(pg.url(pg.createDatabase()))) {
            Documents a = Documents.instance().name("alpha").project("p").address("127.0.32.1");
            Documents b = Documents.instance().name("bravo").project("p").address("127.0.32.2");
            Documents c = Documents.instance().name("charlie").project("p").address("127.0.32.3");
            store.instances().createAll(List.of(a.bytes(), b.bytes(), c.bytes()));
            // one tree and no answers kept: alpha's request after bravo's is a miss (StoreAnswersTest: a kept
            // answer is served through an outage)
            try (StoreInstanceDirectory directory = StoreInstanceDirectory.open(store, MetadataOptions.defaults(), 1, 0,
                    indexDocuments);
                 MetadataServer server = start(store, directory)) {
                String meta = "/openstack/latest/meta_data.json";
                assertEquals(200, RawHttp.to(server.port()).from("127.0.32.1").target(meta).send().status());
                assertEquals(200, RawHttp.to(server.port()).from("127.0.32.2").target(meta).send().status(),
                        "one cached tree: alpha's is evicted");
                assertEquals("ready\n", readyz(server).text());
                RawHttp.Response versions = RawHttp.to(server.port()).from("127.0.32.2").target("/openstack").send();
                assertEquals(200, versions.status(), versions.toString());

                pg.stop();
                long stopped = System.nanoTime();
                await(() -> readyz(server).status() == 503, 10_000);
                long millis = (System.nanoTime() - stopped) / 1_000_000;
                assertTrue(millis < 3000, "not ready " + millis + " ms after the database stopped");
                assertTrue(readyz(server).text().startsWith("not ready: the store cannot be read: "),
                        readyz(server).text());

                RawHttp.Response miss = RawHttp.to(server.port()).from("127.0.32.1").target(meta).send();
                if (indexDocuments) {
                    assertEquals(200, miss.status(), miss.toString());
                    assertEquals(a.uuid().toString(), json(miss).path("uuid").asText());
                } else {
                    assertEquals(503, miss.status(), miss.toString());
                    assertEquals("5", miss.header("Retry-After"));
                    assertEquals("503 Service Unavailable\n\nThe server is currently unavailable. Please try again "
                            + "at a later time.\n\n   ", miss.text());
                }
                RawHttp.Response read = api(server, "GET", "/v1/instances/" + a.uuid(), null);
                assertEquals(503, read.status(), read.toString());
                assertEquals("5", read.header("Retry-After"));
                assertEquals("database_unavailable", json(read).path("error").path("code").asText());
                RawHttp.Response write = api(server, "POST", "/v1/instances", Documents.instance().bytes());
                assertEquals(503, write.status(), write.toString());
                assertEquals("5", write.header("Retry-After"));
                // cloud-init 22.4 gives its first GET /openstack one try: an instance never asked about (no tree, no
                // answer kept) still gets the version listing, which is every instance's, without the store
                RawHttp.Response first = RawHttp.to(server.port()).from("127.0.32.3").target("/openstack").send();
                assertEquals(200, first.status(), first.toString());
                assertEquals(versions.text(), first.text());
                RawHttp.Response own = RawHttp.to(server.port()).from("127.0.32.3").target(meta).send();
                if (indexDocuments) {
                    assertEquals(200, own.status(), "its own files come from the index: " + own);
                    assertEquals(c.uuid().toString(), json(own).path("uuid").asText());
                    assertEquals(200, RawHttp.to(server.port()).from("127.0.32.3")
                            .target("/openstack/latest/network_data.json").send().status());
                    assertEquals(2, storeErrors(server), "the API read and the API write; no guest read the store");
                } else {
                    assertEquals(503, own.status(), "its own files need the store");
                    assertEquals(4, storeErrors(server), "the two misses, the API read and the API write");
                }

                pg.startAgain();
                await(() -> readyz(server).status() == 200, 30_000);
                RawHttp.Response again = RawHttp.to(server.port()).from("127.0.32.1").target(meta).send();
                assertEquals(200, again.status(), again.toString());
                assertTrue(again.text().contains(a.uuid().toString()));
                assertEquals(201, api(server, "POST", "/v1/instances", Documents.instance().bytes()).status());
            }
        }
    }

    @Test
    void aFullDiskAnswersApiWrites503AndCountsThem() throws Exception {
        Assumptions.assumeTrue(((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0,
                "mounting the small tmpfs needs root");
        Path mount = Files.createDirectory(dir.resolve("tmpfs"));
        Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=3m,mode=0700", "guestdata-test", mount.toString()),
                "mount -t tmpfs failed");
        try {
            try (Store store = Stores.open("sqlite:" + mount.resolve("data"));
                 StoreInstanceDirectory directory = StoreInstanceDirectory.open(store, MetadataOptions.defaults());
                 MetadataServer server = start(store, directory)) {
                assertEquals(201, api(server, "POST", "/v1/instances", bigDocument()).status());
                Path filler = mount.resolve("filler");
                fill(filler);

                RawHttp.Response full = api(server, "POST", "/v1/instances", bigDocument());
                assertEquals(503, full.status(), full.toString());
                assertEquals("5", full.header("Retry-After"));
                assertEquals("database_unavailable", json(full).path("error").path("code").asText());
                assertEquals(1, storeErrors(server));
                assertEquals("ready\n", readyz(server).text(), "reads still work");

                Files.delete(filler);
                assertEquals(201, api(server, "POST", "/v1/instances", bigDocument()).status(), "space again");
                assertEquals(1, storeErrors(server));
            }
        } finally {
            if (!run("umount", mount.toString())) {
                run("umount", "-l", mount.toString());
            }
        }
    }

    // ---- helpers ----

    private static MetadataServer start(Store store, InstanceDirectory directory) {
        ApiListener api = new ApiListener(new InetSocketAddress("127.0.0.1", 0),
                List.of(ManagementApi.create(store, TOKEN, MetadataOptions.defaults())));
        return MetadataServer.start(TestServers.config().build(), directory, new StorePasswordStore(store.passwords()),
                Optional.of(api));
    }

    private static RawHttp.Response readyz(MetadataServer server) {
        try {
            return RawHttp.to(server.managementPort()).target("/readyz").send();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static long storeErrors(MetadataServer server) throws IOException {
        Matcher m = STORE_ERRORS.matcher(RawHttp.to(server.managementPort()).target("/metrics").send().text());
        assertTrue(m.find());
        return Long.parseLong(m.group(1));
    }

    private static RawHttp.Response api(MetadataServer server, String method, String path, byte[] body)
            throws IOException {
        RawHttp.Request r = RawHttp.to(server.apiPort()).method(method).target(path)
                .header("Authorization", "Bearer " + TOKEN);
        if (body != null) {
            r.header("Content-Type", "application/json").body(body);
        }
        return r.send();
    }

    private static JsonNode json(RawHttp.Response r) throws IOException {
        return Fixtures.MAPPER.readTree(r.body());
    }

    /** An instance document of about 60 KB (its user data): more than a page or two of SQLite's journal. */
    private static byte[] bigDocument() {
        byte[] userData = new byte[45_000];
        java.util.Arrays.fill(userData, (byte) 'x');
        return ("{\"uuid\": \"" + UUID.randomUUID() + "\", \"name\": \"big\", \"user_data\": \""
                + Base64.getEncoder().encodeToString(userData) + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    /** Writes {@code file} until the filesystem is full. */
    private static void fill(Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            byte[] chunk = new byte[4096];
            while (true) {
                out.write(chunk);
                out.flush();
            }
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("No space left")) {
                throw e;
            }
        }
    }

    private static boolean run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    }

    private static void await(BooleanSupplier condition, long millis) throws InterruptedException {
        long end = System.nanoTime() + millis * 1_000_000;
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() - end < 0, "not within " + millis + " ms");
            Thread.sleep(100);
        }
    }
}
