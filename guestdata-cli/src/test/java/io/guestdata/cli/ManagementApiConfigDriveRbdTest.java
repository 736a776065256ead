package io.guestdata.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.inject.ceph.CephCluster;
import io.guestdata.testkit.CephTest;
import io.guestdata.testkit.Command;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /v1/instances/{uuid}/config-drive} into RBD (issue 11), on the service {@code serve} runs, against the
 * shared test cluster: the image written is what {@code GET} streams for the same instance and timestamp, a format 2
 * image of the name asked; {@code force} replaces; and every refusal (malformed target, connection options, a pool
 * outside the allow-list, a missing pool, an existing or open image, an instance the format cannot hold, an
 * unreachable cluster, a pool over its quota, no token) has its status and leaves nothing of the name in the pool, temporary images included.
 */
@CephTest
class ManagementApiConfigDriveRbdTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "5b8c0a5e-3f0e-4c1d-9a7b-2d6e4f8a1c3b";
    private static final String MISSING_POOL = CephCluster.uniqueName("nopool");
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
        dir = Files.createTempDirectory("api-rbd-drive");
        // Nova 26: the libvirt XML is compared with Nova 26's RBD backend (Debian 13's root has no ceph CLI), whose
        // SMBIOS version is 26.2.2 (each release's own: LibvirtXmlTest)
        service = ManagementApiInjectRbdTest.serve(dir.resolve("main"), Map.of("inject-allowed-pools",
                List.of(ceph.pool(), MISSING_POOL), "ceph-conf", ceph.conf().toString(), "ceph-user", ceph.user(),
                "ceph-keyring", ceph.keyring().toString(), "nova-release", "26"));
        uuid = ManagementApiInjectRbdTest.createInstance(service);
    }

    @AfterAll
    static void stop() throws Exception {
        if (service != null) {
            service.close();
        }
        Tool.run(List.of("rm", "-rf", dir.toString()));
    }

    private static HttpResponse<String> post(ServeService s, ObjectNode body) throws Exception {
        return http.send(ManagementApiInjectRbdTest.request(s, "/" + uuid + "/config-drive")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static ObjectNode body(String output, String format, long timestamp) {
        return JSON.createObjectNode().put("output", output).put("format", format).put("timestamp", timestamp);
    }

    /** What {@code GET …/config-drive} streams. */
    private static byte[] streamed(String format, long timestamp) throws Exception {
        HttpResponse<byte[]> r = http.send(ManagementApiInjectRbdTest.request(service, "/" + uuid
                + "/config-drive?format=" + format + "&timestamp=" + timestamp).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode());
        return r.body();
    }

    private static JsonNode error(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body()).get("error");
    }

    /** A fresh name in the test pool (Nova's {@code <uuid>_disk.config}, a suffix keeping tests apart), removed after. */
    private String name() {
        String image = CephCluster.uniqueName(uuid + "_disk.config");
        scratch.image(ceph.pool() + "/" + image);
        return image;
    }

    private String rbd(String image) {
        return "rbd:" + ceph.pool() + "/" + image;
    }

    private int exports;

    private byte[] exported(String image) throws Exception {
        Path out = tmp.resolve(image + ".exported-" + ++exports);
        ceph.rbdAdminOk("export", "--no-progress", ceph.pool() + "/" + image, out.toString());
        return Files.readAllBytes(out);
    }

    /** The images of the pool named {@code image} or after it (its temporary images). */
    private static List<String> named(String pool, String image) {
        return ceph.rbdAdminOk("ls", pool).lines().filter(n -> n.startsWith(image)).toList();
    }

    /**
     * {@code image} with the value of every {@code "random_seed": "…"} (512 random bytes, base64: new in every
     * drive, as Nova's) overwritten; asserts there is one.
     */
    private static byte[] seedMasked(byte[] image) {
        byte[] key = "\"random_seed\": \"".getBytes(StandardCharsets.US_ASCII);
        byte[] out = image.clone();
        int seeds = 0;
        for (int i = 0; i + key.length < out.length; i++) {
            if (out[i] == key[0] && java.util.Arrays.equals(out, i, i + key.length, key, 0, key.length)) {
                int j = i + key.length;
                while (j < out.length && out[j] != '"') {
                    out[j++] = 'x';
                }
                seeds++;
            }
        }
        assertTrue(seeds > 0, "the drive holds meta_data.json's random_seed");
        return out;
    }

    @Test
    void bothFormatsAreWhatGetStreamsInAFormat2ImageOfTheNameAsked() throws Exception {
        long timestamp = 1_700_000_000L;
        for (String format : List.of("iso9660", "vfat")) {
            String image = name();
            HttpResponse<String> r = post(service, body(rbd(image), format, timestamp));
            assertEquals(201, r.statusCode(), r.body());
            JsonNode written = JSON.readTree(r.body());
            byte[] streamed = streamed(format, timestamp);
            assertEquals(rbd(image), written.get("output").asText(), r.body());
            assertEquals(ceph.pool(), written.get("pool").asText(), r.body());
            assertEquals(image, written.get("image").asText(), r.body());
            assertEquals(format, written.get("format").asText(), r.body());
            assertEquals(streamed.length, written.get("size").asLong(), r.body());
            assertFalse(written.has("libvirt_xml"), r.body());
            byte[] rbdBytes = exported(image);
            assertEquals(streamed.length, rbdBytes.length, format);
            // the same drive byte for byte but for random_seed, which is new for every drive (as Nova's)
            assertArrayEquals(seedMasked(streamed), seedMasked(rbdBytes), format);
            JsonNode info = JSON.readTree(ceph.rbdAdminOk("info", "--format", "json", ceph.pool() + "/" + image));
            assertEquals(2, info.path("format").asInt(), info.toString());
            assertEquals(image, info.path("name").asText(), info.toString());
            assertEquals(streamed.length, info.path("size").asLong(), info.toString());
            assertEquals(List.of(image), named(ceph.pool(), image), "no temporary image is left");
        }
    }

    @Test
    void anExistingImageIsKeptWithoutForceAndReplacedWithIt() throws Exception {
        String image = name();
        assertEquals(201, post(service, body(rbd(image), "iso9660", 1_700_000_000L)).statusCode());
        byte[] before = exported(image);
        HttpResponse<String> again = post(service, body(rbd(image), "iso9660", 1_800_000_000L));
        assertEquals(409, again.statusCode(), again.body());
        assertEquals("image_exists", error(again).get("code").asText(), again.body());
        assertEquals("/output", error(again).get("field").asText(), again.body());
        assertArrayEquals(before, exported(image), "kept");
        HttpResponse<String> forced = post(service, body(rbd(image), "iso9660", 1_800_000_000L).put("force", true));
        assertEquals(201, forced.statusCode(), forced.body());
        byte[] after = exported(image);
        assertFalse(java.util.Arrays.equals(seedMasked(before), seedMasked(after)), "replaced (another timestamp)");
        assertArrayEquals(seedMasked(streamed("iso9660", 1_800_000_000L)), seedMasked(after));
        assertEquals(List.of(image), named(ceph.pool(), image));
    }

    @Test
    void anImageAVmHasOpenIsNotReplaced() throws Exception {
        String image = name();
        assertEquals(201, post(service, body(rbd(image), "iso9660", 1_700_000_000L)).statusCode());
        byte[] before = exported(image);
        scratch.client(ceph.librbdClient(image, "hold"));
        HttpResponse<String> r = post(service, body(rbd(image), "iso9660", 1_800_000_000L).put("force", true));
        assertEquals(409, r.statusCode(), r.body());
        assertEquals("image_in_use", error(r).get("code").asText(), r.body());
        assertTrue(error(r).get("message").asText().contains("open elsewhere"), r.body());
        assertArrayEquals(before, exported(image), "the existing drive is kept");
        assertEquals(List.of(image), named(ceph.pool(), image), "the new drive written meanwhile is removed");
    }

    @Test
    void theLibvirtXmlIsTheNetworkDiskNovasRbdBackendMakes() throws Exception {
        String image = uuid + "_disk.config";
        scratch.image(ceph.pool() + "/" + image);
        HttpResponse<String> r = post(service, body(rbd(image), "iso9660", 1_700_000_000L).put("force", true)
                .put("libvirt_xml", true).put("rbd_secret_uuid", SECRET).put("machine_type", "q35"));
        assertEquals(201, r.statusCode(), r.body());
        String xml = JSON.readTree(r.body()).get("libvirt_xml").asText();
        Command.Result nova = Tool.python("tools/nova-oracle/nova_libvirt_xml.py", "--format", "iso9660",
                "--machine-type", "q35", "--uuid", uuid, "--rbd-pool", ceph.pool(), "--ceph-conf",
                ceph.conf().toString(), "--rbd-user", ceph.user(), "--rbd-secret-uuid", SECRET);
        assertEquals(0, nova.exit(), nova.stderr());
        assertEquals(LibvirtXmlTest.structure(LibvirtXmlTest.parse(nova.stdout())),
                LibvirtXmlTest.structure(LibvirtXmlTest.parse(xml)), "ours:\n" + xml + "Nova's:\n" + nova.stdout());
        HttpResponse<String> noSecret = post(service, body(rbd(name()), "iso9660", 1_700_000_000L)
                .put("libvirt_xml", true));
        assertEquals(400, noSecret.statusCode(), noSecret.body());
        assertEquals("/rbd_secret_uuid", error(noSecret).get("field").asText(), noSecret.body());
    }

    @Test
    void badTargetsAreRefusedWithTheInjectEndpointsStatusesAndNothingIsWritten() throws Exception {
        String image = name();
        Path conf = Files.writeString(tmp.resolve("not-a-conf"), "[global]\nmon_host = 127.0.0.1:1\n");
        // {output, status, code, words of the message}
        List<String[]> cases = new ArrayList<>(List.of(
                new String[] {"rbd:" + ceph.pool(), "400", "invalid_field", "expected POOL/IMAGE"},
                new String[] {"/var/lib/nova/instances/x/disk.config", "400", "invalid_field", "rbd:POOL/IMAGE"},
                new String[] {"rbd:" + ceph.pool() + "-other/" + image, "403", "image_not_allowed",
                    "inject-allowed-pools"},
                new String[] {"rbd:" + MISSING_POOL + "/" + image, "404", "pool_not_found", "no pool " + MISSING_POOL}));
        for (String option : List.of(":conf=" + conf, ":keyring=" + conf, ":id=admin", ":mon_host=127.0.0.1\\:1")) {
            cases.add(new String[] {rbd(image) + option, "400", "invalid_field",
                "the service connects with its own Ceph settings"});
        }
        for (String[] c : cases) {
            HttpResponse<String> r = post(service, body(c[0], "iso9660", 1_700_000_000L));
            assertEquals(Integer.parseInt(c[1]), r.statusCode(), c[0] + ": " + r.body());
            assertEquals(c[2], error(r).get("code").asText(), c[0] + ": " + r.body());
            assertEquals("/output", error(r).get("field").asText(), c[0] + ": " + r.body());
            assertTrue(error(r).get("message").asText().contains(c[3]), c[0] + ": " + r.body());
        }
        HttpResponse<String> unknown = post(service, body(rbd(image), "iso9660", 1_700_000_000L)
                .put("disk_path", "/x"));
        assertEquals(400, unknown.statusCode(), unknown.body());
        assertEquals("unknown_field", error(unknown).get("code").asText(), unknown.body());
        HttpResponse<String> badOption = post(service, body(rbd(image), "iso9660", 1_700_000_000L)
                .put("volume_size", 1 << 20));
        assertEquals(400, badOption.statusCode(), badOption.body());
        assertEquals("/volume_size", error(badOption).get("field").asText(), badOption.body());
        HttpResponse<String> seed = post(service, body(rbd(image), "nocloud", 1_700_000_000L));
        assertEquals(409, seed.statusCode(), seed.body());
        assertEquals("format_limit", error(seed).get("code").asText(), seed.body());
        assertEquals("/format", error(seed).get("field").asText(), seed.body());
        assertEquals(List.of(), named(ceph.pool(), image), "nothing written");
    }

    @Test
    void theBearerTokenIsRequired() throws Exception {
        String image = name();
        for (String authorization : new String[] {null, "Bearer wrong-token-0123456789"}) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.server().apiPort()
                    + "/v1/instances/" + uuid + "/config-drive")).header("Content-Type", "application/json");
            if (authorization != null) {
                b.header("Authorization", authorization);
            }
            HttpResponse<String> r = http.send(b.POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(
                    body(rbd(image), "iso9660", 1_700_000_000L)))).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, r.statusCode(), r.body());
        }
        assertEquals(List.of(), named(ceph.pool(), image), "nothing written");
    }

    @Test
    void anUnreachableClusterIs503() throws Exception {
        Path conf = Files.writeString(tmp.resolve("unreachable.conf"), "[global]\nmon_host = 127.0.0.1:1\n"
                + "auth_client_required = cephx\n");
        try (ServeService unreachable = ManagementApiInjectRbdTest.serve(tmp.resolve("data"), Map.of(
                "inject-allowed-pools", List.of("rbd"), "ceph-conf", conf.toString(), "ceph-user", ceph.user(),
                "ceph-keyring", ceph.keyring().toString(), "ceph-timeout", "2", "inject-sandbox", "off"))) {
            ManagementApiInjectRbdTest.createInstance(unreachable);
            HttpResponse<String> r = post(unreachable, body("rbd:rbd/" + uuid + "_disk.config", "iso9660",
                    1_700_000_000L));
            assertEquals(503, r.statusCode(), r.body());
            assertEquals("ceph_unavailable", error(r).get("code").asText(), r.body());
            assertTrue(error(r).get("message").asText().contains("cannot connect to the Ceph cluster (mon_host "
                    + "127.0.0.1:1) as client." + ceph.user() + ": timed out after 2 s"), r.body());
        }
    }

    /**
     * A pool whose quota is reached (its own pool, {@code ceph osd pool set-quota}, written as client.admin, the only
     * user whose caps reach it) refuses the drive with 507, nothing left in it (without {@code rados_set_pool_full_try}
     * librbd would wait, paused, until the op timeout and the answer be 503).
     */
    @Test
    void aPoolOverItsQuotaIs507() throws Exception {
        String pool = CephCluster.uniqueName("quota");
        cephOk("osd", "pool", "create", pool, "8", "8");
        try {
            cephOk("osd", "pool", "application", "enable", pool, "rbd");
            cephOk("osd", "pool", "set-quota", pool, "max_objects", "1");
            // an image is at least its id, header and the pool's directory objects: over the quota of one
            ceph.rbdAdminOk("create", "--size", "1M", pool + "/filler");
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (!cephOk("osd", "pool", "ls", "detail").lines().anyMatch(l -> l.contains("'" + pool + "'")
                    && l.contains("full_quota"))) {
                assertTrue(System.nanoTime() < deadline, "the pool was not marked full within 2 minutes");
                Thread.sleep(1000);
            }
            try (ServeService admin = ManagementApiInjectRbdTest.serve(tmp.resolve("data"), Map.of(
                    "inject-allowed-pools", List.of(pool), "ceph-conf", ceph.conf().toString(), "ceph-user", "admin",
                    "ceph-keyring", ceph.adminKeyring().toString(), "ceph-timeout", "20"))) {
                ManagementApiInjectRbdTest.createInstance(admin);
                HttpResponse<String> r = post(admin, body("rbd:" + pool + "/" + uuid + "_disk.config", "iso9660",
                        1_700_000_000L));
                assertEquals(507, r.statusCode(), r.body());
                assertEquals("pool_full", error(r).get("code").asText(), r.body());
                assertTrue(error(r).get("message").asText().contains("quota"), r.body());
            }
            assertEquals(List.of("filler"), ceph.rbdAdminOk("ls", pool).lines().toList(), "nothing written");
        } finally {
            cephOk("osd", "pool", "delete", pool, pool, "--yes-i-really-really-mean-it");
        }
    }

    private static String cephOk(String... args) {
        Command.Result r = ceph.cephAdmin(args);
        assertEquals(0, r.exit(), "ceph " + String.join(" ", args) + ": " + r.stderr());
        return r.stdout();
    }
}
