package io.guestdata.server.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.server.metadata.dev.InMemoryPasswordStore;
import io.guestdata.testkit.Command;
import io.guestdata.testkit.ToolTest;
import java.net.InetAddress;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A noisy guest cannot take the service's capacity from the others (issue 15): each instance, and each client
 * address until it is identified, has its own token bucket ({@link TokenBuckets}); over it, WebOb's 429 with
 * {@code Retry-After}, while every other requester is served.
 */
@ToolTest
class RequestRateTest {
    private static final String SECRET = "neutron-shared-secret";
    private static final String PLAIN_429 = "429 Too Many Requests\n\n"
            + "The client has sent too many requests in a given amount of time\n\n   ";
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "request-rate-test");
        t.setDaemon(true);
        return t;
    });

    @AfterAll
    static void stopTimer() {
        TIMER.shutdownNow();
    }

    @Test
    void anInstanceOverItsRateGets429WhileAnotherIsServedInAddressMode() throws Exception {
        TwoInstances t = new TwoInstances();
        RequestRate rate = RequestRate.defaults().withBurst(5).withPerSecond(0.5);
        try (MetadataServer server = MetadataServer.start(TestServers.config().requestRate(rate).build(), t.directory,
                new InMemoryPasswordStore());
             LogCapture logs = new LogCapture()) {
            for (int i = 0; i < 5; i++) {
                assertEquals(200, get(server, TwoInstances.A_ADDRESS, "/latest/meta-data/instance-id").status());
            }
            RawHttp.Response over = get(server, TwoInstances.A_ADDRESS, "/openstack/latest/meta_data.json");
            assertEquals(429, over.status());
            assertRetryAfter(over);
            assertEquals("text/plain; charset=UTF-8", over.header("Content-Type"));
            assertEquals(PLAIN_429, over.text());
            RawHttp.Response json = RawHttp.to(server.port()).from(TwoInstances.A_ADDRESS)
                    .target("/latest/meta-data/").header("Accept", "application/json").send();
            assertEquals(429, json.status());
            assertEquals(new String(ErrorResponse.TOO_MANY_REQUESTS.render("application/json").body()), json.text());
            RawHttp.Response head = RawHttp.to(server.port()).from(TwoInstances.A_ADDRESS).method("HEAD")
                    .target("/latest/meta-data/").send();
            assertEquals(429, head.status());
            assertRetryAfter(head);

            // the other instance, at the same time, is not affected: its whole burst is its own
            for (int i = 0; i < 5; i++) {
                RawHttp.Response other = get(server, TwoInstances.B_ADDRESS, "/openstack/latest/meta_data.json");
                assertEquals(200, other.status());
                assertTrue(other.text().contains(t.b.uuid().toString()), other.text());
            }

            assertEquals(3, server.rateLimit().throttledRequests());
            assertEquals(1, server.rateLimit().throttledRequesters(), "one instance went over, once");
            assertEquals(3, server.metrics().requests(429));
            String metrics = RawHttp.to(server.managementPort()).target("/metrics").send().text();
            assertTrue(metrics.contains("guestdata_metadata_rate_limited_requests_total 3\n"), metrics);
            assertTrue(metrics.contains("guestdata_metadata_rate_limited_requesters_total 1\n"), metrics);
            assertTrue(metrics.contains("guestdata_metadata_requests_total{status=\"429\"} 3\n"), metrics);
            List<LogRecord> lines = logs.records().stream()
                    .filter(r -> r.getLoggerName().equals(TokenBuckets.class.getName())).toList();
            assertEquals(1, lines.size(), logs.describe());
            assertEquals(Level.WARNING, lines.getFirst().getLevel());
            assertTrue(lines.getFirst().getMessage().contains("instance " + t.a.uuid()), lines.getFirst().getMessage());
        }
    }

    @Test
    void the429IsWebObsHttpTooManyRequestsInEveryForm() throws Exception {
        Fixtures.assumePython();
        String webob = """
                import json
                from webob import Request
                from webob.exc import HTTPTooManyRequests
                out = {}
                for accept in ['text/plain', 'text/html', 'application/json']:
                    resp = Request.blank('/', headers={'Accept': accept}).get_response(HTTPTooManyRequests())
                    out[accept] = [resp.status, resp.headers['Content-Type'], resp.body.decode()]
                print(json.dumps(out))
                """;
        Command.Result r = Fixtures.run(List.of(Fixtures.SYSTEM_PYTHON, "-c", webob), 60);
        assertEquals(0, r.exit(), r.stderr());
        for (String accept : List.of("text/plain", "text/html", "application/json")) {
            var expected = r.json().get(accept);
            ErrorResponse.Rendered ours = ErrorResponse.TOO_MANY_REQUESTS.render(accept);
            assertEquals(expected.get(0).asText(), ErrorResponse.TOO_MANY_REQUESTS.status() + " "
                    + ErrorResponse.TOO_MANY_REQUESTS.title());
            assertEquals(expected.get(1).asText(), ours.contentType(), accept);
            assertEquals(expected.get(2).asText(), new String(ours.body(), java.nio.charset.StandardCharsets.UTF_8),
                    accept);
        }
    }

    @Test
    void unidentifiedRequestsAreLimitedPerClientAddress() throws Exception {
        TwoInstances t = new TwoInstances();
        RequestRate rate = RequestRate.defaults().withBurst(3).withPerSecond(0.5);
        try (MetadataServer server = MetadataServer.start(TestServers.config().requestRate(rate).build(), t.directory,
                new InMemoryPasswordStore())) {
            String stranger = "127.0.0.9";
            for (int i = 0; i < 3; i++) {
                assertEquals(404, get(server, stranger, "/latest/meta-data/").status());
            }
            assertEquals(429, get(server, stranger, "/").status(), "the version list counts against the address too");
            assertEquals(429, get(server, stranger, "/latest/meta-data/").status());
            // the instances behind other addresses are not affected
            assertEquals(200, get(server, TwoInstances.A_ADDRESS, "/").status());
            assertEquals(200, get(server, TwoInstances.A_ADDRESS, "/latest/meta-data/instance-id").status());
        }
    }

    @Test
    void behindASigningProxyEachInstanceHasItsOwnBucket() throws Exception {
        TwoInstances t = new TwoInstances();
        RequestRate rate = RequestRate.defaults().withBurst(4).withPerSecond(0.5);
        MetadataServerConfig config = TestServers.config().mode(IdentificationMode.PROXY).sharedSecret(SECRET)
                .requestRate(rate).build();
        try (MetadataServer server = MetadataServer.start(config, t.directory, new InMemoryPasswordStore())) {
            // both instances' requests come from the same peer: the proxy (127.0.0.1)
            for (int i = 0; i < 4; i++) {
                assertEquals(200, signed(server, t.a.uuid().toString(), TwoInstances.A_PROJECT).status());
            }
            RawHttp.Response over = signed(server, t.a.uuid().toString(), TwoInstances.A_PROJECT);
            assertEquals(429, over.status());
            assertEquals(PLAIN_429, over.text());
            assertRetryAfter(over);
            for (int i = 0; i < 4; i++) {
                RawHttp.Response other = signed(server, t.b.uuid().toString(), TwoInstances.B_PROJECT);
                assertEquals(200, other.status(), other.toString());
                assertTrue(other.text().contains(t.b.uuid().toString()), other.text());
            }
            // refused identification (a bad signature) counts against the peer, not against the throttled instance
            RawHttp.Response forged = RawHttp.to(server.port()).target("/openstack/latest/meta_data.json")
                    .header("X-Instance-ID", t.b.uuid().toString()).header("X-Tenant-ID", TwoInstances.B_PROJECT)
                    .header("X-Instance-ID-Signature", "0".repeat(64)).send();
            assertEquals(403, forged.status(), forged.toString());
            assertEquals(429, signed(server, t.b.uuid().toString(), TwoInstances.B_PROJECT).status(),
                    "B's fifth request is over B's own burst");
        }
    }

    @Test
    void theBucketRefillsAfterRetryAfter() throws Exception {
        TwoInstances t = new TwoInstances();
        RequestRate rate = RequestRate.defaults().withBurst(2).withPerSecond(4);
        try (MetadataServer server = MetadataServer.start(TestServers.config().requestRate(rate).build(), t.directory,
                new InMemoryPasswordStore());
             Socket s = ConnectionLimitsTest.connect(TwoInstances.A_ADDRESS, server.port())) {
            String request = "GET /latest/meta-data/hostname HTTP/1.1\r\nHost: x\r\n\r\n";
            assertEquals(200, ConnectionLimitsTest.exchange(s, request).status());
            assertEquals(200, ConnectionLimitsTest.exchange(s, request).status());
            RawHttp.Response over = ConnectionLimitsTest.exchange(s, request);
            assertEquals(429, over.status());
            int retryAfter = Integer.parseInt(over.header("Retry-After"));
            assertEquals(1, retryAfter, "a quarter of a second, rounded up to whole seconds");
            // as cloud-init 25 does: wait Retry-After, then ask again (on the same kept-alive connection)
            Thread.sleep(retryAfter * 1000L);
            assertEquals(200, ConnectionLimitsTest.exchange(s, request).status());
            assertEquals(200, ConnectionLimitsTest.exchange(s, request).status(), "a whole second refilled two tokens");
        }
    }

    @Test
    void offMeansNever429() throws Exception {
        TwoInstances t = new TwoInstances();
        int requests = RequestRate.DEFAULT_BURST + 100;
        try (MetadataServer server = MetadataServer.start(TestServers.config().requestRate(RequestRate.off()).build(),
                t.directory, new InMemoryPasswordStore());
             Socket s = ConnectionLimitsTest.connect(TwoInstances.A_ADDRESS, server.port())) {
            for (int i = 0; i < requests; i++) {
                assertEquals(200, ConnectionLimitsTest.exchange(s,
                        "GET /latest/meta-data/instance-id HTTP/1.1\r\nHost: x\r\n\r\n").status(), "request " + i);
            }
            assertEquals(0, server.rateLimit().throttledRequests());
            assertEquals(0, server.rateLimit().tracked(), "no bucket is kept");
        }
        // the same requests with the default limit on: the burst is the limit
        try (MetadataServer server = MetadataServer.start(TestServers.config().build(), t.directory,
                new InMemoryPasswordStore());
             Socket s = ConnectionLimitsTest.connect(TwoInstances.A_ADDRESS, server.port())) {
            int throttled = 0;
            for (int i = 0; i < requests; i++) {
                int status = ConnectionLimitsTest.exchange(s,
                        "GET /latest/meta-data/instance-id HTTP/1.1\r\nHost: x\r\n\r\n").status();
                throttled += status == 429 ? 1 : 0;
            }
            assertTrue(throttled > 0 && throttled <= 100, throttled + " throttled of " + requests);
        }
    }

    @Test
    void theTableStaysBoundedWhenManyAddressesSendOneRequestEach() throws Exception {
        TwoInstances t = new TwoInstances();
        // A rate so low that no bucket refills during the test: only the bound keeps the table small.
        RequestRate rate = RequestRate.defaults().withBurst(2).withPerSecond(0.001).withMaxTracked(16);
        try (MetadataServer server = MetadataServer.start(TestServers.config().requestRate(rate).build(), t.directory,
                new InMemoryPasswordStore())) {
            String noisy = "127.0.0.9";
            assertEquals(404, get(server, noisy, "/latest/meta-data/").status());
            assertEquals(404, get(server, noisy, "/latest/meta-data/").status());
            assertEquals(429, get(server, noisy, "/latest/meta-data/").status());
            int max = 0;
            for (int i = 0; i < 300; i++) {
                String address = "127.0.1." + (i % 250 + 1);
                if (i >= 250) {
                    address = "127.0.2." + (i - 249);
                }
                assertEquals(404, get(server, address, "/latest/meta-data/").status(), address + " gets a bucket");
                max = Math.max(max, server.rateLimit().tracked());
            }
            assertTrue(max <= 16, "at most maxTracked buckets, saw " + max);
            assertEquals(429, get(server, noisy, "/latest/meta-data/").status(),
                    "the requester owing most keeps its bucket");
            assertEquals(200, get(server, TwoInstances.A_ADDRESS, "/latest/meta-data/instance-id").status());
        }
    }

    @Test
    void aHundredThousandRequestersKeepTheTableBounded() throws Exception {
        // The table's bound and order of dropping, at twice the service's throughput (100,000 requests a second,
        // each from another requester), with the times given rather than measured: the default rate and table.
        TokenBuckets buckets = new TokenBuckets(RequestRate.defaults(), "test", TIMER);
        long t0 = System.nanoTime();
        String noisy = "noisy";
        int noisyAdmitted = 0;
        for (int i = 0; i < RequestRate.DEFAULT_BURST + 10; i++) {
            noisyAdmitted += buckets.take(noisy, t0) == 0 ? 1 : 0;
        }
        assertEquals(RequestRate.DEFAULT_BURST, noisyAdmitted);
        int max = 0;
        for (int i = 0; i < 100_000; i++) {
            InetAddress requester = InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i});
            assertEquals(0, buckets.take(requester, t0 + i * 10_000L), "a new requester is admitted");
            max = Math.max(max, buckets.tracked());
        }
        assertTrue(max <= RequestRate.DEFAULT_MAX_TRACKED, "saw " + max);
        // The noisy requester kept its bucket through the storm: 1 s later it has 20 tokens, not a fresh burst.
        long t1 = t0 + 1_000_000_000L;
        int admitted = 0;
        while (buckets.take(noisy, t1) == 0) {
            admitted++;
        }
        assertEquals(RequestRate.DEFAULT_PER_SECOND, admitted);
    }

    @Test
    void theBucketRefillsAtTheRate() {
        TokenBuckets buckets = new TokenBuckets(RequestRate.defaults().withBurst(3).withPerSecond(2), "test", TIMER);
        long t0 = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            assertEquals(0, buckets.take("a", t0));
        }
        assertEquals(1, buckets.take("a", t0), "half a second to the next token, rounded up");
        assertEquals(1, buckets.take("a", t0 + 499_000_000L));
        assertEquals(0, buckets.take("a", t0 + 500_000_000L), "one token after 1/rate");
        assertEquals(1, buckets.take("a", t0 + 500_000_000L));
        assertEquals(0, buckets.take("b", t0), "another requester has its own bucket");
        long later = t0 + 10_000_000_000L;
        for (int i = 0; i < 3; i++) {
            assertEquals(0, buckets.take("a", later), "full again: the whole burst");
        }
        assertEquals(1, buckets.take("a", later));
        assertEquals(2, buckets.throttledRequesters(), "two episodes: before and after the refill");
        assertEquals(4, buckets.throttledRequests());
        TokenBuckets slow = new TokenBuckets(RequestRate.defaults().withBurst(1).withPerSecond(0.25), "test", TIMER);
        assertEquals(0, slow.take("a", t0));
        assertEquals(4, slow.take("a", t0), "Retry-After: 4 s at a quarter of a request a second");
    }

    @Test
    void settingsAreCheckedWithTheirRange() {
        assertEquals(20.0, RequestRate.parsePerSecond("20"));
        assertEquals(0.5, RequestRate.parsePerSecond(" 0.5 "));
        assertEquals(0.0, RequestRate.parsePerSecond("off"));
        assertEquals(0.0, RequestRate.parsePerSecond("0"));
        assertEquals(300, RequestRate.parseBurst("300"));
        assertEquals(false, RequestRate.of(0, 300).enabled());
        assertEquals(RequestRate.defaults(), RequestRate.of(20, 300));
        for (String bad : List.of("-1", "fast", "NaN", "Infinity", "1e9", "0.0001", "20d", "")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> RequestRate.parsePerSecond(bad));
            assertEquals("must be requests a second from 0.001 to 1000000, or 0 or off for no limit, got '" + bad.strip()
                    + "'", e.getMessage());
        }
        for (String bad : List.of("0", "-3", "1.5", "many", "1000001")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RequestRate.parseBurst(bad));
            assertEquals("must be a whole number of requests from 1 to 1000000, got '" + bad + "'", e.getMessage());
        }
        assertEquals(RefusedSetting.Setting.REQUEST_RATE,
                assertThrows(RefusedSetting.class, () -> RequestRate.parse("x", "0")).setting());
        assertEquals(RefusedSetting.Setting.REQUEST_BURST,
                assertThrows(RefusedSetting.class, () -> RequestRate.parse("20", "0")).setting());
        assertEquals(RequestRate.defaults().withBurst(7).withPerSecond(3), RequestRate.parse("3", "7"));
        assertThrows(IllegalArgumentException.class, () -> RequestRate.defaults().withMaxTracked(0));
        assertEquals("300 at once, 20/s", RequestRate.defaults().describe());
        assertEquals("off", RequestRate.off().describe());
    }

    /**
     * At 0.5 requests a second the next token is at most 2 s away: {@code Retry-After} is 2, or 1 when the burst
     * took more than a second to send (exact values: {@link #theBucketRefillsAtTheRate}).
     */
    private static void assertRetryAfter(RawHttp.Response r) {
        String value = r.header("Retry-After");
        assertTrue("2".equals(value) || "1".equals(value), "Retry-After: " + value);
    }

    private static RawHttp.Response get(MetadataServer server, String from, String path) throws Exception {
        return RawHttp.to(server.port()).from(from).target(path).send();
    }

    /** A request for the instance's meta_data.json as a signing proxy sends it, from 127.0.0.1. */
    private static RawHttp.Response signed(MetadataServer server, String uuid, String project) throws Exception {
        return RawHttp.to(server.port()).target("/openstack/latest/meta_data.json")
                .header("X-Instance-ID", uuid).header("X-Tenant-ID", project)
                .header("X-Instance-ID-Signature", new ProxySignature(SECRET).sign(uuid))
                .header("Accept", "text/plain").send();
    }
}
