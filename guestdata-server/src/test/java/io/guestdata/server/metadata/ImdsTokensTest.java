package io.guestdata.server.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.guestdata.server.metadata.dev.InMemoryPasswordStore;
import org.junit.jupiter.api.Test;

/** IMDSv2 session tokens on the EC2 API, over HTTP. */
class ImdsTokensTest {
    private static final String TOKEN_PATH = "/latest/api/token";
    private static final String TTL = "X-aws-ec2-metadata-token-ttl-seconds";
    private static final String TOKEN = "X-aws-ec2-metadata-token";

    @Test
    void optionalTokensAreIssuedAndCheckedWhenPresented() throws Exception {
        TwoInstances t = new TwoInstances();
        try (MetadataServer server = MetadataServer.start(TestServers.config().tokens(TokenPolicy.OPTIONAL).build(),
                t.directory, new InMemoryPasswordStore())) {
            int port = server.port();
            assertEquals(200, ec2(port, TwoInstances.A_ADDRESS, null).status(), "IMDSv1 still works");
            RawHttp.Response issued = put(port, TwoInstances.A_ADDRESS, "21600").send();
            assertEquals(200, issued.status());
            assertEquals("text/plain; charset=UTF-8", issued.header("Content-Type"));
            assertEquals("21600", issued.header(TTL));
            String token = issued.text();
            IdentificationSecurityTest.assertServes(t, t.a, ec2(port, TwoInstances.A_ADDRESS, token));
            // A's token from B, a made-up token: 401
            RawHttp.Response stolen = ec2(port, TwoInstances.B_ADDRESS, token);
            assertEquals(401, stolen.status());
            assertEquals("401 Unauthorized\n\nThe X-aws-ec2-metadata-token is invalid or expired.\n\n   ", stolen.text());
            assertEquals(401, ec2(port, TwoInstances.A_ADDRESS, "bogus").status());
            // the OpenStack API and "/" take no token
            assertEquals(200, RawHttp.to(port).from(TwoInstances.B_ADDRESS).target("/openstack/latest/meta_data.json")
                    .header(TOKEN, token).send().status());
            assertEquals(200, RawHttp.to(port).from(TwoInstances.B_ADDRESS).target("/").header(TOKEN, "bogus").send().status());
            assertEquals(1, server.metrics().render().lines()
                    .filter(l -> l.equals("guestdata_metadata_imds_tokens_total{event=\"issued\"} 1")).count());
        }
    }

    @Test
    void tokenRequestsAreCheckedAsAwsChecksThem() throws Exception {
        TwoInstances t = new TwoInstances();
        try (MetadataServer server = MetadataServer.start(TestServers.config().trustProxy("127.0.0.30").build(),
                t.directory, new InMemoryPasswordStore())) {
            int port = server.port();
            for (String bad : new String[] {"0", "21601", "abc", ""}) {
                RawHttp.Response r = put(port, TwoInstances.A_ADDRESS, bad).send();
                assertEquals(400, r.status(), bad);
            }
            assertEquals(400, RawHttp.to(port).from(TwoInstances.A_ADDRESS).method("PUT").target(TOKEN_PATH).send().status());
            RawHttp.Response get = RawHttp.to(port).from(TwoInstances.A_ADDRESS).target(TOKEN_PATH).header(TTL, "60").send();
            assertEquals(405, get.status());
            assertEquals("PUT", get.header("Allow"));
            // a PUT that left the guest with X-Forwarded-For (an open proxy inside the guest relaying it): 403
            assertEquals(403, put(port, TwoInstances.A_ADDRESS, "60").header("X-Forwarded-For", "10.0.0.1").send().status());
            assertEquals(403, put(port, "127.0.0.30", "60").header("X-Forwarded-For", "10.0.0.1, " + TwoInstances.A_ADDRESS)
                    .send().status());
            // through our own trusted proxy, which appends the guest's address: fine
            RawHttp.Response viaProxy = put(port, "127.0.0.30", "60").header("X-Forwarded-For", TwoInstances.A_ADDRESS).send();
            assertEquals(200, viaProxy.status());
            assertEquals(200, ec2(port, TwoInstances.A_ADDRESS, viaProxy.text()).status());
            assertEquals(401, ec2(port, TwoInstances.B_ADDRESS, viaProxy.text()).status());
        }
    }

    @Test
    void requiredTokensGuardEveryEc2Path() throws Exception {
        TwoInstances t = new TwoInstances();
        try (MetadataServer server = MetadataServer.start(TestServers.config().tokens(TokenPolicy.REQUIRED).build(),
                t.directory, new InMemoryPasswordStore())) {
            int port = server.port();
            for (String path : new String[] {"/latest/meta-data/", "/2009-04-04/user-data", "/ec2/latest", "/nope", "//x"}) {
                RawHttp.Response r = RawHttp.to(port).from(TwoInstances.A_ADDRESS).target(path).send();
                assertEquals(401, r.status(), path);
                assertEquals("401 Unauthorized\n\nA valid X-aws-ec2-metadata-token is required.\n\n   ", r.text());
            }
            assertEquals(200, RawHttp.to(port).from(TwoInstances.A_ADDRESS).target("/").send().status());
            assertEquals(200, RawHttp.to(port).from(TwoInstances.A_ADDRESS).target("/openstack/latest/meta_data.json").send().status());
            String token = put(port, TwoInstances.A_ADDRESS, "5").send().text();
            assertEquals(200, ec2(port, TwoInstances.A_ADDRESS, token).status());
            assertEquals(401, ec2(port, TwoInstances.B_ADDRESS, token).status());
            // an unknown guest is still a 404, token or not: identification comes first
            assertEquals(404, RawHttp.to(port).from("127.0.0.99").target("/latest/meta-data/").send().status());
        }
    }

    @Test
    void offIsNova() throws Exception {
        TwoInstances t = new TwoInstances();
        try (MetadataServer server = MetadataServer.start(TestServers.config().tokens(TokenPolicy.OFF).build(),
                t.directory, new InMemoryPasswordStore())) {
            assertEquals(404, put(server.port(), TwoInstances.A_ADDRESS, "60").send().status());
            assertEquals(200, ec2(server.port(), TwoInstances.A_ADDRESS, "bogus").status());
        }
    }

    @Test
    void neutronProxyModeAcceptsTheProxysOwnForwardedFor() throws Exception {
        TwoInstances t = new TwoInstances();
        ProxySignature signature = new ProxySignature("s");
        try (MetadataServer server = MetadataServer.start(TestServers.config().mode(IdentificationMode.PROXY).sharedSecret("s")
                .build(), t.directory, new InMemoryPasswordStore())) {
            String a = t.a.uuid().toString();
            RawHttp.Request request = put(server.port(), "127.0.0.1", "60").header("X-Instance-ID", a)
                    .header("X-Instance-ID-Signature", signature.sign(a)).header("X-Tenant-ID", TwoInstances.A_PROJECT);
            assertEquals(200, request.header("X-Forwarded-For", TwoInstances.A_ADDRESS).send().status());
            assertEquals(403, request.header("X-Forwarded-For", "10.9.9.9").send().status(),
                    "now two X-Forwarded-For lines: the guest sent one");
        }
    }

    private static RawHttp.Request put(int port, String from, String ttl) {
        return RawHttp.to(port).from(from).method("PUT").target(TOKEN_PATH).header(TTL, ttl);
    }

    private static RawHttp.Response ec2(int port, String from, String token) throws Exception {
        RawHttp.Request r = RawHttp.to(port).from(from).target("/latest/user-data");
        if (token != null) {
            r.header(TOKEN, token);
        }
        return r.send();
    }
}
