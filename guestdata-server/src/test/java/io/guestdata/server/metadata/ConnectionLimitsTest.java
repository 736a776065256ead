package io.guestdata.server.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.server.metadata.dev.InMemoryPasswordStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * One guest cannot take the metadata listener from the others (issue 10.7): connections per source address are
 * limited, a connection that sends no request is closed after seconds, and {@code Connection: close} closes the
 * socket after the answer.
 */
public class ConnectionLimitsTest {
    private static final String ATTACKER = "127.0.0.2";

    @ParameterizedTest
    @EnumSource(value = IdentificationMode.class, names = {"ADDRESS", "PROXY"})
    void oneSourceCannotTakeTheListenerFromTheOthers(IdentificationMode mode) throws Exception {
        // Small limits show the mechanism in a bounded test: 30 idle connections from one source would fill a
        // listener of 16 and leave every other guest waiting (as 10,100 do with the default 10,000).
        ConnectionLimits limits = ConnectionLimits.defaults().withMaxConnections(16).withMaxPerSource(8)
                .withFirstRequestTimeout(Duration.ofSeconds(30)).withIdleTimeout(Duration.ofSeconds(30));
        TwoInstances t = new TwoInstances();
        MetadataServerConfig.Builder config = TestServers.config().mode(mode).connections(limits);
        if (mode == IdentificationMode.PROXY) {
            config.sharedSecret("secret");
        }
        List<Socket> attacker = new ArrayList<>();
        try (MetadataServer server = MetadataServer.start(config.build(), t.directory, new InMemoryPasswordStore())) {
            for (int i = 0; i < 30; i++) {
                attacker.add(connect(ATTACKER, server.port()));
            }
            long start = System.nanoTime();
            RawHttp.Response other = RawHttp.to(server.port()).from(TwoInstances.A_ADDRESS).target("/").send();
            long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertEquals(200, other.status());
            assertTrue(millis < 2000, "another guest answered in " + millis + " ms");

            List<Socket> open = stillOpen(attacker, () -> server.connections().refused(), 22);
            assertEquals(8, open.size(), "the connections over the source's limit are closed at once, unread");
            assertEquals(8, server.connections().openFrom(InetAddress.getByName(ATTACKER)));
            assertEquals(22, server.connections().refused());
            assertTrue(RawHttp.to(server.managementPort()).target("/metrics").send().text()
                    .contains("guestdata_metadata_connections_refused_total 22\n"));
            // the admitted ones are served as usual
            assertEquals(200, exchange(open.getFirst(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n").status());
            assertEquals(200, exchange(open.get(1), "GET / HTTP/1.0\r\n\r\n").status()); // HTTP/1.0 as well
        } finally {
            for (Socket s : attacker) {
                s.close();
            }
        }
    }

    @Test
    void theDefaultPerSourceLimitIsBelowTheListenerLimitAndApplies() throws Exception {
        ConnectionLimits defaults = MetadataServerConfig.builder().build().limits().connections();
        assertEquals(ConnectionLimits.defaults(), defaults);
        assertEquals(64, defaults.maxPerSource());
        assertEquals(10_000, defaults.maxConnections());
        assertTrue(defaults.maxPerSource() < defaults.maxConnections() / 100,
                "more than 100 sources are needed to fill the listener");
        TwoInstances t = new TwoInstances();
        List<Socket> attacker = new ArrayList<>();
        try (MetadataServer server = MetadataServer.start(TestServers.config().build(), t.directory,
                new InMemoryPasswordStore())) {
            for (int i = 0; i < 70; i++) {
                attacker.add(connect(ATTACKER, server.port()));
            }
            assertEquals(64, stillOpen(attacker, () -> server.connections().refused(), 6).size());
            assertEquals(64, server.connections().openFrom(InetAddress.getByName(ATTACKER)));
            assertEquals(200, RawHttp.to(server.port()).from(TwoInstances.A_ADDRESS).target("/").send().status());
        } finally {
            for (Socket s : attacker) {
                s.close();
            }
        }
    }

    @Test
    void aConnectionThatSendsNoRequestIsClosedAfterTheFirstRequestTimeout() throws Exception {
        ConnectionLimits limits = ConnectionLimits.defaults().withFirstRequestTimeout(Duration.ofSeconds(1))
                .withIdleTimeout(Duration.ofSeconds(30));
        try (MetadataServer server = MetadataServer.start(TestServers.config().connections(limits).build(),
                new TwoInstances().directory, new InMemoryPasswordStore());
             Socket silent = connect(TwoInstances.A_ADDRESS, server.port());
             Socket slow = connect(TwoInstances.A_ADDRESS, server.port())) {
            long start = System.nanoTime();
            slow.getOutputStream().write("GET /latest/meta-data/ HTTP/1.1\r\nHost".getBytes(StandardCharsets.US_ASCII));
            assertTrue(closedWithin(silent, 4000), "a connection that sends nothing is closed");
            assertTrue(closedWithin(slow, 4000), "a first request head not complete in time is closed");
            long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertTrue(millis >= 900 && millis < 3000, "closed after " + millis + " ms");
            assertEquals(2, server.connections().timedOut(ConnectionGuard.Phase.FIRST_REQUEST));
        }
    }

    @Test
    void theKeepAliveIdleTimeoutIsSeparateFromTheFirstRequestTimeout() throws Exception {
        ConnectionLimits limits = ConnectionLimits.defaults().withFirstRequestTimeout(Duration.ofMillis(500))
                .withIdleTimeout(Duration.ofSeconds(2));
        try (MetadataServer server = MetadataServer.start(TestServers.config().connections(limits).build(),
                new TwoInstances().directory, new InMemoryPasswordStore())) {
            // HTTP/1.1, and HTTP/1.0 asking for keep-alive
            for (String version : List.of("HTTP/1.1\r\nHost: x", "HTTP/1.0\r\nConnection: keep-alive")) { // line, header
                try (Socket s = connect(TwoInstances.A_ADDRESS, server.port())) {
                    assertEquals(200, exchange(s, "GET /latest/meta-data/instance-id " + version + "\r\n\r\n").status());
                    long answered = System.nanoTime();
                    assertTrue(stillOpenFor(s, 1200), version + ": kept alive past the first-request timeout");
                    assertEquals(200, exchange(s, "GET /latest/meta-data/hostname " + version + "\r\n\r\n").status());
                    answered = System.nanoTime();
                    assertTrue(closedWithin(s, 5000), "closed once idle");
                    long millis = Duration.ofNanos(System.nanoTime() - answered).toMillis();
                    // Helidon's request timestamps tick once a second and it checks every half of the timeout
                    assertTrue(millis >= 1000 && millis < 4000, version + ": idle connection closed after " + millis
                            + " ms");
                }
            }
            assertEquals(0, server.connections().timedOut(ConnectionGuard.Phase.FIRST_REQUEST));
        }
    }

    @Test
    void connectionCloseClosesTheSocketRightAfterTheAnswer() throws Exception {
        ConnectionLimits limits = ConnectionLimits.defaults().withIdleTimeout(Duration.ofSeconds(60));
        try (MetadataServer server = MetadataServer.start(TestServers.config().connections(limits).build(),
                new TwoInstances().directory, new InMemoryPasswordStore())) {
            for (String connection : List.of("close", "Close", "keep-alive, close")) {
                try (Socket s = connect(TwoInstances.A_ADDRESS, server.port())) {
                    RawHttp.Response r = exchange(s, "GET /latest/meta-data/instance-id HTTP/1.1\r\nHost: x\r\n"
                            + "Connection: " + connection + "\r\n\r\n");
                    assertEquals(200, r.status());
                    assertEquals("close", r.header("Connection"));
                    assertTrue(closedWithin(s, 1000), "Connection: " + connection + ": EOF within 1 s");
                }
            }
            // an error answer, and a request with a body left unread
            try (Socket s = connect(TwoInstances.A_ADDRESS, server.port())) {
                RawHttp.Response r = exchange(s, "POST /nope HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                        + "Connection: close\r\n\r\nabc");
                assertEquals(404, r.status());
                assertTrue(closedWithin(s, 1000));
            }
            // pipelined: nothing after the request that asked to close is answered
            try (Socket s = connect(TwoInstances.A_ADDRESS, server.port())) {
                OutputStream out = s.getOutputStream();
                out.write(("GET /latest/meta-data/instance-id HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                        + "GET /latest/meta-data/hostname HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = s.getInputStream();
                assertEquals(200, RawHttp.read(in, false).status());
                assertTrue(closedWithin(s, 1000));
            }
            // HTTP/1.0 without keep-alive is answered and closed (Http10ClientsTest compares it with Nova's server)
            try (Socket s = connect(TwoInstances.A_ADDRESS, server.port())) {
                RawHttp.Response r = exchange(s, "GET /latest/meta-data/instance-id HTTP/1.0\r\n\r\n");
                assertEquals(200, r.status());
                assertEquals("close", r.header("Connection"));
                assertTrue(closedWithin(s, 1000));
            }
            // and a kept-alive connection stays
            try (Socket s = connect(TwoInstances.A_ADDRESS, server.port())) {
                assertEquals(200, exchange(s, "GET / HTTP/1.1\r\nHost: x\r\n\r\n").status());
                assertTrue(stillOpenFor(s, 500));
            }
        }
    }

    // ---- helpers, shared with the proxy's tests ----

    public static Socket connect(String from, int port) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
        return s;
    }

    /** Sends {@code request} and reads one answer. */
    public static RawHttp.Response exchange(Socket s, String request) throws IOException {
        s.setSoTimeout(10_000);
        OutputStream out = s.getOutputStream();
        out.write(request.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return RawHttp.read(s.getInputStream(), false);
    }

    /** Whether the server closes (or resets) the connection within {@code millis}, sending nothing. */
    public static boolean closedWithin(Socket s, int millis) throws IOException {
        s.setSoTimeout(millis);
        try {
            int b = s.getInputStream().read();
            if (b >= 0) {
                throw new AssertionError("the server sent a byte (" + b + ") instead of closing");
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true; // reset
        }
    }

    /** Whether the connection is still open (nothing read, no EOF) after {@code millis}. */
    public static boolean stillOpenFor(Socket s, int millis) {
        try {
            return !closedWithin(s, millis);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The sockets the server kept open, once {@code refused} reached {@code expected} (closed ones read EOF at
     * once; open ones are given 50 ms).
     */
    public static List<Socket> stillOpen(List<Socket> sockets, java.util.function.LongSupplier refused, long expected)
            throws Exception {
        for (int i = 0; i < 100 && refused.getAsLong() < expected; i++) {
            Thread.sleep(30);
        }
        Thread.sleep(200); // the refused ones are closed right after they are counted
        List<Socket> open = new ArrayList<>();
        for (Socket s : sockets) {
            if (!closedWithin(s, 50)) {
                open.add(s);
            }
        }
        return open;
    }
}
