package io.guestdata.server.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.core.document.InstanceDocumentParser;
import io.guestdata.core.document.KeyPairResolver;
import io.guestdata.core.document.Limits;
import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.server.metadata.IdentificationMode;
import io.guestdata.server.metadata.dev.InMemoryInstanceDirectory;
import io.guestdata.server.metadata.dev.InMemoryPasswordStore;
import io.guestdata.server.metadata.LogCapture;
import io.guestdata.server.metadata.MetadataServer;
import io.guestdata.server.metadata.MetadataServerConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No log line, at any level, carries a received or an expected {@code X-Instance-ID-Signature} or
 * {@code X-Metadata-Provider-Signature}, nor the shared secret (issue 12; Nova logged the expected signature of a
 * refused request until 2026, which let anyone who reads the logs sign for that instance).
 *
 * <p>The real service in proxy and in provider mode and the real proxy run in-process with every guestdata and every
 * Helidon logger at ALL, and are sent correct, wrong, upper-case, foreign-secret, repeated and missing signatures.
 * Each record is formatted as a handler would write it (message with its parameters, thrown exception with its
 * stack and causes) and searched for every signature that was sent or would have been right.
 */
class SignaturesNeverLoggedTest {
    private static final String SECRET = "log-test-shared-secret-5a1f";
    private static final String A = "3d0c7a52-61a8-4f0e-9b8a-1c2d3e4f5a6b";
    private static final String B = "9e8d7c6b-5a49-4837-a261-5f4e3d2c1b0a";

    @TempDir
    Path dir;

    @Test
    void noSignatureOrSecretReachesAnyLogLine() throws Exception {
        InMemoryInstanceDirectory directory = new InMemoryInstanceDirectory(MetadataOptions.defaults());
        directory.put(instance(A, "project-a", "192.0.2.10"));
        directory.put(instance(B, "project-b", "192.0.2.11"));
        Signer signer = new Signer(SECRET);
        Signer foreign = new Signer("not-the-secret");
        List<String> secrets = new ArrayList<>(List.of(SECRET, signer.sign(A), signer.sign(B), foreign.sign(A),
                signer.sign(A).toUpperCase(), signer.sign("provider-1"), foreign.sign("provider-1")));

        List<Logger> loud = List.of(Logger.getLogger("io.helidon"), Logger.getLogger("io.guestdata"));
        List<Level> before = loud.stream().map(Logger::getLevel).toList();
        List<Integer> statuses = new ArrayList<>();
        try (LogCapture capture = new LogCapture()) {
            loud.forEach(l -> l.setLevel(Level.ALL));
            try (MetadataServer service = MetadataServer.start(MetadataServerConfig.builder()
                    .listen(new InetSocketAddress("127.0.0.1", 0)).noManagement()
                    .mode(IdentificationMode.PROXY).sharedSecret(SECRET).build(), directory, new InMemoryPasswordStore());
                 MetadataServer provider = MetadataServer.start(MetadataServerConfig.builder()
                    .listen(new InetSocketAddress("127.0.0.1", 0)).noManagement()
                    .mode(IdentificationMode.PROVIDER).sharedSecret(SECRET).build(), directory, new InMemoryPasswordStore());
                 MetadataProxy proxy = MetadataProxy.start(MetadataProxyConfig.builder()
                    .management(new InetSocketAddress("127.0.0.1", 0)).listen(new InetSocketAddress("127.0.0.1", 0))
                    .upstream(new InetSocketAddress("127.0.0.1", service.port()))
                    .sharedSecret(SECRET).mappingFile(mapping()).reloadInterval(Duration.ofHours(1))
                    .connectTimeout(Duration.ofSeconds(1)).readTimeout(Duration.ofSeconds(10)).build())) {
                InetAddress loopback = InetAddress.getLoopbackAddress();
                String path = "/openstack/latest/meta_data.json";
                // Through the proxy: it signs, the service checks; a guest's own forged signature is replaced.
                statuses.add(MetadataProxyTest.request(InetAddress.getByName("127.0.0.2"), proxy.port(), "GET", path,
                        Map.of("X-Instance-ID", B, "X-Instance-ID-Signature", foreign.sign(A)), null).status());
                // Straight to the service: right, wrong for the id, another secret's, upper case, repeated, missing.
                for (Map<String, String> headers : List.of(
                        signed(A, "project-a", signer.sign(A)),
                        signed(B, "project-b", signer.sign(A)),
                        signed(A, "project-a", foreign.sign(A)),
                        signed(A, "project-a", signer.sign(A).toUpperCase()),
                        Map.of("X-Instance-ID", A, "X-Tenant-ID", "project-a"))) {
                    statuses.add(MetadataProxyTest.request(loopback, service.port(), "GET", path, headers, null).status());
                }
                statuses.add(MetadataProxyTest.request(loopback, service.port(), "GET", path, Map.of(), null).status());
                // Provider mode: right and wrong provider signatures.
                for (String signature : List.of(signer.sign("provider-1"), foreign.sign("provider-1"))) {
                    statuses.add(MetadataProxyTest.request(loopback, provider.port(), "GET", path, Map.of(
                            "X-Metadata-Provider", "provider-1", "X-Metadata-Provider-Signature", signature,
                            "X-Forwarded-For", "192.0.2.10"), null).status());
                }
            }
            // The requests were answered as they must be, so each reached the code that checks the signature.
            assertEquals(List.of(200, 200, 403, 403, 403, 400, 400, 200, 403), statuses);

            String logged = formatted(capture.records());
            assertFalse(capture.records().isEmpty(), "nothing was logged at all: the capture is not listening");
            assertTrue(logged.contains("io.helidon"), "Helidon's loggers were not heard at ALL:\n" + logged);
            for (String secret : secrets) {
                assertFalse(logged.contains(secret), "a log line carries " + secret + ":\n" + logged);
                assertFalse(logged.toLowerCase().contains(secret.toLowerCase()),
                        "a log line carries " + secret + " in another case:\n" + logged);
            }
        } finally {
            for (int i = 0; i < loud.size(); i++) {
                loud.get(i).setLevel(before.get(i));
            }
        }
    }

    private static Map<String, String> signed(String id, String project, String signature) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("X-Instance-ID", id);
        headers.put("X-Tenant-ID", project);
        headers.put("X-Instance-ID-Signature", signature);
        headers.put("X-Forwarded-For", "192.0.2.10");
        return headers;
    }

    /** Every record as a handler writes it: logger, level, message with parameters, and the whole thrown chain. */
    private static String formatted(List<LogRecord> records) {
        SimpleFormatter formatter = new SimpleFormatter();
        StringBuilder out = new StringBuilder();
        for (LogRecord r : records) {
            out.append(r.getLoggerName()).append(' ').append(formatter.format(r));
            if (r.getThrown() != null) {
                StringWriter stack = new StringWriter();
                r.getThrown().printStackTrace(new PrintWriter(stack));
                out.append(stack);
            }
        }
        return out.toString();
    }

    private Path mapping() throws Exception {
        Path file = dir.resolve("mapping");
        Files.writeString(file, "127.0.0.2=" + A + ":project-a\n127.0.0.3=" + B + ":project-b\n");
        return file;
    }

    private static io.guestdata.core.Instance instance(String uuid, String project, String address) throws Exception {
        String json = """
                {"uuid": "%s", "name": "log-%s", "project_id": "%s",
                 "network_data": {"links": [{"id": "tap0", "type": "ovs", "ethernet_mac_address": "fa:16:3e:00:00:%s"}],
                  "networks": [{"id": "net0", "type": "ipv4", "link": "tap0", "ip_address": "%s",
                                "netmask": "255.255.255.0"}]}}
                """.formatted(uuid, project, project, address.substring(address.length() - 2), address);
        return new InstanceDocumentParser(Limits.nova(), KeyPairResolver.none())
                .parse(json.getBytes(StandardCharsets.UTF_8));
    }
}
