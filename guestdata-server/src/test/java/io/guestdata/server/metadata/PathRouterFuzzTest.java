package io.guestdata.server.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.core.Instance;
import io.guestdata.core.metadata.LookupResult;
import io.guestdata.core.metadata.MetadataTree;
import io.guestdata.server.metadata.dev.InMemoryPasswordStore;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Random request targets (dot segments, {@code %2e%2e}, {@code //}, NUL, invalid UTF-8, long segments, queries,
 * fragments, characters HTTP forbids) and methods from two instances: never a 5xx, every answer is what the
 * requesting instance's own tree says (so never the other instance's data), and no 200 body carries the other
 * instance's markers.
 */
class PathRouterFuzzTest {
    private static TwoInstances instances;
    private static MetadataServer server;

    @BeforeContainer
    static void start() throws Exception {
        instances = new TwoInstances();
        // thousands of random requests from two instances: about answers, not the request rate
        server = MetadataServer.start(TestServers.config().requestRate(RequestRate.off()).build(), instances.directory,
                new InMemoryPasswordStore());
    }

    @AfterContainer
    static void stop() {
        server.close();
    }

    record Request(boolean fromA, String method, String target, String accept) {
    }

    @Provide
    Arbitrary<Request> requests() {
        Arbitrary<String> segment = Arbitraries.oneOf(
                Arbitraries.of("latest", "meta-data", "openstack", "2009-04-04", "1.0", "2013-04-04", "2018-08-27",
                        "user-data", "user_data", "instance-id", "public-keys", "0", "0=mykey", "openssh-key", "_name",
                        "placement", "availability-zone", "local-ipv4", "meta_data.json", "vendor_data2.json",
                        "network_data.json", "password", "content", "0000", "0001", "version", "ec2", "api", "token",
                        "..", ".", "", "%2e%2e", "%2E", "%2f", "%2F", "%00", "%ff", "%C3%A9", "%", "%4", "%zz", "%25",
                        "?", "?x=1", "#", "#frag", ";", ";a=b", "\"", "{}", "\\", "|", "^", "`", "~", "%20"),
                Arbitraries.strings().withCharRange('!', '~').ofMaxLength(12),
                Arbitraries.strings().withChars('a', '.', '/', '%').ofMinLength(1).ofMaxLength(500));
        Arbitrary<String> target = Combinators.combine(Arbitraries.of("/", "//", "///", "/./", "/../"),
                        segment.list().ofMaxSize(7))
                .as((prefix, parts) -> prefix + String.join("/", parts));
        return Combinators.combine(Arbitraries.of(true, false),
                Arbitraries.of("GET", "GET", "GET", "HEAD", "POST", "PUT", "DELETE"),
                target, Arbitraries.of("", "*/*", "application/json", "text/html"))
                .as(Request::new);
    }

    @Property(tries = 1500)
    void neverAServerErrorNeverTheOtherInstance(@ForAll("requests") Request r) throws Exception {
        Instance me = r.fromA() ? instances.a : instances.b;
        String from = r.fromA() ? TwoInstances.A_ADDRESS : TwoInstances.B_ADDRESS;
        RawHttp.Request request = RawHttp.to(server.port()).from(from).method(r.method()).target(r.target());
        if (!r.accept().isEmpty()) {
            request.header("Accept", r.accept());
        }
        if (r.method().equals("POST") || r.method().equals("PUT")) {
            request.body(new byte[0]);
        }
        RawHttp.Response response = request.send();
        String where = r + " -> " + response.status() + " " + response.text();
        assertTrue(response.status() < 500, where);
        Statistics.collect(response.status());

        int expected = expectedStatus(me, from, r);
        assertEquals(expected, response.status(), where);
        if (response.status() == 200) {
            for (String marker : instances.markersOf(instances.other(me))) {
                assertFalse(response.text().contains(marker), where);
            }
            Optional<String> decoded = RequestPath.decode(wsgiPath(r.target()));
            LookupResult own = instances.directory.byUuid(me.uuid().toString()).orElseThrow().lookup(decoded.orElseThrow(), from);
            if (own instanceof LookupResult.Found found && !r.method().equals("HEAD")
                    && !MetadataTree.requestPath(decoded.get()).equals("/latest/api/token")) {
                assertEquals(Fixtures.maskSeed(new String(found.body(), java.nio.charset.StandardCharsets.UTF_8)),
                        Fixtures.maskSeed(response.text()), where);
                assertEquals(found.contentType(), response.header("Content-Type"), where);
            }
        }
    }

    /** The status our model of Nova's handler (plus IMDSv2, optional) gives. */
    private static int expectedStatus(Instance me, String from, Request r) {
        if (r.target().contains("#")) {
            return 400; // a fragment in a request target (eventlet would route it as part of the path)
        }
        Optional<String> decoded = RequestPath.decode(wsgiPath(r.target()));
        if (decoded.isEmpty()) {
            return 400;
        }
        String path = MetadataTree.requestPath(decoded.get());
        if (path.equals("/")) {
            return 200;
        }
        if (path.equals("/latest/api/token")) {
            return r.method().equals("PUT") ? 400 : 405; // PUT without a TTL header
        }
        LookupResult own = instances.directory.byUuid(me.uuid().toString()).orElseThrow().lookup(decoded.get(), from);
        return switch (own) {
            case LookupResult.Found f -> 200;
            case LookupResult.NotFound n -> 404;
            case LookupResult.PasswordEndpoint p -> r.method().equals("GET") || r.method().equals("POST") ? 200 : 400;
        };
    }

    /** eventlet: the target up to the first '?'. */
    private static String wsgiPath(String target) {
        int q = target.indexOf('?');
        return q < 0 ? target : target.substring(0, q);
    }

    @Property(tries = 1)
    void theTwoInstancesAreDifferent() {
        assertFalse(List.of(instances.a.uuid()).contains(instances.b.uuid()));
    }
}
