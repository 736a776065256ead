package io.guestdata.server.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.core.Instance;
import io.guestdata.server.metadata.dev.InMemoryInstanceDirectory;
import io.guestdata.server.metadata.dev.InMemoryPasswordStore;
import io.guestdata.testkit.NovaOracle;
import io.guestdata.testkit.ToolTest;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.core.metadata.NovaRelease;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Our HTTP answers against Nova's real metadata handler ({@code nova_oracle.py lookup-batch}), request for
 * request: status, Content-Type, Content-Length and body bytes ({@code random_seed} masked). Address mode runs
 * for each Nova release, our service set to the same one ({@code MetadataOptions.novaRelease}): Nova 26.2.2, and
 * Nova 31.0.0 in its Debian 13 root (skipped, saying why, where that cannot be built); proxy mode against Nova 26.
 *
 * <p>For each document of the Nova comparison set and the {@code ovn-dhcp} sample: every listing and leaf of both trees (crawled from our
 * listings, so a wrong listing also shows up as a mismatch), in every version, with and without trailing
 * slashes; 404s; {@code ..}, {@code //} and percent-encoded paths; every method; HEAD; error bodies for many
 * {@code Accept} headers; the password endpoint's GET/POST/409/400 sequence. Then Neutron-proxy mode's header
 * checks, and remote-IP mode's unknown address.
 */
@ToolTest
class MetadataServiceNovaOracleTest {
    private static final List<String> ACCEPTS = List.of("*/*", "text/html", "application/json", "text/plain",
            "application/json;q=0.9, text/html;q=0.8", "text/*", "text/html;level=1", "application/*", "*/*;q=0",
            "garbage", ",", "text/html;q=0, */*", "application/json, text/html", "TEXT/HTML", "image/png");
    private static final List<String> ODD_PATHS = List.of("//", "///", "/.", "/..", "/./latest/meta-data",
            "/latest/meta-data/../user-data", "/latest/meta-data/%2e%2e/user-data", "/latest%2Fmeta-data%2Finstance-id",
            "/%6Catest/meta-data/hostname", "/ec2/latest/meta-data/instance-id", "/ec2", "/ec2/", "/ec2/latest",
            "/latest//meta-data///hostname/", "/nope", "/latest/nope", "/latest/meta-data/nope", "/2099-01-01/meta-data",
            "/1.0/meta-data/local-hostname", "/2007-12-15/meta-data/placement", "/openstack/2099-01-01",
            "/openstack/latest/nope", "/openstack/2012-08-10/password", "/openstack/2012-08-10/network_data.json",
            "/openstack/2013-04-04/vendor_data.json", "/openstack/2016-06-30/vendor_data2.json",
            "/openstack/latest/meta_data.json/", "/openstack//latest/meta_data.json", "//openstack/latest",
            "/openstack/./latest/../latest/meta_data.json", "/latest/meta-data/public-keys/0/_name",
            "/latest/meta-data/placement/availability-zone/", "/latest/meta-data/?x=1", "/latest/user-data?foo",
            "/openstack/latest/meta_data.json;x", "/%00", "/latest/meta-data/instance-id%00", "/openstack/content",
            "/openstack/content/", "/openstack/content/0000", "/openstack/content/0001", "/openstack/content/9999",
            "/openstack/latest/version", "/openstack/latest/", "/latest/meta-data/block-device-mapping/ami",
            "/openstack/2018-08-27/meta_data.json?x=%2e%2e", "/latest/meta-data/public-keys/0/openssh-key/",
            "/openstack/latest/user_data", "/latest/user-data/", "/%C3%A9", "/latest/meta-data/%7e",
            "/latest/meta-data/security-groups/x", "/%zz", "/latest/meta-data/%", "/a\"b", "/{x}|^`\\",
            "/latest/meta-data/hostname?a=%zz", "/ec2//latest");
    /** Paths below a leaf: Nova's handler raises a TypeError there (a 500); we answer 404. */
    private static final List<String> BELOW_LEAF = List.of("/latest/meta-data/hostname/x",
            "/latest/meta-data/ami-launch-index/0", "/latest/meta-data/placement/availability-zone/x");

    private record Probe(String what, RawHttp.Response ours, int oracleIndex, boolean novaRaises) {
    }

    @ParameterizedTest
    @ValueSource(strings = {"26", "31"})
    void addressModeAnswersAsNova(String release) throws Exception {
        Fixtures.assumePython();
        NovaOracle.assumeRelease(release);
        InMemoryInstanceDirectory directory = new InMemoryInstanceDirectory(MetadataOptions.defaults()
                .withNovaRelease(NovaRelease.parse(release)).novaExact());
        InMemoryPasswordStore passwords = new InMemoryPasswordStore();
        NovaLookupBatch oracle = new NovaLookupBatch(release);
        List<String> documents = new ArrayList<>(Fixtures.NOVA_DOCUMENTS);
        documents.add(Fixtures.OVN_DHCP);
        List<Probe> probes = new ArrayList<>();
        Map<String, Integer> perDocument = new java.util.LinkedHashMap<>();
        // Nova has no request rate: thousands of requests from one instance compare answers, not limits.
        try (MetadataServer server = MetadataServer.start(TestServers.config().tokens(TokenPolicy.OFF)
                .requestRate(RequestRate.off()).build(), directory, passwords)) {
            int port = server.port();
            int n = 0;
            for (String doc : documents) {
                String from = "127.0.0." + (10 + n++);
                Instance instance = Fixtures.instance(doc);
                directory.clear();
                directory.put(instance, List.of(InetAddress.getByName(from)));
                passwords.clear(instance.uuid());
                int before = probes.size();

                List<String> paths = new ArrayList<>(crawl(port, from));
                paths.addAll(ODD_PATHS);
                boolean first = true;
                for (String path : paths) {
                    // The first request resets the oracle's stored password (full and static share a uuid).
                    probe(probes, oracle, doc, from, RawHttp.to(port).from(from).target(path),
                            first ? Map.of("password", "") : Map.of(), false);
                    first = false;
                }
                for (String path : BELOW_LEAF) {
                    probe(probes, oracle, doc, from, RawHttp.to(port).from(from).target(path), Map.of(), true);
                }
                for (String path : List.of("/latest/meta-data/", "/latest/meta-data/instance-id", "/openstack",
                        "/openstack/latest/meta_data.json", "/openstack/latest/network_data.json", "/nope", "/")) {
                    for (String method : List.of("HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "FOO")) {
                        probe(probes, oracle, doc, from, RawHttp.to(port).from(from).method(method).target(path), Map.of(), false);
                    }
                }
                for (String accept : ACCEPTS) {
                    probe(probes, oracle, doc, from, RawHttp.to(port).from(from).target("/nope").header("Accept", accept),
                            Map.of(), false);
                    probe(probes, oracle, doc, from, RawHttp.to(port).from(from).target("/latest/meta-data/hostname")
                            .header("Accept", accept), Map.of(), false);
                }
                // A guest's own X-Forwarded-For is ignored in remote-IP mode (Nova: use_forwarded_for=False).
                probe(probes, oracle, doc, from, RawHttp.to(port).from(from).target("/latest/meta-data/local-ipv4")
                        .header("X-Forwarded-For", "10.99.99.99"), Map.of(), false);
                probe(probes, oracle, doc, from, RawHttp.to(port).from(from).target("/latest/meta-data/instance-id")
                        .header("X-Instance-ID", "11111111-2222-4333-8444-555555555555"), Map.of(), false);
                // Password: none, set, read, conflict (before the size check), too large, bad method.
                String pw = "/openstack/latest/password";
                probe(probes, oracle, doc, from, RawHttp.to(port).from(from).target(pw), Map.of("password", ""), false);
                probe(probes, oracle, doc, from, RawHttp.to(port).from(from).method("POST").target(pw)
                        .body("c2VjcmV0IHBhc3N3b3Jk".getBytes(StandardCharsets.US_ASCII)), Map.of(), false);
                probe(probes, oracle, doc, from, RawHttp.to(port).from(from).target(pw), Map.of(), false);
                probe(probes, oracle, doc, from, RawHttp.to(port).from(from).target("/openstack/2013-04-04/password"),
                        Map.of(), false);
                probe(probes, oracle, doc, from, RawHttp.to(port).from(from).method("POST").target(pw)
                        .body(new byte[2000]), Map.of(), false);
                probe(probes, oracle, doc, from, RawHttp.to(port).from(from).method("POST").target(pw)
                        .body("again".getBytes(StandardCharsets.US_ASCII)), Map.of(), false);
                for (String method : List.of("PUT", "DELETE", "HEAD")) {
                    probe(probes, oracle, doc, from, RawHttp.to(port).from(from).method(method).target(pw), Map.of(), false);
                }
                probe(probes, oracle, doc, from, RawHttp.to(port).from(from).method("PUT").target(pw)
                        .header("Accept", "application/json"), Map.of(), false);
                passwords.clear(instance.uuid());
                probe(probes, oracle, doc, from, RawHttp.to(port).from(from).method("POST").target(pw)
                        .body(new byte[1021]), Map.of("password", ""), false);
                probe(probes, oracle, doc, from, RawHttp.to(port).from(from).method("POST").target(pw)
                        .body("é".repeat(510).getBytes(StandardCharsets.UTF_8)), Map.of(), false);
                probe(probes, oracle, doc, from, RawHttp.to(port).from(from).target(pw), Map.of(), false);
                // An address no instance has.
                probe(probes, oracle, doc, from, RawHttp.to(port).from("127.0.0.99").target("/latest/meta-data/"),
                        Map.of(), false);
                perDocument.put(doc, probes.size() - before);
            }
        }
        compare(probes, oracle.run());
        System.out.println("address mode, requests compared with Nova " + release + " per document: " + perDocument);
    }

    @Test
    void proxyModeAnswersAsNova() throws Exception {
        Fixtures.assumePython();
        String secret = "s3cret";
        Map<String, Object> conf = Map.of("service_metadata_proxy", true, "metadata_proxy_shared_secret", secret);
        InMemoryInstanceDirectory directory = new InMemoryInstanceDirectory(MetadataOptions.defaults()
                .withNovaRelease(NovaRelease.NOVA_26).novaExact());
        NovaLookupBatch oracle = new NovaLookupBatch("26");
        List<Probe> probes = new ArrayList<>();
        ProxySignature signature = new ProxySignature(secret);
        try (MetadataServer server = MetadataServer.start(TestServers.config().tokens(TokenPolicy.OFF)
                .requestRate(RequestRate.off()).mode(IdentificationMode.PROXY).sharedSecret(secret).build(), directory, new InMemoryPasswordStore())) {
            int port = server.port();
            for (String doc : List.of("full", "minimal")) {
                Instance instance = Fixtures.instance(doc);
                directory.clear();
                directory.put(instance);
                String id = instance.uuid().toString();
                String good = signature.sign(id);
                String other = "d4c9e2a1-0b7f-4e3d-9c21-6a5b4c3d2e1f";
                List<List<String[]>> headerSets = List.of(
                        List.of(h("X-Instance-ID", id), h("X-Instance-ID-Signature", good), h("X-Tenant-ID", "proj")),
                        List.of(h("X-Instance-ID", id), h("X-Instance-ID-Signature", good), h("X-Tenant-ID", "proj"),
                                h("X-Forwarded-For", "10.1.2.3")),
                        List.of(),
                        List.of(h("X-Instance-ID-Signature", good), h("X-Tenant-ID", "proj")),
                        List.of(h("X-Instance-ID", id), h("X-Tenant-ID", "proj")),
                        List.of(h("X-Instance-ID", id), h("X-Instance-ID-Signature", good)),
                        List.of(h("X-Instance-ID", id), h("X-Instance-ID-Signature", good.toUpperCase()), h("X-Tenant-ID", "proj")),
                        List.of(h("X-Instance-ID", id), h("X-Instance-ID-Signature", ""), h("X-Tenant-ID", "proj")),
                        List.of(h("X-Instance-ID", id), h("X-Instance-ID-Signature", good), h("X-Tenant-ID", "other")),
                        List.of(h("X-Instance-ID", other), h("X-Instance-ID-Signature", signature.sign(other)), h("X-Tenant-ID", "proj")),
                        List.of(h("X-Instance-ID", other), h("X-Instance-ID-Signature", good), h("X-Tenant-ID", "proj")),
                        List.of(h("X-Instance-ID", id), h("X-Instance-ID-Signature", good), h("X-Tenant-ID", "proj"),
                                h("X-Metadata-Provider", "")));
                for (List<String[]> headers : headerSets) {
                    for (String path : List.of("/latest/meta-data/instance-id", "/latest/meta-data/local-ipv4",
                            "/openstack/latest/meta_data.json", "/", "/nope")) {
                        probe(probes, oracle, doc, "127.0.0.1", RawHttp.to(port).target(path).headers(headers), conf, false);
                    }
                    for (String accept : List.of("application/json", "text/html")) {
                        probe(probes, oracle, doc, "127.0.0.1", RawHttp.to(port).target("/latest/meta-data/hostname")
                                .headers(headers).header("Accept", accept), conf, false);
                    }
                }
            }
        }
        compare(probes, oracle.run());
    }

    private static String[] h(String name, String value) {
        return new String[] {name, value};
    }

    private static void probe(List<Probe> probes, NovaLookupBatch oracle, String doc, String boundTo, RawHttp.Request request,
                              Map<String, Object> confOrExtra, boolean novaRaises) throws Exception {
        Map<String, Object> conf = new java.util.HashMap<>();
        Map<String, Object> extra = new java.util.HashMap<>();
        confOrExtra.forEach((k, v) -> (k.equals("password") ? extra : conf).put(k, v));
        RawHttp.Response ours = request.send();
        int index = oracle.add(doc, request, conf, boundTo, extra);
        probes.add(new Probe(doc + " " + request.method() + " " + request.target() + " "
                + request.sentHeaders().stream().map(x -> x[0] + ": " + x[1]).toList(), ours, index, novaRaises));
    }

    private static void compare(List<Probe> probes, List<NovaLookupBatch.Answer> nova) {
        List<String> mismatches = new ArrayList<>();
        for (Probe p : probes) {
            NovaLookupBatch.Answer n = nova.get(p.oracleIndex());
            RawHttp.Response o = p.ours();
            if (p.novaRaises()) {
                if (n.exception() == null || o.status() != 404) {
                    mismatches.add(p.what() + ": expected Nova to raise and us to answer 404, Nova " + n.status()
                            + " " + n.exception() + ", ours " + o.status());
                }
                continue;
            }
            if (n.exception() != null) {
                mismatches.add(p.what() + ": Nova raised " + n.exception() + "; ours " + o);
                continue;
            }
            String novaBody = Fixtures.maskSeed(n.text());
            String ourBody = Fixtures.maskSeed(o.text());
            if (n.status() != o.status() || !java.util.Objects.equals(n.contentType(), o.header("Content-Type"))
                    || !novaBody.equals(ourBody) || !java.util.Objects.equals(n.contentLength(), o.header("Content-Length"))) {
                mismatches.add(p.what() + "\n    nova: " + n.status() + " " + n.contentType() + " len=" + n.contentLength()
                        + " " + abbreviate(novaBody) + "\n    ours: " + o.status() + " " + o.header("Content-Type")
                        + " len=" + o.header("Content-Length") + " " + abbreviate(ourBody));
            }
        }
        assertTrue(mismatches.isEmpty(), mismatches.size() + " of " + probes.size() + " requests differ from Nova:\n"
                + String.join("\n", mismatches.subList(0, Math.min(40, mismatches.size()))));
        assertEquals(nova.size(), probes.size());
    }

    private static String abbreviate(String s) {
        String e = s.replace("\n", "\\n");
        return e.length() > 300 ? e.substring(0, 300) + "…" : e;
    }

    /** Every path of both trees, found from our own listings. */
    static Set<String> crawl(int port, String from) throws Exception {
        Set<String> paths = new LinkedHashSet<>();
        paths.add("/");
        for (String version : get(port, from, "/").text().split("\n")) {
            String base = "/" + version;
            paths.add(base);
            paths.add(base + "/");
            for (String entry : get(port, from, base).text().split("\n")) {
                if (entry.endsWith("/")) {
                    crawlEc2(port, from, base + "/" + entry.substring(0, entry.length() - 1), paths);
                } else {
                    paths.add(base + "/" + entry);
                }
            }
        }
        paths.add("/openstack");
        paths.add("/openstack/");
        for (String version : get(port, from, "/openstack").text().split("\n")) {
            String base = "/openstack/" + version;
            paths.add(base);
            paths.add(base + "/");
            for (String name : List.of("meta_data.json", "user_data", "password", "vendor_data.json",
                    "network_data.json", "vendor_data2.json", "version")) {
                paths.add(base + "/" + name);
            }
        }
        return paths;
    }

    private static void crawlEc2(int port, String from, String dir, Set<String> paths) throws Exception {
        paths.add(dir);
        paths.add(dir + "/");
        RawHttp.Response listing = get(port, from, dir + "/");
        assertEquals(200, listing.status(), dir);
        for (String entry : listing.text().split("\n")) {
            if (entry.endsWith("/")) {
                crawlEc2(port, from, dir + "/" + entry.substring(0, entry.length() - 1), paths);
            } else if (entry.contains("=")) {
                crawlEc2(port, from, dir + "/" + entry.substring(0, entry.indexOf('=')), paths);
            } else {
                paths.add(dir + "/" + entry);
            }
        }
    }

    private static RawHttp.Response get(int port, String from, String path) throws Exception {
        return RawHttp.to(port).from(from).target(path).send();
    }
}
