package io.guestdata.server.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.guestdata.core.Instance;
import io.guestdata.server.metadata.dev.InMemoryPasswordStore;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Instance A can never read B's data, in any identification mode, whatever headers it sends. */
class IdentificationSecurityTest {
    private static final String SECRET = "proxy-secret";
    private final ProxySignature signature = new ProxySignature(SECRET);

    @Test
    void addressModeIgnoresEverythingButTheSourceAddress() throws Exception {
        TwoInstances t = new TwoInstances();
        try (MetadataServer server = MetadataServer.start(TestServers.config().build(), t.directory, new InMemoryPasswordStore())) {
            int port = server.port();
            assertServes(t, t.a, get(port, TwoInstances.A_ADDRESS, "/openstack/latest/meta_data.json"));
            assertServes(t, t.b, get(port, TwoInstances.B_ADDRESS, "/openstack/latest/meta_data.json"));
            // spoofed X-Forwarded-For from an untrusted peer (OSSN-0074): still A
            assertServes(t, t.a, RawHttp.to(port).from(TwoInstances.A_ADDRESS).target("/latest/user-data")
                    .header("X-Forwarded-For", TwoInstances.B_ADDRESS).send());
            // Neutron proxy headers, even correctly signed, mean nothing in address mode
            assertServes(t, t.a, RawHttp.to(port).from(TwoInstances.A_ADDRESS).target("/latest/user-data")
                    .headers(proxyHeaders(t.b, TwoInstances.B_PROJECT)).send());
            // from an address nobody owns, nothing at all
            RawHttp.Response stranger = RawHttp.to(port).from("127.0.0.23").target("/latest/user-data")
                    .header("X-Forwarded-For", TwoInstances.B_ADDRESS).headers(proxyHeaders(t.b, TwoInstances.B_PROJECT)).send();
            assertEquals(404, stranger.status());
        }
    }

    @Test
    void trustedProxiesAreBelievedFromTheRight() throws Exception {
        TwoInstances t = new TwoInstances();
        MetadataServerConfig config = TestServers.config().trustProxy("127.0.0.30").build();
        try (MetadataServer server = MetadataServer.start(config, t.directory, new InMemoryPasswordStore())) {
            int port = server.port();
            assertServes(t, t.b, RawHttp.to(port).from("127.0.0.30").target("/latest/user-data")
                    .header("X-Forwarded-For", TwoInstances.B_ADDRESS).send());
            // A prepended B's address itself; the proxy appended A's: A
            assertServes(t, t.a, RawHttp.to(port).from("127.0.0.30").target("/latest/user-data")
                    .header("X-Forwarded-For", TwoInstances.B_ADDRESS + ", " + TwoInstances.A_ADDRESS).send());
            assertServes(t, t.a, RawHttp.to(port).from("127.0.0.30").target("/latest/user-data")
                    .header("X-Forwarded-For", TwoInstances.B_ADDRESS).header("X-Forwarded-For", TwoInstances.A_ADDRESS).send());
            RawHttp.Response malformed = RawHttp.to(port).from("127.0.0.30").target("/latest/user-data")
                    .header("X-Forwarded-For", "b.example").send();
            assertEquals(400, malformed.status());
            assertEquals("400 Bad Request\n\nX-Forwarded-For is not a list of IP addresses.\n\n   ", malformed.text());
            // the trusted proxy's peers are not trusted in turn: A sending through nothing is A
            assertServes(t, t.a, RawHttp.to(port).from(TwoInstances.A_ADDRESS).target("/latest/user-data")
                    .header("X-Forwarded-For", TwoInstances.B_ADDRESS).send());
        }
    }

    @Test
    void neutronProxyModeNeedsTheRightSignatureAndProject() throws Exception {
        TwoInstances t = new TwoInstances();
        MetadataServerConfig config = TestServers.config().mode(IdentificationMode.PROXY).sharedSecret(SECRET).build();
        try (MetadataServer server = MetadataServer.start(config, t.directory, new InMemoryPasswordStore())) {
            int port = server.port();
            String a = t.a.uuid().toString();
            String b = t.b.uuid().toString();
            assertServes(t, t.a, proxied(port, TwoInstances.B_ADDRESS, proxyHeaders(t.a, TwoInstances.A_PROJECT)));
            assertServes(t, t.b, proxied(port, TwoInstances.A_ADDRESS, proxyHeaders(t.b, TwoInstances.B_PROJECT)));
            // B's id with A's signature, a signature with another secret, uppercase hex: 403
            assertRefused(403, "Invalid proxy request signature.", proxied(port, TwoInstances.A_ADDRESS,
                    List.of(h("X-Instance-ID", b), h("X-Instance-ID-Signature", signature.sign(a)), h("X-Tenant-ID", TwoInstances.B_PROJECT))));
            assertRefused(403, "Invalid proxy request signature.", proxied(port, TwoInstances.A_ADDRESS,
                    List.of(h("X-Instance-ID", b), h("X-Instance-ID-Signature", new ProxySignature("guess").sign(b)),
                            h("X-Tenant-ID", TwoInstances.B_PROJECT))));
            assertRefused(403, "Invalid proxy request signature.", proxied(port, TwoInstances.A_ADDRESS,
                    List.of(h("X-Instance-ID", b), h("X-Instance-ID-Signature", signature.sign(b).toUpperCase()),
                            h("X-Tenant-ID", TwoInstances.B_PROJECT))));
            // B correctly signed but A's project: 404
            assertRefused(404, "The resource could not be found.", proxied(port, TwoInstances.A_ADDRESS,
                    List.of(h("X-Instance-ID", b), h("X-Instance-ID-Signature", signature.sign(b)), h("X-Tenant-ID", TwoInstances.A_PROJECT))));
            // missing and repeated headers, in Nova's order
            assertRefused(400, "X-Instance-ID header is missing from request.", proxied(port, TwoInstances.A_ADDRESS, List.of()));
            assertRefused(400, "X-Instance-ID-Signature header is missing from request.", proxied(port, TwoInstances.A_ADDRESS,
                    List.<String[]>of(h("X-Instance-ID", a))));
            assertRefused(400, "X-Tenant-ID header is missing from request.", proxied(port, TwoInstances.A_ADDRESS,
                    List.of(h("X-Instance-ID", a), h("X-Instance-ID-Signature", signature.sign(a)))));
            assertRefused(400, "Multiple X-Instance-ID headers found within request.", proxied(port, TwoInstances.A_ADDRESS,
                    List.of(h("X-Instance-ID", a), h("X-Instance-ID", b), h("X-Instance-ID-Signature", signature.sign(a)),
                            h("X-Tenant-ID", TwoInstances.A_PROJECT))));
            assertRefused(400, "Multiple X-Tenant-ID headers found within request.", proxied(port, TwoInstances.A_ADDRESS,
                    List.of(h("X-Instance-ID", a), h("X-Instance-ID-Signature", signature.sign(a)),
                            h("X-Tenant-ID", TwoInstances.A_PROJECT), h("X-Tenant-ID", TwoInstances.B_PROJECT))));
            // the signature of "A,B" (what Nova's WSGI server would make of two ids) does not help either
            assertRefused(400, "Multiple X-Instance-ID headers found within request.", proxied(port, TwoInstances.A_ADDRESS,
                    List.of(h("X-Instance-ID", a), h("X-Instance-ID", b), h("X-Instance-ID-Signature", signature.sign(a + "," + b)),
                            h("X-Tenant-ID", TwoInstances.A_PROJECT))));
        }
    }

    @Test
    void anEmptySecretIsStillChecked() throws Exception {
        TwoInstances t = new TwoInstances();
        MetadataServerConfig config = TestServers.config().mode(IdentificationMode.PROXY).build();
        try (MetadataServer server = MetadataServer.start(config, t.directory, new InMemoryPasswordStore())) {
            String b = t.b.uuid().toString();
            assertRefused(403, "Invalid proxy request signature.", proxied(server.port(), TwoInstances.A_ADDRESS,
                    List.of(h("X-Instance-ID", b), h("X-Instance-ID-Signature", "x"), h("X-Tenant-ID", TwoInstances.B_PROJECT))));
            assertServes(t, t.b, proxied(server.port(), TwoInstances.A_ADDRESS, List.of(h("X-Instance-ID", b),
                    h("X-Instance-ID-Signature", new ProxySignature("").sign(b)), h("X-Tenant-ID", TwoInstances.B_PROJECT))));
        }
    }

    @Test
    void providerModeNeedsTheSignatureAndKnownAddress() throws Exception {
        TwoInstances t = new TwoInstances();
        MetadataServerConfig config = TestServers.config().mode(IdentificationMode.PROVIDER).sharedSecret(SECRET).build();
        try (MetadataServer server = MetadataServer.start(config, t.directory, new InMemoryPasswordStore())) {
            int port = server.port();
            List<String[]> provider = List.of(h("X-Metadata-Provider", "lb-1"),
                    h("X-Metadata-Provider-Signature", signature.sign("lb-1")));
            assertServes(t, t.a, RawHttp.to(port).from(TwoInstances.B_ADDRESS).target("/latest/user-data").headers(provider)
                    .header("X-Forwarded-For", TwoInstances.A_ADDRESS).send());
            assertRefused(403, "Invalid proxy request signature.", RawHttp.to(port).target("/latest/user-data")
                    .header("X-Metadata-Provider", "lb-1").header("X-Forwarded-For", TwoInstances.B_ADDRESS).send());
            assertRefused(403, "Invalid proxy request signature.", RawHttp.to(port).target("/latest/user-data")
                    .header("X-Metadata-Provider", "lb-2").header("X-Metadata-Provider-Signature", signature.sign("lb-1"))
                    .header("X-Forwarded-For", TwoInstances.B_ADDRESS).send());
            assertRefused(400, "X-Forwarded-For is missing from request.", RawHttp.to(port).target("/latest/user-data")
                    .headers(provider).send());
            assertRefused(400, "X-Metadata-Provider is missing from request.", RawHttp.to(port).target("/latest/user-data")
                    .header("X-Forwarded-For", TwoInstances.B_ADDRESS).send());
            assertRefused(400, "Expected a single port matching provider lb-1 and IP 127.0.0.99. Found 0.",
                    RawHttp.to(port).target("/latest/user-data").headers(provider).header("X-Forwarded-For", "127.0.0.99").send());
            // Neutron-proxy headers are not an alternative in provider mode
            assertRefused(400, "X-Forwarded-For is missing from request.", RawHttp.to(port).target("/latest/user-data")
                    .headers(proxyHeaders(t.b, TwoInstances.B_PROJECT)).send());
        }
    }

    @Test
    void providerModeWithoutSecretDoesNotStart() {
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> TestServers.config().mode(IdentificationMode.PROVIDER).build());
    }

    private RawHttp.Response proxied(int port, String from, List<String[]> headers) throws Exception {
        return RawHttp.to(port).from(from).target("/latest/user-data").headers(headers).send();
    }

    private List<String[]> proxyHeaders(Instance i, String tenant) {
        String id = i.uuid().toString();
        return List.of(h("X-Instance-ID", id), h("X-Instance-ID-Signature", signature.sign(id)), h("X-Tenant-ID", tenant));
    }

    private static String[] h(String name, String value) {
        return new String[] {name, value};
    }

    private static RawHttp.Response get(int port, String from, String path) throws Exception {
        return RawHttp.to(port).from(from).target(path).send();
    }

    static void assertServes(TwoInstances t, Instance expected, RawHttp.Response r) {
        assertEquals(200, r.status(), r.toString());
        String body = r.text();
        for (String marker : t.markersOf(t.other(expected))) {
            assertFalse(body.contains(marker), "the other instance's " + marker + " in " + body);
        }
        boolean own = t.markersOf(expected).stream().anyMatch(body::contains);
        assertEquals(true, own, "own data in " + body);
    }

    private static void assertRefused(int status, String message, RawHttp.Response r) {
        assertEquals(status, r.status(), r.toString());
        assertEquals(status + " " + r.text().split("\n")[0].substring(4) + "\n\n" + message + "\n\n   ", r.text());
    }
}
