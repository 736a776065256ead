package io.guestdata.server.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.server.metadata.dev.InMemoryPasswordStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Over-long, over-large, malformed and slow requests: each gets a clean 4xx (or its connection closed). */
class RequestLimitsTest {
    private static TwoInstances instances;
    private static MetadataServer server;

    @BeforeAll
    static void start() throws Exception {
        instances = new TwoInstances();
        server = MetadataServer.start(TestServers.config()
                .limits(new MetadataServerConfig.RequestLimits(1024, 4096, 2048, ConnectionLimits.defaults().withMaxConnections(100)
                        .withFirstRequestTimeout(Duration.ofSeconds(1)).withIdleTimeout(Duration.ofSeconds(1))
                        .withHeaderTimeout(Duration.ofSeconds(1)))).build(),
                instances.directory, new InMemoryPasswordStore());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void overLongRequestLineIs414() throws Exception {
        RawHttp.Response r = RawHttp.to(server.port()).from(TwoInstances.A_ADDRESS)
                .target("/latest/meta-data/" + "a".repeat(2000)).send();
        assertEquals(414, r.status());
        assertEquals("414 Request-URI Too Long\n\nThe request URI was too long for this server.\n\n   ", r.text());
        assertEquals("text/plain; charset=UTF-8", r.header("Content-Type"));
    }

    @Test
    void overLargeHeadersAre400() throws Exception {
        RawHttp.Response r = RawHttp.to(server.port()).from(TwoInstances.A_ADDRESS).target("/latest/meta-data/")
                .header("X-Filler", "x".repeat(5000)).header("Accept", "application/json").send();
        assertEquals(400, r.status());
        RawHttp.Response many = RawHttp.to(server.port()).from(TwoInstances.A_ADDRESS).target("/latest/meta-data/")
                .headers(java.util.stream.IntStream.range(0, 400).mapToObj(i -> new String[] {"X-H" + i, "v"}).toList()).send();
        assertEquals(400, many.status());
    }

    @Test
    void overLargeBodyIs413AndSmallBodiesAreIgnored() throws Exception {
        RawHttp.Response r = RawHttp.to(server.port()).from(TwoInstances.A_ADDRESS).method("POST").target("/latest/meta-data/")
                .body(new byte[3000]).send();
        assertEquals(413, r.status());
        assertEquals("413 Request Entity Too Large\n\nThe body of your request was too large for this server.\n\n   ", r.text());
        RawHttp.Response small = RawHttp.to(server.port()).from(TwoInstances.A_ADDRESS).method("POST")
                .target("/latest/meta-data/instance-id").body("ignored".getBytes(StandardCharsets.US_ASCII)).send();
        assertEquals(200, small.status());
    }

    @Test
    void aBodyIsDrainedAndTheConnectionKeptAlive() throws Exception {
        try (Socket s = connect(TwoInstances.A_ADDRESS)) {
            OutputStream out = s.getOutputStream();
            out.write(("GET /latest/meta-data/instance-id HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                    + "GET /latest/meta-data/hostname HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            RawHttp.Response first = RawHttp.read(in, false);
            RawHttp.Response second = RawHttp.read(in, false);
            assertEquals("i-b65cee2f", first.text());
            assertEquals("alpha-host.novalocal", second.text());
        }
    }

    @Test
    void malformedRequestsAre4xx() throws Exception {
        assertEquals(200, raw("GET / HTTP/1.0\r\nHost: x\r\n\r\n").status()); // HTTP/1.0: see Http10ClientsTest
        assertEquals(400, raw("GET / HTTP/1.2\r\nHost: x\r\n\r\n").status());
        assertEquals(400, raw("GARBAGE\r\n\r\n").status());
        RawHttp.Response noHost = raw("GET / HTTP/1.1\r\n\r\n");
        assertEquals(400, noHost.status(), "no Host");
        assertTrue(noHost.text().startsWith("400 Bad Request\n\n"), noHost.text());
        assertEquals(400, raw("GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n").status(), "two Host fields");
        assertEquals(200, raw("GET / HTTP/1.1\r\nHost: [fe80::a9fe:a9fe%eth0]\r\n\r\n").status(),
                "a zone in Host, as cloud-init sends it to the link-local address");
        assertEquals(400, raw("GET / HTTP/1.1\r\nHost: x\r\nBad Header Name: x\r\n\r\n").status());
        RawHttp.Response notUtf8 = RawHttp.to(server.port()).from(TwoInstances.A_ADDRESS).target("/latest/%ff").send();
        assertEquals(400, notUtf8.status());
        assertTrue(notUtf8.text().startsWith("400 Bad Request\n\nThe request path is not printable ASCII"));
        RawHttp.Response fragment = RawHttp.to(server.port()).from(TwoInstances.A_ADDRESS).target("/?#").send();
        assertEquals(400, fragment.status());
        assertEquals("400 Bad Request\n\nThe request target has a fragment (#).\n\n   ", fragment.text());
        RawHttp.Response rawByte = RawHttp.exchange(server.port(), TwoInstances.A_ADDRESS,
                "GET /\u00e9 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), null, false);
        assertEquals(400, rawByte.status());
    }

    @Test
    void http10RequestsMeetTheSameLimits() throws Exception {
        String longLine = "GET /latest/meta-data/" + "a".repeat(2000);
        String bigHeaders = "GET /latest/meta-data/ HTTP/1.x\r\nX-Filler: " + "x".repeat(5000) + "\r\n";
        String bigBody = "POST /latest/meta-data/ HTTP/1.x\r\nContent-Length: 3000\r\n\r\n" + "b".repeat(3000);
        String badHeader = "GET / HTTP/1.x\r\nBad Header Name: x\r\n";
        for (String request : java.util.List.of(longLine + " HTTP/1.x\r\n\r\n", bigHeaders + "\r\n", bigBody,
                badHeader + "\r\n")) {
            RawHttp.Response http11 = raw(request.replace("HTTP/1.x\r\n", "HTTP/1.1\r\nHost: x\r\n"));
            RawHttp.Response http10 = raw(request.replace("HTTP/1.x", "HTTP/1.0"));
            String what = request.substring(0, Math.min(40, request.length()));
            assertTrue(http11.status() >= 400, what + ": " + http11);
            assertEquals(http11.status(), http10.status(), what);
            assertEquals(http11.text(), http10.text(), what);
            assertEquals(http11.header("Content-Type"), http10.header("Content-Type"), what);
            assertEquals("close", http10.header("Connection"), what);
        }
        // a 1.0 request line exactly at the limit is still one (the line is not lengthened)
        String atLimit = "GET /latest/meta-data/instance-id?" + "q".repeat(1024 - 44) + " HTTP/1.0";
        assertEquals(1023, atLimit.length());
        assertEquals(200, raw(atLimit + "\r\n\r\n").status());
        assertEquals(414, raw(atLimit.replace("?", "?q") + "\r\n\r\n").status());
    }

    @Test
    void aClientThatSendsNothingIsDisconnected() throws Exception {
        try (Socket s = connect(TwoInstances.A_ADDRESS)) {
            s.setSoTimeout(15_000);
            long start = System.nanoTime();
            assertEquals(-1, firstRead(s), "closed by the server, after "
                    + Duration.ofNanos(System.nanoTime() - start).toMillis() + " ms");
        }
    }

    @Test
    void aClientTricklingHeadersIsDisconnected() throws Exception {
        for (String head : java.util.List.of("GET /latest/meta-data/ HTTP/1.1\r\nHost: x\r\n",
                "GET /latest/meta-data/ HTTP/1.0\r\n")) {
            try (Socket s = connect(TwoInstances.A_ADDRESS)) {
                s.setSoTimeout(15_000);
                OutputStream out = s.getOutputStream();
                out.write(head.getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertEquals(-1, firstRead(s), head);
            }
        }
    }

    @Test
    void refusalsAreCounted() throws Exception {
        raw("GARBAGE\r\n\r\n");
        assertTrue(server.metrics().requests(400) > 0);
    }

    /** The first byte the server sends: -1 for a close (or reset), -2 for nothing within the socket's timeout. */
    private static int firstRead(Socket s) throws IOException {
        try {
            return s.getInputStream().read();
        } catch (SocketTimeoutException e) {
            return -2;
        } catch (java.net.SocketException e) {
            return -1; // reset
        }
    }

    private static Socket connect(String from) throws Exception {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(from, 0));
        s.connect(new InetSocketAddress("127.0.0.1", server.port()));
        s.setSoTimeout(20_000);
        return s;
    }

    private static RawHttp.Response raw(String request) throws Exception {
        return RawHttp.exchange(server.port(), TwoInstances.A_ADDRESS, request.getBytes(StandardCharsets.ISO_8859_1), null, false);
    }
}
