package io.guestdata.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.guestdata.inject.ceph.CephCluster;
import io.guestdata.server.metadata.MetadataServerConfig;
import io.guestdata.testkit.CephTest;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code POST /v1/instances/{uuid}/inject} with {@code rbd:} images, on the service {@code serve} runs (its settings
 * resolved as {@code serve} resolves them), against the shared test cluster: written, outside the allow-list,
 * with connection options, in use, missing, the cluster unreachable; and the settings {@code serve} refuses.
 */
@CephTest
class ManagementApiInjectRbdTest {
    static final String TOKEN = "0123456789abcdef0123";
    private static final ObjectMapper JSON = new ObjectMapper();
    @RegisterExtension
    static final CephCluster.Scratch scratch = new CephCluster.Scratch();
    static CephCluster ceph;
    static Path dir;
    static ServeService service;
    static String uuid;
    static HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() throws Exception {
        ceph = scratch.cluster();
        dir = Files.createTempDirectory("api-rbd");
        service = serve(dir.resolve("main"), Map.of("inject-allowed-pools", List.of(ceph.pool()),
                "ceph-conf", ceph.conf().toString(), "ceph-user", ceph.user(),
                "ceph-keyring", ceph.keyring().toString()));
        uuid = createInstance(service);
    }

    /** Stores {@code instances/full.json} through {@code s}'s API; its uuid. */
    static String createInstance(ServeService s) throws Exception {
        String document = Files.readString(CloudInitReadsConfigDriveTreeTest.resource("instances/full.json"));
        HttpResponse<String> created = http.send(request(s, "").POST(HttpRequest.BodyPublishers.ofString(document))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, created.statusCode(), created.body());
        return JSON.readTree(document).get("uuid").asText();
    }

    @AfterAll
    static void stop() throws Exception {
        if (service != null) {
            service.close();
        }
        Tool.run(List.of("rm", "-rf", dir.toString()));
    }

    /** {@code serve} with the API on an ephemeral port, the settings resolved from {@code flags} as serve does. */
    static ServeService serve(Path data, Map<String, Object> flags) throws Exception {
        Map<String, Object> all = new LinkedHashMap<>(flags);
        all.put("api-listen", "127.0.0.1:0");
        all.put("data-dir", data.toString());
        ServeSettings settings = ServeSettings.resolve(all, Map.of("GUESTDATA_API_TOKEN", TOKEN), Optional.empty());
        MetadataServerConfig config = MetadataServerConfig.builder().listen(new InetSocketAddress("127.0.0.1", 0))
                .metadata(settings.metadataOptions()).noManagement().build();   // e.g. nova-release
        return ServeService.start(settings.storeUrl(), config, settings.api());
    }

    /** A request to {@code /v1/instances PATH} of {@code s}, with the token and a JSON content type. */
    static HttpRequest.Builder request(ServeService s, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.server().apiPort() + "/v1/instances" + path))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json");
    }

    private static HttpResponse<String> inject(ServeService s, String image) throws Exception {
        String body = JSON.writeValueAsString(JSON.createObjectNode().put("image", image));
        return http.send(request(s, "/" + uuid + "/inject").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode error(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body()).get("error");
    }

    private String imported() throws Exception {
        return RbdTestImages.imported(ceph, scratch, tmp, "api");
    }

    private Path exported(String name) {
        return exported(name, "exported");
    }

    private Path exported(String name, String suffix) {
        return RbdTestImages.exported(ceph, tmp, name, suffix);
    }

    @Test
    void anRbdImageInAnAllowedPoolIsInjected() throws Exception {
        String name = imported();
        HttpResponse<String> r = inject(service, "rbd:" + ceph.pool() + "/" + name);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode report = JSON.readTree(r.body());
        assertEquals("done", report.get("outcome").asText(), r.body());
        assertEquals("rbd:" + ceph.pool() + "/" + name, report.get("image").asText(), r.body());
        RbdTestImages.assertKeyInjected(exported(name));
    }

    @Test
    void aPoolOutsideTheAllowListIsRefusedAsAPathOutsideTheAllowedDirs() throws Exception {
        HttpResponse<String> r = inject(service, "rbd:" + ceph.pool() + "-other/disk");
        assertEquals(403, r.statusCode(), r.body());
        assertEquals("image_not_allowed", error(r).get("code").asText());
        assertEquals("/image", error(r).get("field").asText());
        assertTrue(error(r).get("message").asText().contains("inject-allowed-pools"), r.body());
    }

    @Test
    void connectionOptionsInTheRequestAreRefusedAndNothingIsTouched() throws Exception {
        String name = imported();
        Path before = exported(name, "before");
        Path secret = Files.writeString(tmp.resolve("not-a-conf"), "[global]\nmon_host = 127.0.0.1:1\n");
        for (String option : List.of(":conf=" + secret, ":keyring=" + secret, ":id=admin", ":mon_host=127.0.0.1\\:1",
                ":client_mount_timeout=1")) {
            HttpResponse<String> r = inject(service, "rbd:" + ceph.pool() + "/" + name + option);
            assertEquals(400, r.statusCode(), option + ": " + r.body());
            assertEquals("/image", error(r).get("field").asText(), r.body());
            assertTrue(error(r).get("message").asText().contains("the service connects with its own Ceph settings"),
                    r.body());
            assertFalse(r.body().contains("127.0.0.1:1"), r.body());
        }
        assertArrayEquals(Files.readAllBytes(before), Files.readAllBytes(exported(name)));
        assertTrue(ceph.rbdAdminOk("status", ceph.pool() + "/" + name).contains("Watchers: none"));
    }

    @Test
    void aMalformedTargetIsABadRequestNamingTheField() throws Exception {
        HttpResponse<String> r = inject(service, "rbd:" + ceph.pool());
        assertEquals(400, r.statusCode(), r.body());
        assertEquals("/image", error(r).get("field").asText(), r.body());
        assertTrue(error(r).get("message").asText().contains("expected POOL/IMAGE"), r.body());
    }

    @Test
    void anImageInUseGetsTheBusyFilesStatusNamingTheWatcher() throws Exception {
        String name = imported();
        scratch.client(ceph.librbdClient(name, "hold"));
        HttpResponse<String> r = inject(service, "rbd:" + ceph.pool() + "/" + name);
        assertEquals(409, r.statusCode(), r.body());
        assertEquals("image_in_use", error(r).get("code").asText(), r.body());
        assertTrue(error(r).get("message").asText().contains("is open elsewhere: watched by client."), r.body());
        assertTrue(error(r).get("message").asText().endsWith("; nothing was written"), r.body());
    }

    @Test
    void aMissingImageGetsTheMissingFilesStatus() throws Exception {
        HttpResponse<String> r = inject(service, "rbd:" + ceph.pool() + "/" + CephCluster.uniqueName("missing"));
        assertEquals(404, r.statusCode(), r.body());
        assertEquals("image_not_found", error(r).get("code").asText(), r.body());
        assertEquals("/image", error(r).get("field").asText(), r.body());
    }

    @Test
    void anUnreachableClusterIs503() throws Exception {
        Path conf = Files.writeString(tmp.resolve("unreachable.conf"), "[global]\nmon_host = 127.0.0.1:1\n"
                + "auth_client_required = cephx\n");
        try (ServeService unreachable = serve(tmp.resolve("data"), Map.of("inject-allowed-pools", List.of("rbd"),
                "ceph-conf", conf.toString(), "ceph-user", ceph.user(), "ceph-keyring", ceph.keyring().toString(),
                "ceph-timeout", "2", "inject-sandbox", "off"))) {
            createInstance(unreachable);
            HttpResponse<String> r = inject(unreachable, "rbd:rbd/disk");
            assertEquals(503, r.statusCode(), r.body());
            assertEquals("ceph_unavailable", error(r).get("code").asText(), r.body());
            assertTrue(error(r).get("message").asText().contains("cannot connect to the Ceph cluster (mon_host "
                    + "127.0.0.1:1) as client." + ceph.user() + ": timed out after 2 s"), r.body());
        }
    }

    @Test
    void serveRefusesIncompleteOrMalformedCephSettingsNamingTheKey() {
        Map<String, String> env = Map.of("GUESTDATA_API_TOKEN", TOKEN);
        Map<List<String>, String> refused = Map.of(
                List.of("--inject-allowed-pools", "rbd"),
                "inject-allowed-pools (from --inject-allowed-pools): is set, but ceph-conf is not",
                List.of("--inject-allowed-pools", "rbd/ns/x", "--ceph-conf", "/etc/ceph/ceph.conf"),
                "inject-allowed-pools (from --inject-allowed-pools): 'rbd/ns/x': expected POOL or POOL/NAMESPACE",
                List.of("--inject-allowed-pools", "rbd", "--ceph-conf", "ceph.conf"),
                "ceph-conf (from --ceph-conf): must be an absolute path, got 'ceph.conf'",
                List.of("--inject-allowed-pools", "rbd", "--ceph-conf", "/c", "--ceph-keyring", "k"),
                "ceph-keyring (from --ceph-keyring): must be an absolute path, got 'k'",
                List.of("--inject-allowed-pools", "rbd", "--ceph-conf", "/c", "--ceph-user", "client.x"),
                "ceph-user (from --ceph-user): the Ceph user without 'client.'",
                List.of("--inject-allowed-pools", "rbd", "--ceph-conf", "/c", "--ceph-timeout", "0"),
                "ceph-timeout (from --ceph-timeout): must be a whole number of seconds from 1 to 3600, got '0'");
        for (Map.Entry<List<String>, String> e : refused.entrySet()) {
            List<String> args = new java.util.ArrayList<>(List.of("serve"));
            args.addAll(e.getKey());
            args.add("--check-config");
            Cli r = Cli.run(env, args.toArray(String[]::new));
            assertEquals(ExitCode.CONFIG, r.exitCode(), e.getKey() + ": " + r);
            assertTrue(r.stderr().contains(e.getValue()), e.getKey() + ": " + r.stderr());
        }
        Cli ok = Cli.run(env, "serve", "--inject-allowed-pools", "rbd,vms/tenant-a", "--ceph-conf",
                "/etc/ceph/ceph.conf", "--ceph-user", "guestdata", "--check-config");
        assertEquals(ExitCode.OK, ok.exitCode(), ok.toString());
        assertTrue(ok.out().contains("inject-allowed-pools = rbd,vms/tenant-a (--inject-allowed-pools)"), ok.out());
    }
}
