package io.guestdata.server.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.server.metadata.dev.InMemoryPasswordStore;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** Health and metrics live on their own listener; guests see Nova's answers for those paths. */
class ManagementListenerTest {
    @Test
    void healthAndMetricsOnTheManagementPortOnly() throws Exception {
        TwoInstances t = new TwoInstances();
        try (MetadataServer server = MetadataServer.start(TestServers.config().build(), t.directory, new InMemoryPasswordStore())) {
            RawHttp.Response health = RawHttp.to(server.managementPort()).target("/healthz").send();
            assertEquals(200, health.status());
            assertEquals("ok\n", health.text());
            RawHttp.to(server.port()).from(TwoInstances.A_ADDRESS).target("/latest/meta-data/").send();
            RawHttp.to(server.port()).from("127.0.0.99").target("/latest/meta-data/").send();
            // a request is counted right after its response is written: the client may be a little faster
            RawHttp.Response metrics = RawHttp.to(server.managementPort()).target("/metrics").send();
            for (int i = 0; i < 50 && !metrics.text().contains("guestdata_metadata_request_duration_seconds_count 2\n"); i++) {
                Thread.sleep(20);
                metrics = RawHttp.to(server.managementPort()).target("/metrics").send();
            }
            assertEquals("text/plain; version=0.0.4; charset=utf-8", metrics.header("Content-Type"));
            String text = metrics.text();
            assertTrue(text.contains("guestdata_metadata_requests_total{status=\"200\"} 1\n"), text);
            assertTrue(text.contains("guestdata_metadata_requests_total{status=\"404\"} 1\n"), text);
            assertTrue(text.contains("guestdata_metadata_lookups_total{mode=\"address\"} 1\n"), text);
            assertTrue(text.contains("guestdata_metadata_identification_failures_total{mode=\"address\",reason=\"unknown_instance\"} 1\n"), text);
            assertTrue(text.contains("guestdata_metadata_request_duration_seconds_count 2\n"), text);
            assertTrue(text.contains("guestdata_metadata_request_duration_seconds_bucket{le=\"+Inf\"} 2\n"), text);
            assertTrue(text.contains("# TYPE guestdata_store_errors_total counter\nguestdata_store_errors_total 0\n"), text);
            // the guest-facing listener answers these paths as Nova would: EC2 tree, 404
            assertEquals(404, RawHttp.to(server.port()).from(TwoInstances.A_ADDRESS).target("/healthz").send().status());
            assertEquals(404, RawHttp.to(server.port()).from(TwoInstances.A_ADDRESS).target("/metrics").send().status());
            // and the management listener has nothing else
            assertEquals(404, RawHttp.to(server.managementPort()).target("/latest/meta-data/").send().status());
            // it speaks HTTP/1.1 only (operators' tools); the guest listener also HTTP/1.0 (Http10ClientsTest)
            assertEquals(505, RawHttp.exchange(server.managementPort(), "127.0.0.1",
                    "GET /healthz HTTP/1.0\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII), null, false)
                    .status());
        }
    }

    @Test
    void readinessFollowsTheDirectory() throws Exception {
        TwoInstances t = new TwoInstances();
        java.util.concurrent.atomic.AtomicReference<String> problem = new java.util.concurrent.atomic.AtomicReference<>();
        InstanceDirectory directory = new InstanceDirectory() {
            @Override
            public long storeErrors() {
                return problem.get() == null ? 0 : 3;
            }

            @Override
            public java.util.Optional<io.guestdata.core.metadata.MetadataTree> byUuid(String uuid) {
                return t.directory.byUuid(uuid);
            }

            @Override
            public java.util.Optional<io.guestdata.core.metadata.MetadataTree> byAddress(java.net.InetAddress address) {
                return t.directory.byAddress(address);
            }

            @Override
            public java.util.Optional<String> notReady() {
                return java.util.Optional.ofNullable(problem.get());
            }
        };
        try (MetadataServer server = MetadataServer.start(TestServers.config().build(), directory, new InMemoryPasswordStore())) {
            RawHttp.Response ready = RawHttp.to(server.managementPort()).target("/readyz").send();
            assertEquals(200, ready.status());
            assertEquals("ready\n", ready.text());
            problem.set("store unreachable");
            RawHttp.Response notReady = RawHttp.to(server.managementPort()).target("/readyz").send();
            assertEquals(503, notReady.status());
            assertTrue(notReady.text().contains("store unreachable"), notReady.text());
            assertEquals(200, RawHttp.to(server.managementPort()).target("/healthz").send().status(), "still alive");
            assertEquals(404, RawHttp.to(server.port()).from(TwoInstances.A_ADDRESS).target("/readyz").send().status());
            assertTrue(RawHttp.to(server.managementPort()).target("/metrics").send().text()
                    .contains("guestdata_store_errors_total 3\n"), "store errors are counted");
        }
    }

    @Test
    void noManagementListenerWhenNotWanted() throws Exception {
        try (MetadataServer server = MetadataServer.start(TestServers.config().noManagement().build(),
                new TwoInstances().directory, new InMemoryPasswordStore())) {
            assertEquals(-1, server.managementPort());
        }
    }

    @Test
    void aPortInUseFailsTheStart() throws Exception {
        TwoInstances t = new TwoInstances();
        try (MetadataServer first = MetadataServer.start(TestServers.config().noManagement().build(), t.directory,
                new InMemoryPasswordStore())) {
            MetadataServerConfig same = TestServers.config().noManagement()
                    .listen(new InetSocketAddress("127.0.0.1", first.port())).build();
            assertThrows(IllegalStateException.class, () -> MetadataServer.start(same, t.directory, new InMemoryPasswordStore()));
        }
    }
}
