package io.guestdata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.core.document.InstanceDocumentParser;
import io.guestdata.core.document.KeyPairResolver;
import io.guestdata.core.document.Limits;
import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.server.metadata.ConnectionLimits;
import io.guestdata.server.metadata.OpenFileLimit;
import io.guestdata.server.metadata.IdentificationMode;
import io.guestdata.server.metadata.dev.InMemoryInstanceDirectory;
import io.guestdata.server.metadata.dev.InMemoryPasswordStore;
import io.guestdata.server.metadata.MetadataServer;
import io.guestdata.server.metadata.MetadataServerConfig;
import io.guestdata.server.metadata.RequestRate;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code guestdata proxy} in-process, in front of the real service in proxy mode. */
class ProxyCommandTest {
    private static final String UUID = "b65cee2f-8c69-4aeb-be2f-f79742548fc2";

    @Test
    void forwardsTheGuestsRequestsSigned(@TempDir Path dir) throws Exception {
        InMemoryInstanceDirectory directory = new InMemoryInstanceDirectory(MetadataOptions.defaults());
        directory.put(new InstanceDocumentParser(Limits.nova(), KeyPairResolver.none())
                .parse(Files.readAllBytes(Path.of("src/test/resources/nova/full.json"))));
        Path secret = dir.resolve("secret");
        Files.writeString(secret, "s3cret\n");
        try (MetadataServer service = MetadataServer.start(MetadataServerConfig.builder()
                .listen(new InetSocketAddress("127.0.0.1", 0)).noManagement()
                .mode(IdentificationMode.PROXY).sharedSecret("s3cret").build(), directory, new InMemoryPasswordStore())) {
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            Cli[] result = new Cli[1];
            Thread t = new Thread(() -> result[0] = Cli.run(Map.of(), "proxy", "--listen", "127.0.0.1:" + port,
                    "--upstream", "127.0.0.1:" + service.port(), "--secret-file", secret.toString(),
                    "--map", "127.0.0.2=" + UUID + ":proj"));
            t.start();
            String answer = null;
            for (int i = 0; i < 100 && answer == null; i++) {
                try {
                    answer = get("127.0.0.2", port, "/latest/meta-data/instance-id");
                } catch (java.io.IOException e) {
                    Thread.sleep(100);
                }
            }
            assertTrue(answer != null && answer.startsWith("HTTP/1.1 200"), String.valueOf(answer));
            assertTrue(get("127.0.0.3", port, "/latest/meta-data/instance-id").startsWith("HTTP/1.1 404"));
            t.interrupt();
            t.join(10_000);
            assertEquals(0, result[0].exitCode(), result[0].toString());
        }
    }

    @Test
    void usageErrors() {
        assertEquals(2, Cli.run("proxy").exitCode());
        Cli noMapping = Cli.run("proxy", "--upstream", "127.0.0.1:1");
        assertEquals(2, noMapping.exitCode(), noMapping.toString());
        assertTrue(noMapping.stderr().contains("mapping"), noMapping.toString());
        assertEquals(2, Cli.run("proxy", "--upstream", "localhost:1", "--map", "127.0.0.2=" + UUID).exitCode());
        Cli badMap = Cli.run("proxy", "--listen", "127.0.0.1:0", "--upstream", "127.0.0.1:1", "--map", "127.0.0.2=x");
        assertEquals(6, badMap.exitCode(), badMap.toString());
        assertTrue(badMap.stderr().contains("--map:1: 'x' is not a UUID"), badMap.toString());
    }

    @Test
    void connectionLimitFlags() throws Exception {
        // the default, lowered to what this process's open-file limit allows at two descriptors a connection
        assertEquals(ConnectionLimits.defaults().withMaxConnections(Math.min(ConnectionLimits.DEFAULT_MAX_CONNECTIONS,
                OpenFileLimit.fitting(OpenFileLimit.ofThisProcess(), 1, 2))), parsed().config().connections());
        assertTrue(parsed().config().management().isEmpty(), "no management listener unless asked");
        assertEquals(new InetSocketAddress("127.0.0.1", 9776),
                parsed("--metrics-listen", "127.0.0.1:9776").config().management().orElseThrow());
        assertEquals(new InetSocketAddress("127.0.0.1", 9777), parsed("--management-listen", "127.0.0.1:9777")
                .config().management().orElseThrow(), "the former name of --metrics-listen still works");
        Cli both = Cli.run("proxy", "--upstream", "127.0.0.1:1", "--map", "127.0.0.2=" + UUID, "--metrics-listen",
                "127.0.0.1:9776", "--management-listen", "127.0.0.1:9777");
        assertEquals(2, both.exitCode(), both.toString());
        assertTrue(both.stderr().contains("--management-listen is the former name of --metrics-listen"), both.stderr());
        ConnectionLimits limits = parsed("--max-connections", "500", "--max-connections-per-source", "8",
                "--first-request-timeout", "2.5", "--idle-timeout", "30").config().connections();
        assertEquals(new ConnectionLimits(500, 8, java.time.Duration.ofMillis(2500), java.time.Duration.ofSeconds(30),
                ConnectionLimits.DEFAULT_HEADER_TIMEOUT), limits);
        for (String[] bad : new String[][] {{"--max-connections", "64"}, {"--max-connections-per-source", "0"},
                {"--idle-timeout", "0"}, {"--first-request-timeout", "-1"}}) {
            Cli cli = Cli.run("proxy", "--upstream", "127.0.0.1:1", "--map", "127.0.0.2=" + UUID, bad[0], bad[1]);
            assertEquals(2, cli.exitCode(), cli.toString());
        }
        Cli notBelow = Cli.run("proxy", "--upstream", "127.0.0.1:1", "--map", "127.0.0.2=" + UUID,
                "--max-connections-per-source", "100", "--max-connections", "100");
        assertTrue(notBelow.stderr().contains("--max-connections-per-source (100) must be below --max-connections (100)"),
                notBelow.toString());
    }

    /**
     * A listener out of file descriptors stops accepting for good, so the connections the proxy allows must fit its
     * open-file limit at two a connection (the guest's, one to a node) with OpenFileLimit.RESERVE to spare: the
     * default is lowered to fit, a given number that does not fit is refused naming what it needs and what fits.
     */
    @Test
    void maxConnectionsFitTheOpenFileLimit() {
        assertEquals(500, parsed().connectionLimits(1256).maxConnections(), "(1256 - 256) / 2");
        assertEquals(250, parsed("--listen", "169.254.169.254:80", "--listen", "[::1]:80").connectionLimits(1256)
                .maxConnections(), "two listeners share the descriptors");
        assertEquals(ConnectionLimits.DEFAULT_MAX_CONNECTIONS, parsed().connectionLimits(1_000_000).maxConnections(),
                "a default that fits is kept");
        assertEquals(500, parsed("--max-connections", "500").connectionLimits(1256).maxConnections());
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> parsed("--max-connections", "501").connectionLimits(1256));
        assertTrue(refused.getMessage().startsWith("--max-connections: 501 connections need 1258 open files (2 per connection"
                + " and 256 for the rest), but this process may open 1256"), refused.getMessage());
        assertTrue(refused.getMessage().endsWith("raise the limit or allow at most 500"), refused.getMessage());
        // through the command line, against this process's real limit
        long limit = OpenFileLimit.ofThisProcess();
        Cli tooMany = Cli.run("proxy", "--upstream", "127.0.0.1:1", "--map", "127.0.0.2=" + UUID,
                "--max-connections", Long.toString(Math.min(Integer.MAX_VALUE, limit)));
        assertEquals(2, tooMany.exitCode(), tooMany.toString());
        assertTrue(tooMany.stderr().contains("but this process may open " + limit), tooMany.stderr());
    }

    @Test
    void listenAddresses() throws Exception {
        assertEquals(java.util.List.of(new InetSocketAddress("169.254.169.254", 80)),
                parsed().config().listen().addresses(), "Nova's address by default");
        assertEquals(java.util.List.of(new InetSocketAddress("169.254.169.254", 80), new InetSocketAddress("::1", 80),
                        new InetSocketAddress("fd00::1", 81)),
                parsed("--listen", "169.254.169.254:80", "--listen", "[::1]:80,[fd00::1]:81").config().listen().addresses());
        Cli linkLocal = Cli.run("proxy", "--upstream", "127.0.0.1:1", "--map", "127.0.0.2=" + UUID,
                "--listen", "169.254.169.254:80", "--listen", "[fe80::a9fe:a9fe]:80");
        assertEquals(2, linkLocal.exitCode(), linkLocal.toString());
        assertTrue(linkLocal.stderr().contains("--listen [fe80::a9fe:a9fe]:80: the link-local address fe80::a9fe:a9fe "
                + "needs the interface it is on: [fe80::a9fe:a9fe%INTERFACE]"), linkLocal.toString());
    }

    @Test
    void requestRateFlags() throws Exception {
        assertEquals(RequestRate.defaults(), parsed().config().requestRate(), "on by default, as the service's");
        assertEquals(RequestRate.defaults().withPerSecond(5).withBurst(50),
                parsed("--request-rate", "5", "--request-burst", "50").config().requestRate());
        assertFalse(parsed("--request-rate", "off").config().requestRate().enabled());
        assertFalse(parsed("--request-rate", "0").config().requestRate().enabled());
        Cli badRate = Cli.run("proxy", "--upstream", "127.0.0.1:1", "--map", "127.0.0.2=" + UUID, "--request-rate", "x");
        assertEquals(2, badRate.exitCode(), badRate.toString());
        assertTrue(badRate.stderr().contains("--request-rate must be requests a second from 0.001 to 1000000, or 0 or "
                + "off for no limit, got 'x'"), badRate.stderr());
        Cli badBurst = Cli.run("proxy", "--upstream", "127.0.0.1:1", "--map", "127.0.0.2=" + UUID, "--request-burst", "0");
        assertEquals(2, badBurst.exitCode(), badBurst.toString());
        assertTrue(badBurst.stderr().contains("--request-burst must be a whole number of requests from 1 to 1000000, "
                + "got '0'"), badBurst.stderr());
    }

    private static ProxyCommand parsed(String... extra) {
        ProxyCommand command = new ProxyCommand(Map.of());
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("--upstream", "127.0.0.1:1",
                "--map", "127.0.0.2=" + UUID));
        args.addAll(java.util.List.of(extra));
        new picocli.CommandLine(command).parseArgs(args.toArray(String[]::new));
        return command;
    }

    private static String get(String source, int port, String path) throws Exception {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(source, 0));
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = s.getInputStream();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            int n = in.read(buf);
            out.write(buf, 0, Math.max(n, 0));
            return out.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
