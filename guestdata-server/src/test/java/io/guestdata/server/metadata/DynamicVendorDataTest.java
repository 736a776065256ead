package io.guestdata.server.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.core.Instance;
import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.core.metadata.NovaRelease;
import io.guestdata.server.metadata.dev.InMemoryInstanceDirectory;
import io.guestdata.server.metadata.dev.InMemoryPasswordStore;
import io.guestdata.testkit.ToolTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Dynamic vendor data against Nova 26's own {@code DynamicVendorData} (nova-compat.md §4): the same targets
 * are called by Nova (through {@code nova_oracle.py lookup-batch}) and by us, a local server records what each
 * sent, and the POST bodies, the headers the spec names and the resulting {@code vendor_data2.json} must be
 * the same bytes.
 */
@ToolTest
class DynamicVendorDataTest {
    private static final Map<String, RecordingHttpServer.Answer> ANSWERS = Map.of(
            "/ok", new RecordingHttpServer.Answer(200, "{\"hello\": \"world\", \"n\": [1, 2.5, null], \"u\": \"\\u00e9\"}", 0),
            "/list", new RecordingHttpServer.Answer(200, "[1, \"two\"]", 0),
            "/empty", new RecordingHttpServer.Answer(200, "", 0),
            "/fail", new RecordingHttpServer.Answer(500, "{\"error\": true}", 0),
            "/notjson", new RecordingHttpServer.Answer(200, "not json", 0),
            "/slow", new RecordingHttpServer.Answer(200, "{\"late\": true}", 2500));

    @Test
    void requestsAndMergeAreNovas() throws Exception {
        Fixtures.assumePython();
        try (RecordingHttpServer targets = new RecordingHttpServer(ANSWERS)) {
            List<String> entries = List.of(
                    "testing@" + targets.url("/ok"),
                    "static@" + targets.url("/ok"),          // a member named like the static one: dropped
                    "testing@" + targets.url("/list"),       // a duplicate name: never called
                    "list@" + targets.url("/list"),
                    "empty@" + targets.url("/empty"),
                    "failing@" + targets.url("/fail"),
                    "notjson@" + targets.url("/notjson"),
                    "slow@" + targets.url("/slow"),
                    "refused@http://127.0.0.1:1/nothing-listens-here");
            for (String doc : List.of("full", "minimal", "nonascii")) {
                Instance instance = Fixtures.instance(doc);
                InMemoryInstanceDirectory directory = new InMemoryInstanceDirectory(
                        MetadataOptions.defaults().withNovaRelease(NovaRelease.NOVA_26));
                directory.put(instance, List.of(java.net.InetAddress.getByName("127.0.0.1")));
                MetadataServerConfig config = TestServers.config()
                        .tokens(TokenPolicy.OFF).vendorDataTargets(entries)
                        .vendorDataTimeouts(Duration.ofSeconds(3), Duration.ofSeconds(1)).build();
                RawHttp.Response ours;
                RawHttp.Response oldVersion;
                try (MetadataServer server = MetadataServer.start(config, directory, new InMemoryPasswordStore())) {
                    oldVersion = RawHttp.to(server.port()).target("/openstack/2016-06-30/vendor_data2.json").send();
                    assertEquals(404, oldVersion.status());
                    assertEquals(List.of(), targets.takeRequests(), "no target is called for a version without the file");
                    ours = RawHttp.to(server.port()).target("/openstack/latest/vendor_data2.json").send();
                    String metrics = server.metrics().render();
                    assertTrue(metrics.contains(
                            "guestdata_metadata_vendordata_requests_total{target=\"failing\",outcome=\"failed\"} 1"), metrics);
                }
                List<RecordingHttpServer.Recorded> ourRequests = sorted(targets.takeRequests());

                NovaLookupBatch oracle = new NovaLookupBatch("26");
                RawHttp.Request same = RawHttp.to(0).target("/openstack/latest/vendor_data2.json");
                oracle.add(doc, same, Map.of("vendordata_providers", List.of("StaticJSON", "DynamicJSON"),
                        "vendordata_dynamic_targets", entries, "vendordata_dynamic_read_timeout", 1,
                        "vendordata_dynamic_connect_timeout", 3), "127.0.0.1", Map.of());
                NovaLookupBatch.Answer nova = oracle.run().getFirst();
                List<RecordingHttpServer.Recorded> novaRequests = sorted(targets.takeRequests());

                assertEquals(nova.status(), ours.status(), doc);
                assertEquals(nova.contentType(), ours.header("Content-Type"), doc);
                assertEquals(nova.text(), ours.text(), doc + ": vendor_data2.json");
                assertEquals(novaRequests.size(), ourRequests.size(), doc + ": requests to the targets");
                for (int i = 0; i < novaRequests.size(); i++) {
                    RecordingHttpServer.Recorded n = novaRequests.get(i);
                    RecordingHttpServer.Recorded o = ourRequests.get(i);
                    String where = doc + " " + n.path();
                    assertEquals(n.path(), o.path(), where);
                    assertEquals("POST", o.method(), where);
                    assertEquals(new String(n.body(), StandardCharsets.UTF_8), new String(o.body(), StandardCharsets.UTF_8), where);
                    for (String header : List.of("Content-Type", "Accept", "User-Agent")) {
                        assertEquals(n.header(header), o.header(header), where + " " + header);
                    }
                    assertEquals(null, o.header("X-Auth-Token"), where);
                }
            }
        }
    }

    @Test
    void everyRenderCallsTheTargetsAgain() throws Exception {
        try (RecordingHttpServer targets = new RecordingHttpServer(ANSWERS)) {
            Instance instance = Fixtures.instance("full");
            InMemoryInstanceDirectory directory = new InMemoryInstanceDirectory(
                    MetadataOptions.defaults().withNovaRelease(NovaRelease.NOVA_26));
            directory.put(instance);
            MetadataServerConfig config = TestServers.config().mode(IdentificationMode.PROXY).sharedSecret("s")
                    .vendorDataTargets(List.of("testing@" + targets.url("/ok"))).build();
            try (MetadataServer server = MetadataServer.start(config, directory, new InMemoryPasswordStore())) {
                for (int i = 0; i < 3; i++) {
                    RawHttp.Response r = signed(server.port(), instance, "/openstack/latest/vendor_data2.json").send();
                    assertEquals("{\"static\": {}, \"testing\": {\"hello\": \"world\", \"n\": [1, 2.5, null], \"u\": \"\\u00e9\"}}",
                            r.text());
                }
                assertEquals(3, targets.takeRequests().size(), "no caching: one POST per render");
                signed(server.port(), instance, "/openstack/latest/meta_data.json").send();
                signed(server.port(), instance, "/openstack/latest/vendor_data.json").send();
                assertEquals(0, targets.takeRequests().size(), "only vendor_data2.json calls the targets");
            }
        }
    }

    @Test
    void aFatalFailureFailsTheRequestAsNovaDoes() throws Exception {
        Fixtures.assumePython();
        try (RecordingHttpServer targets = new RecordingHttpServer(ANSWERS)) {
            List<String> entries = List.of("ok@" + targets.url("/ok"), "failing@" + targets.url("/fail"));
            Instance instance = Fixtures.instance("full");
            InMemoryInstanceDirectory directory = new InMemoryInstanceDirectory(
                    MetadataOptions.defaults().withNovaRelease(NovaRelease.NOVA_26));
            directory.put(instance);
            MetadataServerConfig config = TestServers.config().mode(IdentificationMode.PROXY).sharedSecret("s")
                    .vendorDataTargets(entries).vendorDataFailureFatal(true).build();
            RawHttp.Response ours;
            try (MetadataServer server = MetadataServer.start(config, directory, new InMemoryPasswordStore())) {
                ours = signed(server.port(), instance, "/openstack/latest/vendor_data2.json").send();
            }
            NovaLookupBatch oracle = new NovaLookupBatch("26");
            oracle.add("full", signed(0, instance, "/openstack/latest/vendor_data2.json"),
                    Map.of("service_metadata_proxy", true, "metadata_proxy_shared_secret", "s",
                            "vendordata_providers", List.of("StaticJSON", "DynamicJSON"),
                            "vendordata_dynamic_targets", entries, "vendordata_dynamic_failure_fatal", true),
                    "127.0.0.1", Map.of());
            NovaLookupBatch.Answer nova = oracle.run().getFirst();
            assertTrue(nova.exception() != null && nova.exception().startsWith("InternalServerError"),
                    "Nova re-raises the target's HTTP error: " + nova.exception());
            assertEquals(500, ours.status());
            assertEquals("500 Internal Server Error\n\nAn unknown error has occurred. Please try your request again.\n\n   ",
                    ours.text());
        }
    }

    private static RawHttp.Request signed(int port, Instance instance, String path) {
        String id = instance.uuid().toString();
        return RawHttp.to(port).target(path).header("X-Instance-ID", id)
                .header("X-Instance-ID-Signature", new ProxySignature("s").sign(id))
                .header("X-Tenant-ID", instance.projectId().orElse("none"));
    }

    private static List<RecordingHttpServer.Recorded> sorted(List<RecordingHttpServer.Recorded> requests) {
        List<RecordingHttpServer.Recorded> out = new ArrayList<>(requests);
        out.sort(Comparator.comparing(RecordingHttpServer.Recorded::path));
        return out;
    }
}
