package io.guestdata.server.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.core.Instance;
import io.guestdata.core.document.InstanceDocumentParser;
import io.guestdata.core.document.KeyPairResolver;
import io.guestdata.core.document.Limits;
import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.server.metadata.ClientResetTest;
import io.guestdata.server.metadata.ConnectionLimits;
import io.guestdata.server.metadata.ConnectionLimitsTest;
import io.guestdata.server.metadata.ErrorResponse;
import io.guestdata.server.metadata.IdentificationMode;
import io.guestdata.server.metadata.dev.InMemoryInstanceDirectory;
import io.guestdata.server.metadata.dev.InMemoryPasswordStore;
import io.guestdata.server.metadata.LogCapture;
import io.guestdata.server.metadata.MetadataServer;
import io.guestdata.server.metadata.MetadataServerConfig;
import io.guestdata.server.metadata.RequestRate;
import io.guestdata.testkit.DebianPython;
import io.guestdata.testkit.ToolTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@link MetadataServer} in proxy mode behind the real {@link MetadataProxy}, both in-process on
 * loopback; guests are client sockets bound to 127.0.0.2 and 127.0.0.3.
 */
@ToolTest
class MetadataProxyTest {
    private static final String SECRET = "neutron-shared-secret";
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String A = "b65cee2f-8c69-4aeb-be2f-f79742548fc2";
    private static final String B = "0f5c2b8e-1d2a-4c3b-9e8f-7a6b5c4d3e2f";
    private static final InetAddress GUEST_A = address("127.0.0.2");
    private static final InetAddress GUEST_B = address("127.0.0.3");
    private static final InetAddress STRANGER = address("127.0.0.4");

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();
    private InMemoryInstanceDirectory directory;

    @BeforeEach
    void instances() throws Exception {
        directory = new InMemoryInstanceDirectory(MetadataOptions.defaults());
        directory.put(instance(A, "project-a", "guest-a"));
        directory.put(instance(B, "project-b", "guest-b"));
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
    }

    @Test
    void eachGuestGetsOnlyItsOwnDataUnchanged() throws Exception {
        MetadataServer service = service();
        MetadataProxy proxy = proxy(List.of(service.port()), mappingFile(A + ":project-a", B + ":project-b"));
        assertEquals(A, json(get(GUEST_A, proxy, "/openstack/latest/meta_data.json")).get("uuid").asText());
        assertEquals(B, json(get(GUEST_B, proxy, "/openstack/latest/meta_data.json")).get("uuid").asText());
        assertEquals("guest-b", json(get(GUEST_B, proxy, "/openstack/latest/meta_data.json")).get("name").asText());

        // Status, headers and body as the service gives them to a correctly signed request.
        for (String path : List.of("/openstack/latest/network_data.json", "/latest/meta-data/", "/latest/meta-data/instance-id",
                "/openstack/latest/user_data", "/openstack/nope", "/latest/meta-data/local-ipv4", "/")) {
            for (String method : List.of("GET", "HEAD")) {
                Response viaProxy = request(GUEST_A, proxy.port(), method, path, Map.of(), null);
                Response direct = request(InetAddress.getLoopbackAddress(), service.port(), method, path,
                        Map.of("X-Instance-ID", A, "X-Tenant-ID", "project-a",
                                "X-Instance-ID-Signature", new Signer(SECRET).sign(A), "X-Forwarded-For", "127.0.0.2"), null);
                assertEquals(direct.status, viaProxy.status, method + " " + path);
                assertEquals(direct.headers.get("content-type"), viaProxy.headers.get("content-type"), method + " " + path);
                assertEquals(direct.headers.get("content-length"), viaProxy.headers.get("content-length"), method + " " + path);
                assertArrayEquals(direct.body, viaProxy.body, method + " " + path);
            }
        }
        // The service saw the guest's address as X-Forwarded-For (local-ipv4 fallback, no static address here).
        assertEquals("127.0.0.3", get(GUEST_B, proxy, "/latest/meta-data/local-ipv4").text());
        // The password endpoint (POST with a body) goes through, once, as in Nova.
        Response post = request(GUEST_A, proxy.port(), "POST", "/openstack/latest/password", Map.of(), "s3cr3t-pw");
        assertEquals(200, post.status);
        assertEquals("s3cr3t-pw", get(GUEST_A, proxy, "/openstack/latest/password").text());
        assertEquals(409, request(GUEST_A, proxy.port(), "POST", "/openstack/latest/password", Map.of(), "again").status);
        assertEquals("", get(GUEST_B, proxy, "/openstack/latest/password").text());
    }

    @Test
    void forgedIdentityHeadersAreReplaced() throws Exception {
        MetadataServer service = service();
        MetadataProxy proxy = proxy(List.of(service.port()), mappingFile(A + ":project-a", B + ":project-b"));
        // Even a guest that knows the secret cannot name another instance.
        Map<String, String> forged = new LinkedHashMap<>();
        forged.put("X-Instance-ID", B);
        forged.put("X-Tenant-ID", "project-b");
        forged.put("X-Instance-ID-Signature", new Signer(SECRET).sign(B));
        forged.put("X-Forwarded-For", "127.0.0.3");
        forged.put("x-instance-id", B);
        forged.put("X-Metadata-Provider", "p");
        Response r = request(GUEST_A, proxy.port(), "GET", "/openstack/latest/meta_data.json", forged, null);
        assertEquals(200, r.status);
        assertEquals(A, json(r).get("uuid").asText());
        assertEquals("127.0.0.2", request(GUEST_A, proxy.port(), "GET", "/latest/meta-data/local-ipv4", forged, null).text());
        // An IMDSv2 token PUT carrying a guest's X-Forwarded-For is not refused for it: the header never arrives.
        Response token = request(GUEST_A, proxy.port(), "PUT", "/latest/api/token",
                Map.of("X-aws-ec2-metadata-token-ttl-seconds", "60", "X-Forwarded-For", "10.0.0.1"), null);
        assertEquals(200, token.status);
        Response withToken = request(GUEST_A, proxy.port(), "GET", "/latest/meta-data/instance-id",
                Map.of("X-aws-ec2-metadata-token", token.text()), null);
        assertEquals(200, withToken.status);
        // B's token is not A's.
        Response other = request(GUEST_B, proxy.port(), "GET", "/latest/meta-data/instance-id",
                Map.of("X-aws-ec2-metadata-token", token.text()), null);
        assertEquals(401, other.status);
    }

    @Test
    void unknownGuestIs404WithoutContactingTheService() throws Exception {
        AtomicInteger accepted = new AtomicInteger();
        ServerSocket counting = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        open.add(counting);
        Thread.ofVirtual().start(() -> {
            while (!counting.isClosed()) {
                try (Socket s = counting.accept()) {
                    accepted.incrementAndGet();
                } catch (IOException e) {
                    return;
                }
            }
        });
        MetadataProxy proxy = proxy(List.of(counting.getLocalPort()), mappingFile(A + ":project-a"));
        Response r = get(STRANGER, proxy, "/openstack/latest/meta_data.json");
        assertEquals(404, r.status);
        assertEquals("404 Not Found\n\nThe resource could not be found.\n\n   ", r.text());
        assertEquals(404, get(STRANGER, proxy, "/").status);
        assertEquals(0, accepted.get());
        assertEquals(2, proxy.counters()[1]);
        assertTrue(metrics(proxy).contains("guestdata_proxy_unknown_guests_total 2\n"), metrics(proxy));
        assertEquals("ok\n", request(InetAddress.getLoopbackAddress(), proxy.managementPort(), "GET", "/healthz",
                Map.of(), null).text());
        assertEquals(404, get(STRANGER, proxy, "/metrics").status, "not on the guest listener");
    }

    @Test
    void failsOverWhenANodeIsDown() throws Exception {
        MetadataServer one = service();
        MetadataServer two = service();
        // a closed port (connections refused) that A's ranking puts first, so A's first request meets it
        int dead;
        List<Upstreams.Node> ranked;
        do {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                dead = s.getLocalPort();
            }
            ranked = upstreams(dead, one.port(), two.port()).rank(A);
        } while (ranked.getFirst().address.getPort() != dead);
        MetadataProxy proxy = proxy(List.of(dead, one.port(), two.port()), mappingFile(A + ":project-a"));
        for (int i = 0; i < 6; i++) {
            assertEquals(A, get(GUEST_A, proxy, "/latest/meta-data/instance-id").status == 200
                    ? json(get(GUEST_A, proxy, "/openstack/latest/meta_data.json")).get("uuid").asText() : "failed");
        }
        assertTrue(proxy.counters()[2] >= 1, "failed over at least once");
        // A's node goes away while its connections are pooled: still answered, by the other.
        MetadataServer served = ranked.get(1).address.getPort() == one.port() ? one : two;
        MetadataServer other = served == one ? two : one;
        served.close();
        open.remove(served);
        for (int i = 0; i < 6; i++) {
            assertEquals(200, get(GUEST_A, proxy, "/latest/meta-data/instance-id").status);
        }
        other.close();
        open.remove(other);
        Response none = get(GUEST_A, proxy, "/latest/meta-data/instance-id");
        assertEquals(500, none.status);
        assertEquals("500 Internal Server Error\n\nAn unknown error has occurred. Please try your request again.\n\n   ",
                none.text());
    }

    @Test
    void mappingFileIsReloadedAndABadOneIgnored() throws Exception {
        MetadataServer service = service();
        Path file = mappingFile(A + ":project-a");
        MetadataProxy proxy = proxy(List.of(service.port()), file);
        assertEquals(404, get(GUEST_B, proxy, "/openstack/latest/meta_data.json").status);
        replace(file, "127.0.0.2=" + A + ":project-a\n127.0.0.3=" + B + ":project-b\n");
        proxy.checkMapping();
        assertEquals(B, json(get(GUEST_B, proxy, "/openstack/latest/meta_data.json")).get("uuid").asText());
        replace(file, "127.0.0.3=not-a-uuid\n");
        proxy.checkMapping();
        assertEquals(B, json(get(GUEST_B, proxy, "/openstack/latest/meta_data.json")).get("uuid").asText(),
                "a bad file keeps the last mapping");
        // The wrong project: the service's 404.
        replace(file, "127.0.0.3=" + B + ":project-a\n");
        proxy.checkMapping();
        assertEquals(404, get(GUEST_B, proxy, "/openstack/latest/meta_data.json").status);
    }

    @Test
    void listensOnEveryAddressAtOnce() throws Exception {
        MetadataServer service = service();
        MetadataProxyConfig.Builder b = MetadataProxyConfig.builder()
                .listen(new InetSocketAddress("127.0.0.1", 0), new InetSocketAddress("::1", 0))
                .upstream(new InetSocketAddress("127.0.0.1", service.port())).sharedSecret(SECRET)
                .map("127.0.0.2=" + A + ":project-a").map("::1=" + B + ":project-b");
        MetadataProxy proxy = MetadataProxy.start(b.build());
        open.add(proxy);
        List<Integer> ports = proxy.ports();
        assertEquals(2, ports.size());
        assertEquals(proxy.port(), ports.get(0));
        assertEquals(A, json(request(GUEST_A, ports.get(0), "GET", "/openstack/latest/meta_data.json", Map.of(), null))
                .get("uuid").asText());
        assertEquals(B, json(request(address("::1"), ports.get(1), "GET", "/openstack/latest/meta_data.json", Map.of(), null))
                .get("uuid").asText());
        // One address that cannot be bound stops the start, naming it.
        IOException taken = assertThrows(IOException.class, () -> MetadataProxy.start(b
                .listen(new InetSocketAddress("127.0.0.1", 0), new InetSocketAddress("::1", ports.get(1))).build()));
        assertEquals("cannot listen on [::1]:" + ports.get(1) + " (Address already in use)", taken.getMessage());
    }

    @Test
    void mappingSyntax() {
        Signer signer = new Signer(SECRET);
        GuestMapping m = GuestMapping.parse(List.of("# comment", "", "127.0.0.2 = " + A + ":p  # trailing",
                "::ffff:127.0.0.3=" + B, "[fe80::1]=" + B + ":q"), "t", signer);
        assertEquals(3, m.size());
        assertEquals("p", m.find(GUEST_A).projectId());
        assertEquals("", m.find(GUEST_B).projectId());
        assertEquals("4c1befaa1cac178d08081090893c8eff849ab35a9717b58262875f3c9236e1f7",
                GuestMapping.parse(List.of("10.0.0.1=" + A), "t", new Signer("s3cret")).find(address("10.0.0.1")).signature(),
                "nova-compat.md §2.3 test vector");
        for (String bad : List.of("127.0.0.2", "host.example=" + A, "127.0.0.2=" + A.toUpperCase(Locale.ROOT),
                "127.0.0.2=" + A + ":", "127.0.0.2=nope")) {
            assertThrows(IllegalArgumentException.class, () -> GuestMapping.parse(List.of(bad), "t", signer), bad);
        }
        IllegalArgumentException dup = assertThrows(IllegalArgumentException.class,
                () -> GuestMapping.parse(List.of("127.0.0.2=" + A, "127.0.0.2=" + B), "f", signer));
        assertTrue(dup.getMessage().startsWith("f:2: "), dup.getMessage());
        // IPv6 in any spelling, with or without a zone, is one address; so is ::ffff:a.b.c.d and a.b.c.d.
        GuestMapping v6 = GuestMapping.parse(List.of("fe80:0:0:0:0:0:0:a%tap0=" + A, "FD00::5=" + B), "t", signer);
        assertEquals(A, v6.find(address("fe80::a")).instanceId());
        assertEquals(A, v6.find(address("fe80::a%1")).instanceId(), "a source's scope is dropped");
        assertEquals(B, v6.find(address("fd00:0::5")).instanceId());
        for (List<String> twice : List.of(List.of("fe80::a=" + A, "[fe80:0::a%tap1]=" + B),
                List.of("10.0.0.5=" + A, "::ffff:10.0.0.5=" + B))) {
            assertThrows(IllegalArgumentException.class, () -> GuestMapping.parse(twice, "f", signer), twice.toString());
        }
        assertThrows(IllegalArgumentException.class, () -> GuestMapping.parse(List.of("127.1=" + A), "t", signer),
                "short IPv4 forms are not addresses");
        GuestMapping over = GuestMapping.parse(List.of("127.0.0.2=" + A), "f", signer)
                .withOverrides(GuestMapping.parse(List.of("127.0.0.2=" + B), "--map", signer));
        assertEquals(B, over.find(GUEST_A).instanceId());
    }

    @Test
    void cloudInitOpenStackDatasourceThroughTheProxy() throws Exception {
        DebianPython.assumeInstalled();
        MetadataServer service = service();
        // The harness connects from 127.0.0.1: that is the guest here.
        MetadataProxy proxy = proxy(List.of(service.port()), mappingFile("127.0.0.1", A + ":project-a"));
        Process p = new ProcessBuilder(DebianPython.PATH, repoRoot().resolve("tools/consumers/cloudinit_openstack_http.py").toString(),
                "http://127.0.0.1:" + proxy.port()).redirectErrorStream(false).start();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), err);
        JsonNode ci = MAPPER.readTree(out);
        assertEquals(true, ci.get("claimed").asBoolean());
        assertEquals(A, ci.get("instance_id").asText());
        assertEquals("project-a", ci.get("project_id").asText());
        assertTrue(ci.get("local_hostname").asText().startsWith("guest-a"), ci.toString());
        assertEquals(512, ci.get("random_seed_len").asInt());
        assertEquals(json(get(address("127.0.0.1"), proxy, "/openstack/latest/network_data.json")), ci.get("network_json"));
        assertTrue(ci.get("ec2_metadata").has("instance-id"), ci.toString());
        // the whole boot's reads, through the proxy's and the service's default limits: never throttled
        assertTrue(proxy.rateLimit().rate().enabled() && service.rateLimit().rate().enabled());
        assertEquals(0, proxy.rateLimit().throttledRequests());
        assertEquals(0, service.rateLimit().throttledRequests());
    }

    @Test
    void aGuestOverItsRateGets429FromTheProxyWhileAnotherIsServed() throws Exception {
        MetadataServer service = service();
        MetadataProxy proxy = proxy(List.of(service.port()), mappingFile(A + ":project-a", B + ":project-b"),
                ConnectionLimits.defaults(), RequestRate.defaults().withBurst(3).withPerSecond(0.5));
        for (int i = 0; i < 3; i++) {
            assertEquals(A, json(get(GUEST_A, proxy, "/openstack/latest/meta_data.json")).get("uuid").asText());
        }
        long reachedService = service.metrics().requests(200);
        Response over = get(GUEST_A, proxy, "/openstack/latest/meta_data.json");
        assertEquals(429, over.status);
        // the next token is at most 2 s away (0.5/s): 2, or 1 if the burst took over a second to send
        assertTrue(List.of("1", "2").contains(over.headers.get("retry-after")), over.headers.toString());
        assertEquals("text/plain; charset=UTF-8", over.headers.get("content-type"));
        assertEquals("429 Too Many Requests\n\nThe client has sent too many requests in a given amount of time\n\n   ",
                over.text());
        Response json = request(GUEST_A, proxy.port(), "GET", "/latest/meta-data/", Map.of("Accept", "application/json"),
                null);
        assertEquals(429, json.status);
        assertEquals(new String(ErrorResponse.TOO_MANY_REQUESTS.render("application/json").body(),
                StandardCharsets.UTF_8), json.text());
        assertEquals(reachedService, service.metrics().requests(200), "a throttled request never reaches the service");
        assertEquals(0, service.metrics().requests(429));
        // the other guest, at the same time, has its own bucket
        for (int i = 0; i < 3; i++) {
            assertEquals(B, json(get(GUEST_B, proxy, "/openstack/latest/meta_data.json")).get("uuid").asText());
        }
        // an address the mapping does not have is limited on its own: 404s, then 429
        for (int i = 0; i < 3; i++) {
            assertEquals(404, get(STRANGER, proxy, "/latest/meta-data/").status);
        }
        assertEquals(429, get(STRANGER, proxy, "/latest/meta-data/").status);
        assertEquals(3, proxy.rateLimit().throttledRequests());
        assertEquals(2, proxy.rateLimit().throttledRequesters());
        String metrics = metrics(proxy);
        assertTrue(metrics.contains("guestdata_proxy_rate_limited_requests_total 3\n"), metrics);
        assertTrue(metrics.contains("guestdata_proxy_rate_limited_requesters_total 2\n"), metrics);
        assertEquals(0, service.rateLimit().throttledRequests(), "the service's own limit was not reached");
    }

    @Test
    void aGuestCannotTakeTheProxyFromTheOthers() throws Exception {
        MetadataServer service = service();
        ConnectionLimits limits = ConnectionLimits.defaults().withMaxConnections(8).withMaxPerSource(4)
                .withFirstRequestTimeout(java.time.Duration.ofSeconds(30));
        MetadataProxy proxy = proxy(List.of(service.port()), mappingFile(A + ":project-a", B + ":project-b"), limits);
        List<Socket> attacker = new ArrayList<>();
        try {
            for (int i = 0; i < 12; i++) {
                attacker.add(ConnectionLimitsTest.connect("127.0.0.2", proxy.port()));
            }
            long start = System.nanoTime();
            Response other = get(GUEST_B, proxy, "/openstack/latest/meta_data.json");
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(B, json(other).get("uuid").asText());
            assertTrue(millis < 2000, "the other guest answered in " + millis + " ms");
            List<Socket> open = ConnectionLimitsTest.stillOpen(attacker, () -> proxy.connections().refused(), 8);
            assertEquals(4, open.size(), "4 kept, 8 closed at once");
            assertEquals(8, proxy.connections().refused());
            assertTrue(metrics(proxy).contains("guestdata_proxy_connections_refused_total 8\n"), metrics(proxy));
            assertEquals(200, ConnectionLimitsTest.exchange(open.getFirst(),
                    "GET /latest/meta-data/instance-id HTTP/1.1\r\nHost: x\r\n\r\n").status());
        } finally {
            for (Socket s : attacker) {
                s.close();
            }
        }
        assertTrue(ConnectionLimits.defaults().maxPerSource() < MetadataProxyConfig.builder().map("10.0.0.1=" + A)
                .upstream(new InetSocketAddress("127.0.0.1", 1)).build().connections().maxConnections());
    }

    @Test
    void silentConnectionsAndConnectionCloseAreClosed() throws Exception {
        MetadataServer service = service();
        ConnectionLimits limits = ConnectionLimits.defaults().withFirstRequestTimeout(java.time.Duration.ofSeconds(1))
                .withIdleTimeout(java.time.Duration.ofSeconds(60));
        MetadataProxy proxy = proxy(List.of(service.port()), mappingFile(A + ":project-a"), limits);
        try (Socket silent = ConnectionLimitsTest.connect("127.0.0.2", proxy.port());
             Socket closing = ConnectionLimitsTest.connect("127.0.0.2", proxy.port())) {
            long start = System.nanoTime();
            var answer = ConnectionLimitsTest.exchange(closing,
                    "GET /latest/meta-data/instance-id HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertEquals(200, answer.status());
            assertTrue(ConnectionLimitsTest.closedWithin(closing, 1000), "Connection: close: EOF within 1 s");
            assertTrue(ConnectionLimitsTest.closedWithin(silent, 4000), "a silent connection is closed");
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis >= 900 && millis < 3000, "closed after " + millis + " ms");
        }
    }

    @Test
    void http10GuestsAreAnsweredAsHttp11Ones() throws Exception {
        MetadataServer service = service();
        MetadataProxy proxy = proxy(List.of(service.port()), mappingFile(A + ":project-a", B + ":project-b"));
        for (String path : List.of("/openstack/latest/network_data.json", "/latest/meta-data/instance-id", "/nope")) {
            Response http11 = get(GUEST_A, proxy, path);
            for (String head : List.of("", "Host: 169.254.169.254\r\n", "Connection: close\r\n")) {
                try (Socket s = ConnectionLimitsTest.connect("127.0.0.2", proxy.port())) {
                    var http10 = ConnectionLimitsTest.exchange(s, "GET " + path + " HTTP/1.0\r\n" + head + "\r\n");
                    assertEquals(http11.status, http10.status(), path + " " + head);
                    assertEquals(http11.headers.get("content-type"), http10.header("Content-Type"), path);
                    assertEquals(http11.headers.get("content-length"), http10.header("Content-Length"), path);
                    assertArrayEquals(http11.body, http10.body(), path + " " + head);
                    assertEquals("close", http10.header("Connection"));
                    assertTrue(ConnectionLimitsTest.closedWithin(s, 1000), path + " " + head + ": closed after the answer");
                }
            }
        }
        // a signed HTTP/1.0 request straight to the service (proxy mode) is identified as a 1.1 one
        String signed = "X-Instance-ID: " + B + "\r\nX-Tenant-ID: project-b\r\nX-Instance-ID-Signature: "
                + new Signer(SECRET).sign(B) + "\r\nX-Forwarded-For: 127.0.0.3\r\n";
        for (String version : List.of("HTTP/1.0\r\n", "HTTP/1.1\r\nHost: x\r\nConnection: close\r\n")) {
            try (Socket s = ConnectionLimitsTest.connect("127.0.0.1", service.port())) {
                var r = ConnectionLimitsTest.exchange(s, "GET /openstack/latest/meta_data.json " + version + signed + "\r\n");
                assertEquals(B, MAPPER.readTree(r.body()).get("uuid").asText(), version);
                assertTrue(ConnectionLimitsTest.closedWithin(s, 1000), version);
            }
            try (Socket s = ConnectionLimitsTest.connect("127.0.0.1", service.port())) {
                var r = ConnectionLimitsTest.exchange(s, "GET /openstack/latest/meta_data.json " + version
                        + signed.replace(new Signer(SECRET).sign(B), new Signer("wrong").sign(B)) + "\r\n");
                assertEquals(403, r.status(), version);
            }
        }
        // Python's http.client speaking HTTP/1.0, from each guest: each gets its own instance (signed by the proxy)
        for (InetAddress guest : List.of(GUEST_A, GUEST_B)) {
            Process p = new ProcessBuilder(DebianPython.PATH, "-c", String.join("\n",
                    "import http.client, json",
                    "http.client.HTTPConnection._http_vsn = 10",
                    "http.client.HTTPConnection._http_vsn_str = 'HTTP/1.0'",
                    "c = http.client.HTTPConnection('127.0.0.1', " + proxy.port() + ", source_address=('"
                            + guest.getHostAddress() + "', 0))",
                    "c.request('GET', '/openstack/latest/meta_data.json')",
                    "r = c.getresponse()",
                    "print(r.status, r.will_close, json.loads(r.read())['uuid'])")).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertEquals(0, p.waitFor());
            assertEquals("200 True " + (guest.equals(GUEST_A) ? A : B), out);
        }
        // curl -0 (sends Host) through the proxy
        Process curl = new ProcessBuilder("curl", "-0", "-sS", "--interface", "127.0.0.3",
                "http://127.0.0.1:" + proxy.port() + "/latest/meta-data/instance-id").redirectErrorStream(true).start();
        String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, curl.waitFor(), out);
        assertEquals(get(GUEST_B, proxy, "/latest/meta-data/instance-id").text(), out);
    }

    @Test
    void aNodeAnswerOfUnknownLengthReachesAnHttp10GuestWithItsLength() throws Exception {
        // A node that answers chunked, or until it closes (the service never does; another node might), with a body
        // larger than Helidon's response buffer (a 1.1 guest gets it chunked).
        String body = "0123456789".repeat(10_000);
        String chunks = ("3e8\r\n" + "0123456789".repeat(100) + "\r\n").repeat(100) + "0\r\n\r\n";
        for (String answer : List.of(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks,
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n" + body)) {
            try (ServerSocket node = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
                List<String> heads = new java.util.concurrent.CopyOnWriteArrayList<>();
                Thread.ofVirtual().start(() -> {
                    while (!node.isClosed()) {
                        try (Socket c = node.accept()) {
                            ByteArrayOutputStream head = new ByteArrayOutputStream();
                            InputStream in = c.getInputStream();
                            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                                head.write(in.read());
                            }
                            heads.add(head.toString(StandardCharsets.ISO_8859_1));
                            c.getOutputStream().write(answer.getBytes(StandardCharsets.ISO_8859_1));
                        } catch (IOException e) {
                            return;
                        }
                    }
                });
                MetadataProxy proxy = proxy(List.of(node.getLocalPort()), mappingFile(A + ":project-a"));
                try (Socket s = ConnectionLimitsTest.connect("127.0.0.2", proxy.port())) {
                    var http10 = ConnectionLimitsTest.exchange(s, "GET /x HTTP/1.0\r\n\r\n");
                    assertEquals(body, http10.text());
                    assertEquals("100000", http10.header("Content-Length"));
                    assertEquals(null, http10.header("Transfer-Encoding"));
                    assertTrue(ConnectionLimitsTest.closedWithin(s, 1000));
                }
                // the node was asked over HTTP/1.1, with the address the guest connected to as Host
                assertTrue(heads.getFirst().startsWith("GET /x HTTP/1.1\r\n"), heads.getFirst());
                assertTrue(heads.getFirst().contains("\r\nHost: 127.0.0.1:" + proxy.port() + "\r\n"), heads.getFirst());
                // an HTTP/1.1 guest still gets the answer streamed
                try (Socket s = ConnectionLimitsTest.connect("127.0.0.2", proxy.port())) {
                    var http11 = ConnectionLimitsTest.exchange(s, "GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
                    assertEquals(body, http11.text());
                    assertEquals("chunked", http11.header("Transfer-Encoding"));
                }
                proxy.close();
            }
        }
    }

    @Test
    void aGuestResettingAStreamedAnswerIsOneQuietLine() throws Exception {
        String big = "6a1f3c52-8d1e-4f7b-9a0c-2b3d4e5f6a7b";
        directory.put(io.guestdata.server.metadata.Fixtures.withUserData(big, "project-a", 4 << 20));
        MetadataServer service = service();
        MetadataProxy proxy = proxy(List.of(service.port()), mappingFile(big + ":project-a"));
        try (LogCapture logs = new LogCapture()) {
            for (int i = 0; i < ClientResetTest.RESETS; i++) {
                ClientResetTest.resetDuringAnswer("127.0.0.2", proxy.port(), "/openstack/latest/user_data");
            }
            ClientResetTest.awaitCount(proxy::guestResets, ClientResetTest.RESETS);
            assertEquals(ClientResetTest.RESETS, proxy.guestResets());
            assertTrue(metrics(proxy).contains("guestdata_proxy_guest_resets_total " + ClientResetTest.RESETS + "\n"));
            // the proxy's lines; the service behind it sees the proxy drop the node connection, and says so once too
            ClientResetTest.assertQuiet(logs, "io.guestdata.server.proxy", ClientResetTest.RESETS);
        }
        // the proxy and the service still answer
        assertEquals(big, json(get(GUEST_A, proxy, "/openstack/latest/meta_data.json")).get("uuid").asText());
    }

    // --- helpers

    private MetadataServer service() {
        MetadataServer s = MetadataServer.start(MetadataServerConfig.builder()
                .listen(new InetSocketAddress("127.0.0.1", 0)).noManagement()
                .mode(IdentificationMode.PROXY).sharedSecret(SECRET).build(), directory, new InMemoryPasswordStore());
        open.add(s);
        return s;
    }

    private static Upstreams upstreams(int... ports) {
        List<InetSocketAddress> addresses = new java.util.ArrayList<>();
        for (int p : ports) {
            addresses.add(new InetSocketAddress("127.0.0.1", p));
        }
        java.time.Duration d = java.time.Duration.ofSeconds(1);
        return new Upstreams(addresses, d, d, d, d);
    }

    /**
     * Each instance's requests go to one node (the storm's tree builds and kept answers stay on one node), the
     * instances spread over the nodes, and a node lost moves only its own instances: rendezvous ranking.
     */
    @Test
    void eachInstanceHasItsOwnNodeAndInstancesSpreadEvenly() {
        Upstreams three = upstreams(9001, 9002, 9003);
        Upstreams two = upstreams(9001, 9002);
        java.util.Map<Integer, Integer> firsts = new java.util.HashMap<>();
        for (int i = 0; i < 3000; i++) {
            String uuid = java.util.UUID.nameUUIDFromBytes(("instance-" + i).getBytes(StandardCharsets.UTF_8)).toString();
            int first = three.rank(uuid).getFirst().address.getPort();
            assertEquals(first, three.rank(uuid).getFirst().address.getPort(), "the same node every time");
            assertEquals(3, three.order(uuid).size());
            firsts.merge(first, 1, Integer::sum);
            int without = two.rank(uuid).getFirst().address.getPort();
            if (first != 9003) {
                assertEquals(first, without, "losing 9003 moves only 9003's instances");
            }
        }
        for (int port : List.of(9001, 9002, 9003)) {
            int n = firsts.getOrDefault(port, 0);
            assertTrue(n > 850 && n < 1150, "node " + port + " is first for " + n + " of 3000 instances: " + firsts);
        }
    }

    private MetadataProxy proxy(List<Integer> ports, Path mapping) throws IOException {
        return proxy(ports, mapping, ConnectionLimits.defaults());
    }

    private MetadataProxy proxy(List<Integer> ports, Path mapping, ConnectionLimits limits) throws IOException {
        return proxy(ports, mapping, limits, RequestRate.defaults());
    }

    private MetadataProxy proxy(List<Integer> ports, Path mapping, ConnectionLimits limits, RequestRate rate)
            throws IOException {
        MetadataProxyConfig.Builder b = MetadataProxyConfig.builder().connections(limits).requestRate(rate)
                .management(new InetSocketAddress("127.0.0.1", 0))
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .sharedSecret(SECRET).mappingFile(mapping).reloadInterval(java.time.Duration.ofHours(1))
                .connectTimeout(java.time.Duration.ofSeconds(1)).readTimeout(java.time.Duration.ofSeconds(10));
        ports.forEach(p -> b.upstream(new InetSocketAddress("127.0.0.1", p)));
        MetadataProxy proxy = MetadataProxy.start(b.build());
        open.add(proxy);
        return proxy;
    }

    /** A mapping file: A at 127.0.0.2 and B at 127.0.0.3, or explicit {@code ADDRESS, TARGET} pairs. */
    private Path mappingFile(String... entries) throws IOException {
        StringBuilder sb = new StringBuilder("# test mapping\n");
        if (entries.length == 2 && !entries[0].contains(":") && !entries[1].startsWith(A + ":project-b")
                && entries[0].startsWith("127.0.0.1")) {
            sb.append(entries[0]).append('=').append(entries[1]).append('\n');
        } else {
            String[] guests = {"127.0.0.2", "127.0.0.3"};
            for (int i = 0; i < entries.length; i++) {
                sb.append(guests[i]).append('=').append(entries[i]).append('\n');
            }
        }
        Path file = dir.resolve("mapping-" + System.nanoTime());
        Files.writeString(file, sb);
        return file;
    }

    private void replace(Path file, String content) throws IOException {
        Path tmp = dir.resolve("tmp-" + System.nanoTime());
        Files.writeString(tmp, content);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static Instance instance(String uuid, String project, String name) throws Exception {
        ObjectNode doc = (ObjectNode) MAPPER.readTree(repoRoot().resolve("guestdata-cli/src/test/resources/nova/full.json").toFile());
        doc.put("uuid", uuid);
        doc.put("project_id", project);
        doc.put("name", name);
        doc.remove("admin_pass");
        return new InstanceDocumentParser(Limits.nova(), KeyPairResolver.none()).parse(MAPPER.writeValueAsBytes(doc));
    }

    private static Path repoRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("tools/consumers"))) {
                return p;
            }
        }
        throw new IllegalStateException("repository root not found");
    }

    private static InetAddress address(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode json(Response r) throws IOException {
        assertEquals(200, r.status, r.text());
        return MAPPER.readTree(r.body);
    }

    private static String metrics(MetadataProxy proxy) throws IOException {
        Response r = request(InetAddress.getLoopbackAddress(), proxy.managementPort(), "GET", "/metrics", Map.of(), null);
        assertEquals(200, r.status);
        return r.text();
    }

    private static Response get(InetAddress source, MetadataProxy proxy, String path) throws IOException {
        return request(source, proxy.port(), "GET", path, Map.of(), null);
    }

    record Response(int status, Map<String, String> headers, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** One HTTP/1.1 request from {@code source} (Connection: close), header names lowercased in the answer. */
    static Response request(InetAddress source, int port, String method, String path, Map<String, String> headers,
                            String body) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(source, 0));
            // To the loopback address of the source's family (::1 for an IPv6 guest).
            s.connect(new InetSocketAddress(source instanceof java.net.Inet6Address ? "::1" : "127.0.0.1", port), 5000);
            s.setSoTimeout(30000);
            StringBuilder sb = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 169.254.169.254\r\n");
            headers.forEach((k, v) -> sb.append(k).append(": ").append(v).append("\r\n"));
            byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            if (body != null) {
                sb.append("Content-Length: ").append(payload.length).append("\r\n");
            }
            sb.append("Connection: close\r\n\r\n");
            OutputStream out = s.getOutputStream();
            out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(payload);
            out.flush();
            InputStream in = new java.io.BufferedInputStream(s.getInputStream());
            // Helidon answers "Connection: close" but may keep the socket open: read by Content-Length.
            ByteArrayOutputStream headBytes = new ByteArrayOutputStream();
            int state = 0;
            while (state < 4) {
                int c = in.read();
                if (c < 0) {
                    throw new IOException("closed within the head");
                }
                headBytes.write(c);
                state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
            }
            byte[] raw = headBytes.toByteArray();
            String[] lines = new String(raw, 0, raw.length - 4, StandardCharsets.ISO_8859_1).split("\r\n");
            int status = Integer.parseInt(lines[0].split(" ")[1]);
            Map<String, String> h = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int c = lines[i].indexOf(':');
                h.merge(lines[i].substring(0, c).trim().toLowerCase(Locale.ROOT), lines[i].substring(c + 1).trim(),
                        (x, y) -> x + ", " + y);
            }
            int length = method.equals("HEAD") ? 0 : Integer.parseInt(h.getOrDefault("content-length", "0"));
            byte[] b = in.readNBytes(length);
            return new Response(status, h, b);
        }
    }
}
