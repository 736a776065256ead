package io.guestdata.server.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.guestdata.core.Instance;
import io.guestdata.core.UserData;
import io.guestdata.core.metadata.LookupResult;
import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.core.metadata.MetadataTree;
import io.guestdata.server.metadata.dev.InMemoryInstanceDirectory;
import io.guestdata.server.metadata.dev.InMemoryPasswordStore;
import io.guestdata.testkit.Command;
import io.guestdata.testkit.NovaOracle;
import io.guestdata.testkit.ToolTest;
import java.net.InetAddress;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * cloud-init's own OpenStack (HTTP) and EC2 datasources, Debian 12's 22.4 and Debian 13's 25.1 (skipped where its
 * root cannot be built; {@link NovaOracle#debianPython}), run as libraries against our server
 * ({@code tools/consumers/cloudinit_*_http.py}), read exactly what the instance document holds: in address
 * mode (the instance bound to 127.0.0.1) and in Neutron-proxy mode (through a stand-in for Neutron's
 * metadata proxy that signs X-Instance-ID), and, for the EC2 datasource on AWS, with IMDSv2 tokens required.
 */
@ToolTest
class CloudInitHttpTest {
    private static final String SECRET = "neutron-shared-secret";

    @ParameterizedTest(name = "Debian {0}")
    @ValueSource(strings = {"12", "13"})
    void openStackAndEc2DatasourcesReadTheDocument(String debian) throws Exception {
        NovaOracle.assumeDebian(debian);
        for (String doc : Fixtures.NOVA_DOCUMENTS) {
            Instance instance = Fixtures.instance(doc);
            InMemoryInstanceDirectory directory = new InMemoryInstanceDirectory(MetadataOptions.defaults());
            MetadataTree tree = directory.put(instance, List.of(InetAddress.getByName("127.0.0.1")));

            JsonNode viaAddress;
            JsonNode ec2ViaAddress;
            try (MetadataServer server = MetadataServer.start(TestServers.config().build(), directory, new InMemoryPasswordStore())) {
                String base = "http://127.0.0.1:" + server.port();
                viaAddress = run(debian, "tools/consumers/cloudinit_openstack_http.py", base);
                ec2ViaAddress = run(debian, "tools/consumers/cloudinit_ec2_http.py", base);
                assertNeverThrottled(doc, server);
            }
            assertMatches(doc, instance, tree, viaAddress);
            assertEquals("2009-04-04", ec2ViaAddress.get("api_version").asText(), doc);
            assertEquals(false, ec2ViaAddress.get("used_token").asBoolean(), doc + ": no token off AWS, as against Nova");
            assertEquals(tree.ec2Ids().instanceId(), ec2ViaAddress.get("instance_id").asText(), doc);
            assertEquals(viaAddress.get("ec2_metadata"), ec2ViaAddress.get("metadata"), doc + ": both crawls of the EC2 tree");
            assertEquals(viaAddress.get("userdata_b64").asText(""), ec2ViaAddress.get("userdata_b64").asText(""), doc);
            assertEquals(viaAddress.get("public_ssh_keys"), ec2ViaAddress.get("public_ssh_keys"), doc);

            if (instance.projectId().isPresent()) {
                MetadataServerConfig proxy = TestServers.config().mode(IdentificationMode.PROXY).sharedSecret(SECRET).build();
                try (MetadataServer server = MetadataServer.start(proxy, directory, new InMemoryPasswordStore())) {
                    String base = "http://127.0.0.1:" + server.port();
                    List<String> signing = List.of("--proxy-secret", SECRET, "--instance-id", instance.uuid().toString(),
                            "--tenant-id", instance.projectId().get());
                    JsonNode viaProxy = run(debian, "tools/consumers/cloudinit_openstack_http.py", base, signing);
                    JsonNode ec2ViaProxy = run(debian, "tools/consumers/cloudinit_ec2_http.py", base, signing);
                    assertEquals(without(viaAddress, "metadata_address"), without(viaProxy, "metadata_address"),
                            doc + ": the same through Neutron's proxy (requester address 127.0.0.1 either way)");
                    assertEquals(ec2ViaAddress, ec2ViaProxy, doc);
                    JsonNode wrongSecret = run(debian, "tools/consumers/cloudinit_openstack_http.py", base, List.of("--max-wait", "1",
                            "--proxy-secret", "guess", "--instance-id", instance.uuid().toString(), "--tenant-id", instance.projectId().get()));
                    assertEquals(false, wrongSecret.get("claimed").asBoolean(), doc + ": a wrong signature reads nothing");
                    assertNeverThrottled(doc, server);
                }
            }
        }
    }

    @ParameterizedTest(name = "Debian {0}")
    @ValueSource(strings = {"12", "13"})
    void ec2DatasourceOnAwsUsesRequiredTokens(String debian) throws Exception {
        NovaOracle.assumeDebian(debian);
        Instance instance = Fixtures.instance("full");
        InMemoryInstanceDirectory directory = new InMemoryInstanceDirectory(MetadataOptions.defaults());
        MetadataTree tree = directory.put(instance, List.of(InetAddress.getByName("127.0.0.1")));
        try (MetadataServer server = MetadataServer.start(TestServers.config().tokens(TokenPolicy.REQUIRED).build(),
                directory, new InMemoryPasswordStore())) {
            String base = "http://127.0.0.1:" + server.port();
            JsonNode aws = run(debian, "tools/consumers/cloudinit_ec2_http.py", base, List.of("--aws"));
            assertEquals(true, aws.get("used_token").asBoolean());
            assertEquals(tree.ec2Ids().instanceId(), aws.get("instance_id").asText());
            assertEquals(userData(instance), aws.get("userdata_b64").asText(""));
            assertTrue(server.metrics().render().contains("guestdata_metadata_imds_tokens_total{event=\"issued\"}"));
            // Off AWS, cloud-init sends no token: with tokens required it reads nothing.
            JsonNode plain = run(debian, "tools/consumers/cloudinit_ec2_http.py", base, List.of("--max-wait", "1"));
            assertEquals(false, plain.get("claimed").asBoolean());
        }
    }

    /**
     * cloud-init 25.1 retries our 429: its OpenStack reader retries 408, 429 and 5xx (22.4's gives up on any status
     * from 400), its EC2 crawl any error, each after its own 1 s pause ({@code sec_between}; it reads
     * {@code Retry-After} only on a 503 no callback took, and our 429's {@code Retry-After} at 10 a second is 1 s). So
     * with a request rate far under one boot's ~35 requests (10 at once, 10 a second) it is throttled and still reads
     * exactly what the document holds.
     */
    @Test
    void cloudInit25RetriesOurTooManyRequestsAndReadsTheDocument() throws Exception {
        NovaOracle.assumeDebian("13");
        Instance instance = Fixtures.instance("full");
        InMemoryInstanceDirectory directory = new InMemoryInstanceDirectory(MetadataOptions.defaults());
        MetadataTree tree = directory.put(instance, List.of(InetAddress.getByName("127.0.0.1")));
        RequestRate slow = RequestRate.defaults().withBurst(10).withPerSecond(10);
        try (MetadataServer server = MetadataServer.start(TestServers.config().requestRate(slow).build(), directory,
                new InMemoryPasswordStore())) {
            JsonNode ci = run("13", "tools/consumers/cloudinit_openstack_http.py", "http://127.0.0.1:" + server.port(),
                    List.of("--max-wait", "30"));
            assertTrue(server.rateLimit().throttledRequests() > 0, "throttled: " + server.metrics().requests(429));
            assertMatches("full", instance, tree, ci);
        }
    }

    /**
     * The default request rate is on, and cloud-init's reads (both datasources' whole trees, for one instance) took
     * less than one burst and were never answered 429.
     */
    private static void assertNeverThrottled(String doc, MetadataServer server) {
        assertEquals(RequestRate.defaults(), server.rateLimit().rate());
        assertEquals(0, server.rateLimit().throttledRequests(), doc);
        long answered = server.metrics().requests(200) + server.metrics().requests(404);
        assertTrue(answered > 0 && answered < RequestRate.DEFAULT_BURST, doc + ": " + answered + " requests");
    }

    private static void assertMatches(String doc, Instance instance, MetadataTree tree, JsonNode ci) throws Exception {
        assertEquals(true, ci.get("claimed").asBoolean(), doc + ": " + ci);
        assertEquals(2, ci.get("version").asInt(), doc);
        JsonNode md = json(tree, "/openstack/2018-08-27/meta_data.json");
        assertEquals(instance.uuid().toString(), ci.get("instance_id").asText(), doc);
        assertEquals(md.get("hostname").asText(), ci.get("local_hostname").asText(), doc);
        assertEquals(instance.availabilityZone(), ci.get("availability_zone").asText(), doc);
        assertEquals(md.path("meta").isMissingNode() ? null : md.get("meta"), ci.get("meta").isNull() ? null : ci.get("meta"), doc);
        assertEquals(md.get("project_id"), ci.get("project_id"), doc);
        ArrayNode keys = JsonNodeFactory.instance.arrayNode();
        md.path("public_keys").forEach(keys::add);
        assertEquals(keys, ci.get("public_ssh_keys"), doc);
        // cloud-init keeps a missing user_data (a 404) as empty user data
        assertEquals(userData(instance), ci.get("userdata_b64").asText(""), doc);
        assertEquals(json(tree, "/openstack/2018-08-27/vendor_data.json"), ci.get("vendordata"), doc);
        assertEquals(json(tree, "/openstack/2018-08-27/vendor_data2.json"), ci.get("vendordata2"), doc);
        assertEquals(json(tree, "/openstack/2018-08-27/network_data.json"), ci.get("network_json"), doc);
        // Beyond Nova: the service serves injected files (MetadataOptions.serviceServesFiles), so a guest
        // reading only the metadata service gets them, with their bytes, as from a config drive.
        JsonNode files = ci.get("files_b64");
        assertEquals(instance.files().size(), files.size(), doc + ": " + files);
        for (io.guestdata.core.InjectedFile f : instance.files()) {
            assertEquals(Base64.getEncoder().encodeToString(f.contents()), files.path(f.path()).asText(), doc + " " + f.path());
        }
        assertEquals(512, ci.get("random_seed_len").asInt(), doc);
        JsonNode ec2 = ci.get("ec2_metadata");
        assertEquals(tree.ec2Ids().instanceId(), ec2.get("instance-id").asText(), doc);
        assertEquals(md.get("hostname").asText(), ec2.get("local-hostname").asText(), doc);
        assertEquals(text(tree, "/latest/meta-data/local-ipv4"), ec2.get("local-ipv4").asText(), doc);
        assertEquals(text(tree, "/latest/meta-data/reservation-id"), ec2.get("reservation-id").asText(), doc);
    }

    /** The user data as the harnesses print it: base64, and "" when there is none. */
    private static String userData(Instance instance) {
        return instance.userData().map(UserData::bytes).map(b -> Base64.getEncoder().encodeToString(b)).orElse("");
    }

    private static JsonNode json(MetadataTree tree, String path) throws Exception {
        return Fixtures.MAPPER.readTree(((LookupResult.Found) tree.lookup(path, "127.0.0.1")).body());
    }

    private static String text(MetadataTree tree, String path) {
        return new String(((LookupResult.Found) tree.lookup(path, "127.0.0.1")).body(), java.nio.charset.StandardCharsets.UTF_8);
    }

    private static JsonNode without(JsonNode node, String field) {
        com.fasterxml.jackson.databind.node.ObjectNode copy = node.deepCopy();
        copy.remove(field);
        return copy;
    }

    private static JsonNode run(String debian, String script, String base) throws Exception {
        return run(debian, script, base, List.of());
    }

    private static JsonNode run(String debian, String script, String base, List<String> options) throws Exception {
        List<String> args = new java.util.ArrayList<>(options);
        args.add(base);
        Command.Result r = NovaOracle.debianPython(debian, script, args.toArray(String[]::new)).run();
        assertTrue(r.exit() == 0 || r.exit() == 3, script + " failed (" + r.exit() + "): " + r.stderr());
        return r.json();
    }
}
