package io.guestdata.server.metadata;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.core.metadata.NovaRelease;
import io.guestdata.server.metadata.dev.InMemoryInstanceDirectory;
import io.guestdata.server.metadata.dev.InMemoryPasswordStore;
import io.guestdata.testkit.Command;
import io.guestdata.testkit.ToolTest;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * HTTP/1.0 clients ({@link Http10Clients}) against our metadata listener and Nova's own server
 * ({@link NovaServer}) serving the same instance ({@code full}, at 127.0.0.21): raw requests with and without
 * {@code Host} and {@code Connection}, {@code curl -0}, and Python's http.client speaking HTTP/1.0.
 */
@ToolTest
class Http10ClientsTest {
    private static final String GUEST = "127.0.0.21";
    private static MetadataServer ours;
    private static NovaServer nova;

    @BeforeAll
    static void start() throws Exception {
        InMemoryInstanceDirectory directory = new InMemoryInstanceDirectory(
                MetadataOptions.defaults().withNovaRelease(NovaRelease.NOVA_26));
        directory.put(Fixtures.instance("full"), List.of(InetAddress.getByName(GUEST)));
        ours = MetadataServer.start(TestServers.config().build(), directory, new InMemoryPasswordStore());
        nova = new NovaServer("full", GUEST);
    }

    @AfterAll
    static void stop() throws Exception {
        if (ours != null) {
            ours.close();
        }
        if (nova != null) {
            nova.close();
        }
    }

    /** One answer as the client saw it: the status line, headers, body, and whether the server then closed. */
    private record Seen(String statusLine, RawHttp.Response response, boolean closed) {
    }

    private static Seen send(int port, String request) throws IOException {
        try (Socket s = ConnectionLimitsTest.connect(GUEST, port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            InputStream in = new java.io.BufferedInputStream(s.getInputStream());
            in.mark(256);
            String statusLine = new String(in.readNBytes(32), StandardCharsets.ISO_8859_1).split("\r\n")[0];
            in.reset();
            RawHttp.Response r = RawHttp.read(in, request.startsWith("HEAD"));
            s.setSoTimeout(1000);
            boolean closed;
            try {
                closed = in.read() == -1;
            } catch (java.net.SocketTimeoutException e) {
                closed = false;
            } catch (java.net.SocketException e) {
                closed = true;
            }
            return new Seen(statusLine, r, closed);
        }
    }

    @Test
    void rawRequestsAreAnsweredAsNovasServerAnswersThem() throws Exception {
        for (String request : List.of(
                "GET /latest/meta-data/instance-id HTTP/1.0\r\n\r\n",
                "GET /latest/meta-data/instance-id HTTP/1.0\r\nHost: 169.254.169.254\r\n\r\n",
                "GET /openstack/latest/network_data.json HTTP/1.0\r\nHost: 169.254.169.254\r\nConnection: close\r\n\r\n",
                "GET /latest/meta-data/ HTTP/1.0\r\nUser-Agent: Wget/1.12 (linux-gnu)\r\nAccept: */*\r\n"
                        + "Host: 169.254.169.254\r\nConnection: Keep-Alive\r\n\r\n",
                "GET /openstack/latest/user_data HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
                "GET /latest/meta-data/instance-id HTTP/1.0\r\nConnection: keep-alive, foo\r\n\r\n",
                "HEAD /latest/meta-data/hostname HTTP/1.0\r\n\r\n",
                "GET /nope HTTP/1.0\r\n\r\n",
                "GET /latest/meta-data/nope HTTP/1.0\r\nAccept: application/json\r\n\r\n",
                "POST /openstack/latest/password HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc")) {
            Seen n = send(nova.port(), request);
            Seen o = send(ours.port(), request);
            String what = request.lines().findFirst().orElseThrow() + " " + request.lines().skip(1).toList();
            assertEquals(n.statusLine(), o.statusLine(), what);
            assertTrue(o.statusLine().startsWith("HTTP/1.1 "), what); // eventlet's version, RFC 9110 §6.2
            assertEquals(n.response().header("Content-Type"), o.response().header("Content-Type"), what);
            assertEquals(n.response().header("Content-Length"), o.response().header("Content-Length"), what);
            assertNull(o.response().header("Transfer-Encoding"), what);
            assertEquals(n.response().header("Connection"), o.response().header("Connection"), what);
            assertArrayEquals(n.response().body(), o.response().body(), what + ": " + o.response().text());
            assertEquals(n.closed(), o.closed(), what + ": closed after the answer");
        }
    }

    @Test
    void aKeptAliveConnectionServesTheNextRequest() throws Exception {
        for (int port : new int[] {nova.port(), ours.port()}) {
            try (Socket s = ConnectionLimitsTest.connect(GUEST, port)) {
                RawHttp.Response first = ConnectionLimitsTest.exchange(s,
                        "GET /latest/meta-data/instance-id HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
                assertEquals("keep-alive", first.header("Connection"), "port " + port);
                RawHttp.Response second = ConnectionLimitsTest.exchange(s,
                        "GET /latest/meta-data/local-ipv4 HTTP/1.0\r\n\r\n");
                assertEquals(200, second.status());
                assertEquals("close", second.header("Connection"));
                assertTrue(ConnectionLimitsTest.closedWithin(s, 1000), "port " + port);
                assertEquals("i-b65cee2f", first.text());
            }
        }
    }

    @Test
    void curlSpeakingHttp10() throws Exception {
        for (String path : List.of("/latest/meta-data/instance-id", "/openstack/latest/network_data.json", "/nope")) {
            Command.Result n = curl0(nova.port(), path);
            Command.Result o = curl0(ours.port(), path);
            assertEquals(0, o.exit(), o.stderr());
            assertTrue(o.stderr().contains("> GET " + path + " HTTP/1.0"), o.stderr()); // curl did speak 1.0
            assertTrue(o.stderr().contains("< Connection: close"), o.stderr());
            assertEquals(n.stdout(), o.stdout(), path); // the body, then the status and version curl read
        }
        String out = curl0(ours.port(), "/latest/meta-data/instance-id").stdout();
        assertTrue(out.startsWith("i-b65cee2f200 "), out);
    }

    /** {@code curl -0}: prints the body, then the status and the version curl read. */
    private static Command.Result curl0(int port, String path) throws Exception {
        return Fixtures.run(List.of("curl", "-0", "-sS", "-v", "--interface", GUEST, "-w", "%{http_code} %{http_version} ",
                "http://127.0.0.1:" + port + path), 30);
    }

    @Test
    void pythonHttpClientSpeakingHttp10() throws Exception {
        String script = String.join("\n",
                "import http.client, json, sys",
                "http.client.HTTPConnection._http_vsn = 10",
                "http.client.HTTPConnection._http_vsn_str = 'HTTP/1.0'",
                "out = []",
                "for path in sys.argv[2:]:",
                "    c = http.client.HTTPConnection('127.0.0.1', int(sys.argv[1]), source_address=('" + GUEST + "', 0))",
                "    c.request('GET', path)",
                "    r = c.getresponse()",
                "    body = r.read()",
                "    out.append([r.status, r.version, r.getheader('Connection'), r.will_close, body.decode('utf-8')])",
                "    c.close()",
                "print(json.dumps(out))");
        List<String> paths = List.of("/latest/meta-data/instance-id", "/openstack/latest/network_data.json",
                "/openstack/2012-08-10/", "/latest/meta-data/nope");
        Command.Result n = python(script, nova.port(), paths);
        Command.Result o = python(script, ours.port(), paths);
        assertEquals(0, o.exit(), o.stderr());
        assertEquals(n.stdout(), o.stdout());
        assertEquals(200, o.json().get(0).get(0).asInt());
        assertEquals(404, o.json().get(3).get(0).asInt());
        assertTrue(o.json().get(0).get(3).asBoolean(), "the client reads to the close");
    }

    private static Command.Result python(String script, int port, List<String> paths) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(Fixtures.SYSTEM_PYTHON, "-c", script, Integer.toString(port)));
        cmd.addAll(paths);
        return Fixtures.run(cmd, 60);
    }
}
