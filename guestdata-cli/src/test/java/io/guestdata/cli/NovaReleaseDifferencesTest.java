package io.guestdata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.testkit.Command;
import io.guestdata.testkit.NovaOracle;
import io.guestdata.testkit.ToolTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Every guest-visible difference between Nova 26.2.2 (Debian 12) and Nova 31.0.0 (Debian 13) is the one
 * docs/nova-releases.md lists, no more and no fewer: both releases' own code ({@code nova-oracle --release})
 * runs on every sample document (tools/nova-oracle/samples and this module's nova/ documents), and this test
 * compares the config drive trees file for file and byte for byte, and the metadata service's answers (status,
 * Content-Type, body) for every path either release lists, crawled from {@code /} and {@code /openstack}.
 * Each difference found must be claimed by exactly one documented {@link Rule} whose check holds, and every
 * rule must claim one: a new difference or a vanished one fails. Skipped when the Debian 13 root is not built
 * and cannot be (not root, no archive).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ToolTest
class NovaReleaseDifferencesTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Pattern RANDOM_SEED = Pattern.compile("\"random_seed\": \"[A-Za-z0-9+/=]{684}\"");
    /** Both the requester and the one fixed IP the fake Neutron maps to the document's instance. */
    private static final String ADDRESS = "10.9.8.7";
    private static final String NEW_VERSION = "2025-04-04";

    private Path work;
    private final Map<String, Path> documents = new TreeMap<>();
    /** release → document → config drive file → bytes. */
    private final Map<String, Map<String, Map<String, String>>> trees = new TreeMap<>();
    /** release → "document path" → the answer as status, Content-Type and body. */
    private final Map<String, Map<String, String>> answers = new TreeMap<>();

    @BeforeAll
    void runBothReleases() throws Exception {
        NovaOracle.assumeRelease("31");
        work = Files.createTempDirectory("nova-releases");
        List<Path> docs = new ArrayList<>();
        try (Stream<Path> s = Files.list(Tool.repoRoot().resolve("tools/nova-oracle/samples"))) {
            s.filter(p -> p.toString().endsWith(".json")).forEach(docs::add);
        }
        try (Stream<Path> s = Files.list(CloudInitReadsConfigDriveTreeTest.resource("nova"))) {
            s.filter(p -> p.toString().endsWith(".json")).forEach(docs::add);
        }
        for (Path doc : docs) {
            String set = doc.getParent().getFileName().toString().equals("samples") ? "samples/" : "nova/";
            documents.put(set + doc.getFileName(), doc);
        }
        for (String release : List.of("26", "31")) {
            trees.put(release, writeTrees(release));
        }
        crawlMetadataService();
    }

    @AfterAll
    void clean() throws Exception {
        if (work != null) {
            Images.deleteTree(work);
        }
    }

    @Test
    void everyDifferenceIsADocumentedOne() {
        List<Difference> found = new ArrayList<>();
        for (String doc : documents.keySet()) {
            Map<String, String> a = trees.get("26").get(doc);
            Map<String, String> b = trees.get("31").get(doc);
            Set<String> files = new LinkedHashSet<>(a.keySet());
            files.addAll(b.keySet());
            for (String file : files) {
                if (!Objects.equals(a.get(file), b.get(file))) {
                    found.add(new Difference(doc, "drive:" + file, a.get(file), b.get(file)));
                }
            }
        }
        Map<String, String> a = answers.get("26");
        Map<String, String> b = answers.get("31");
        for (String key : a.keySet()) {
            if (!a.get(key).equals(b.get(key))) {
                int space = key.indexOf(' ');
                found.add(new Difference(key.substring(0, space), "http:" + key.substring(space + 1), a.get(key), b.get(key)));
            }
        }
        assertTrue(found.size() > 0, "the releases differ (at least in the version list)");

        List<Rule> rules = rules();
        Map<Rule, Integer> claimed = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (Difference d : found) {
            List<Rule> matching = rules.stream().filter(r -> r.claims.test(d)).toList();
            if (matching.size() != 1) {
                problems.add((matching.isEmpty() ? "undocumented difference " : "claimed by " + matching.size()
                        + " rules ") + d);
                continue;
            }
            Rule rule = matching.getFirst();
            claimed.merge(rule, 1, Integer::sum);
            String why = rule.check.apply(d);
            if (why != null) {
                problems.add("rule '" + rule.name + "' does not hold: " + why + "\n    " + d);
            }
        }
        for (Rule r : rules) {
            if (!claimed.containsKey(r)) {
                problems.add("documented difference not found any more: " + r.name);
            }
        }
        assertTrue(problems.isEmpty(), problems.size() + " problem(s):\n" + String.join("\n", problems));
        claimed.forEach((rule, n) -> System.out.println("Nova 26 → 31: " + n + " × " + rule.name));
    }

    /** Nova records its version as the ISO's publisher; everything else in the volume descriptor is equal. */
    @Test
    void isoPublisherNamesTheRelease() throws Exception {
        Map<String, Map<String, String>> volumes = new TreeMap<>();
        for (String release : List.of("26", "31")) {
            Path iso = work.resolve("nova" + release + ".iso");
            Command.Result r = NovaOracle.run(release, "iso", documents.get("samples/static.json").toString(), iso.toString());
            assertEquals(0, r.exit(), r.stderr());
            Map<String, String> fields = new TreeMap<>();
            for (String line : Images.ok("isoinfo", "-d", "-i", iso.toString()).split("\n")) {
                int colon = line.indexOf(": ");
                if (colon > 0) {
                    fields.put(line.substring(0, colon), line.substring(colon + 2));
                }
            }
            volumes.put(release, fields);
        }
        assertEquals("OpenStack Nova 26.2.2", volumes.get("26").remove("Publisher id"));
        assertEquals("OpenStack Nova 31.0.0", volumes.get("31").remove("Publisher id"));
        // the volume size follows the tree (Nova 31's has the 2025-04-04 folder), the dates the build time
        for (String varying : List.of("Volume size is", "Path table size is", "Volume creation date",
                "Volume modification date")) {
            volumes.get("26").remove(varying);
            volumes.get("31").remove(varying);
        }
        assertEquals(volumes.get("26"), volumes.get("31"));
    }

    /**
     * Nova 31 removed {@code [api] use_forwarded_for}: its handler identifies a guest by the connection's address
     * only. Nova 26 with the option set takes the address from X-Forwarded-For.
     */
    @Test
    void forwardedForIsNoLongerRead() throws Exception {
        ObjectNode entry = entry("samples/static.json", "/latest/meta-data/instance-id");
        entry.put("remote_addr", "127.0.0.1");
        entry.put("bound_address", ADDRESS);
        entry.putArray("headers").addArray().add("X-Forwarded-For").add(ADDRESS);
        ObjectNode withOption = entry.deepCopy();
        withOption.putObject("conf").put("use_forwarded_for", true);

        assertEquals(200, lookups("26", List.of(withOption)).get(0).get("status").asInt(), "Nova 26 reads the header");
        assertEquals(404, lookups("31", List.of(entry)).get(0).get("status").asInt(), "Nova 31 does not");
        Path list = Files.writeString(work.resolve("forwarded.json"), MAPPER.createArrayNode().add(withOption).toString());
        Command.Result r = NovaOracle.run("31", "lookup-batch", list.toString());
        assertEquals(2, r.exit(), r.stderr());
        assertTrue(r.stderr().contains("'use_forwarded_for' does not exist in Nova 31"), r.stderr());
    }

    // --- the documented differences (docs/nova-releases.md) ------------------------------------------------

    /** One documented difference: which found differences it claims, and what must hold for each (null: ok). */
    private record Rule(String name, Predicate<Difference> claims, java.util.function.Function<Difference, String> check) {
    }

    /** {@code where} is {@code drive:<file>} or {@code http:<path>}; a side is null when the file or path is absent. */
    private record Difference(String doc, String where, String nova26, String nova31) {
        @Override
        public String toString() {
            return doc + " " + where + "\n      26: " + clip(nova26) + "\n      31: " + clip(nova31);
        }

        private static String clip(String s) {
            return s == null ? "(none)" : s.length() > 400 ? s.substring(0, 400) + "…" : s;
        }
    }

    private List<Rule> rules() {
        List<Rule> rules = new ArrayList<>();
        // 1. The OpenStack version list gains 2025-04-04 (Epoxy) before latest.
        rules.add(new Rule("version list: 2025-04-04 added",
                d -> d.where.matches("http:/openstack/?"),
                d -> {
                    List<String> expected = new ArrayList<>(List.of(body(d.nova26).split("\n")));
                    expected.add(expected.indexOf("latest"), NEW_VERSION);
                    return expected.equals(List.of(body(d.nova31).split("\n"))) && head(d.nova26).equals(head(d.nova31))
                            ? null : "31's list is not 26's with " + NEW_VERSION + " before latest";
                }));
        // 2. Everything below 2025-04-04 is new, and is what Nova 31 serves as latest.
        rules.add(new Rule("2025-04-04: a new version, the same as latest",
                d -> d.where.startsWith("drive:openstack/" + NEW_VERSION + "/")
                        || d.where.startsWith("http:/openstack/" + NEW_VERSION),
                d -> {
                    String latest = d.where.replace(NEW_VERSION, "latest");
                    String latest31 = latest.startsWith("drive:")
                            ? trees.get("31").get(d.doc).get(latest.substring(6))
                            : answers.get("31").get(d.doc + " " + latest.substring(5));
                    boolean absentIn26 = d.where.startsWith("drive:") ? d.nova26 == null : d.nova26.startsWith("404 ");
                    return absentIn26 && Objects.equals(latest31, d.nova31) ? null : "not absent in 26 or not 31's latest";
                }));
        // 3. OVN native DHCP (enable_dhcp, no DHCP port): Nova 31 keeps the link's mtu in network_data.json
        //    (Nova 26 fell back to dhcp_server = gateway, which prints null) ...
        rules.add(new Rule("OVN DHCP: network_data.json keeps the link mtu",
                d -> d.doc.equals("samples/ovn-dhcp.json") && !d.where.contains(NEW_VERSION)
                        && d.where.endsWith("/network_data.json"),
                d -> {
                    JsonNode a = json(d.nova26);
                    JsonNode b = json(d.nova31);
                    if (!a.at("/links/0/mtu").isNull() || b.at("/links/0/mtu").asInt() != 1442) {
                        return "26 should print mtu null, 31 the link's 1442";
                    }
                    ((ObjectNode) a.at("/links/0")).put("mtu", 1442);
                    return a.equals(b) && head(d.nova26).equals(head(d.nova31)) ? null : "more than the mtu differs";
                }));
        // ... and the interfaces template renders the DHCP subnet's fixed IP as a static address (its test is
        //    dhcp_server, which Nova 31 no longer sets without a DHCP port): content/0000 and meta_data.json's
        //    network_config appear.
        rules.add(new Rule("OVN DHCP: the interfaces template renders the address as static",
                d -> d.doc.equals("samples/ovn-dhcp.json") && !d.where.contains(NEW_VERSION)
                        && (d.where.endsWith("/meta_data.json") || d.where.matches(".*content/0000")),
                d -> {
                    if (d.where.endsWith("content/0000")) {
                        boolean absent26 = d.nova26 == null || d.nova26.startsWith("404 ");
                        String template = body(d.nova31);
                        return absent26 && template.contains("iface eth0 inet static\n")
                                && template.contains("address " + ovnAddress() + "\n") ? null
                                : "26 should have no template, 31 eth0 static with " + ovnAddress();
                    }
                    JsonNode a = json(d.nova26);
                    ObjectNode b = (ObjectNode) json(d.nova31);
                    JsonNode config = b.remove("network_config");
                    if (config == null || !config.path("content_path").asText().equals("/content/0000")) {
                        return "31's meta_data.json has no network_config → /content/0000";
                    }
                    return a.equals(b) ? null : "more than network_config differs";
                }));
        return rules;
    }

    private String ovnAddress() {
        try {
            return MAPPER.readTree(documents.get("samples/ovn-dhcp.json").toFile()).at("/network_data/networks/0/ip_address").asText();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    // --- running the oracles ----------------------------------------------------------------------------------

    private Map<String, Map<String, String>> writeTrees(String release) throws Exception {
        ArrayNode batch = JsonNodeFactory.instance.arrayNode();
        Map<String, Path> outs = new TreeMap<>();
        for (Map.Entry<String, Path> doc : documents.entrySet()) {
            Path out = work.resolve(release + "-" + doc.getKey().replace('/', '-'));
            outs.put(doc.getKey(), out);
            batch.addObject().put("doc", doc.getValue().toString()).put("out", out.toString());
        }
        Path list = Files.writeString(work.resolve("trees-" + release + ".json"), batch.toString());
        Command.Result r = NovaOracle.run(release, "tree-batch", list.toString());
        assertEquals(0, r.exit(), "Nova " + release + "'s config drive code failed:\n" + r.stderr());
        Map<String, Map<String, String>> out = new TreeMap<>();
        for (Map.Entry<String, Path> e : outs.entrySet()) {
            Map<String, String> files = new TreeMap<>();
            try (Stream<Path> s = Files.walk(e.getValue())) {
                for (Path p : s.filter(Files::isRegularFile).toList()) {
                    files.put(e.getValue().relativize(p).toString(), masked(Files.readAllBytes(p)));
                }
            }
            out.put(e.getKey(), files);
        }
        return out;
    }

    /**
     * Requests, in rounds, every path either release lists: the EC2 versions under {@code /} and the OpenStack
     * ones under {@code /openstack}, their listings (an entry ending in / or of the form {@code key=value} is a
     * listing), and the template paths {@code /openstack/content/000n}, which no listing names.
     */
    private void crawlMetadataService() throws Exception {
        Set<String> requested = new LinkedHashSet<>();
        List<String> round = new ArrayList<>();
        for (String doc : documents.keySet()) {
            for (String path : List.of("/", "/openstack", "/openstack/", "/openstack/content/0000", "/openstack/content/0001")) {
                round.add(doc + " " + path);
            }
        }
        answers.put("26", new TreeMap<>());
        answers.put("31", new TreeMap<>());
        while (!round.isEmpty()) {
            requested.addAll(round);
            Set<String> next = new LinkedHashSet<>();
            for (String release : List.of("26", "31")) {
                List<ObjectNode> entries = new ArrayList<>();
                for (String key : round) {
                    int space = key.indexOf(' ');
                    entries.add(entry(key.substring(0, space), key.substring(space + 1)));
                }
                List<JsonNode> results = lookups(release, entries);
                for (int i = 0; i < round.size(); i++) {
                    String key = round.get(i);
                    JsonNode result = results.get(i);
                    String answer = describe(result);
                    answers.get(release).put(key, answer);
                    if (result.path("status").asInt() == 200) {
                        int space = key.indexOf(' ');
                        for (String child : children(key.substring(space + 1), body(answer))) {
                            String childKey = key.substring(0, space) + " " + child;
                            if (!requested.contains(childKey)) {
                                next.add(childKey);
                            }
                        }
                    }
                }
            }
            round = new ArrayList<>(next);
        }
        assertTrue(requested.size() > 500, "the crawl reached the leaves: " + requested.size());
    }

    private static List<String> children(String path, String listing) {
        List<String> out = new ArrayList<>();
        boolean ec2Root = path.equals("/");
        boolean openstackRoot = path.matches("/openstack/?");
        boolean openstackVersion = path.matches("/openstack/[^/]+") && !path.startsWith("/openstack/content");
        boolean ec2Listing = path.endsWith("/") && !openstackRoot;
        boolean ec2Version = path.matches("/[^/]+") && !path.equals("/openstack");
        if (!(ec2Root || openstackRoot || openstackVersion || ec2Listing || ec2Version)) {
            return out;   // a leaf
        }
        String base = path.endsWith("/") ? path : path + "/";
        for (String line : listing.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            if (ec2Root || openstackRoot || openstackVersion) {
                out.add(base + line);
            } else if (line.endsWith("/")) {
                out.add(base + line);
            } else if (line.contains("=")) {
                out.add(base + line.substring(0, line.indexOf('=')) + "/");
            } else {
                out.add(base + line);
            }
        }
        return out;
    }

    private ObjectNode entry(String doc, String path) {
        ObjectNode e = MAPPER.createObjectNode();
        e.put("doc", documents.get(doc).toString());
        e.put("path", path);
        e.put("remote_addr", ADDRESS);
        e.put("bound_address", ADDRESS);
        e.put("requester_ip", ADDRESS);
        return e;
    }

    private List<JsonNode> lookups(String release, List<ObjectNode> entries) throws Exception {
        Path list = Files.createTempFile(work, "lookups-" + release, ".json");
        ArrayNode array = MAPPER.createArrayNode();
        entries.forEach(array::add);
        Files.writeString(list, array.toString());
        Command.Result r = NovaOracle.run(release, "lookup-batch", list.toString());
        assertEquals(0, r.exit(), "Nova " + release + "'s metadata handler failed:\n" + r.stderr());
        String[] lines = r.stdout().strip().split("\n");
        List<JsonNode> out = new ArrayList<>();
        MAPPER.readTree(lines[lines.length - 1]).forEach(out::add);
        assertEquals(entries.size(), out.size());
        return out;
    }

    /** "status Content-Type\n\nbody" (random_seed masked), or the exception Nova's handler raised. */
    private static String describe(JsonNode result) {
        if (result.has("exception")) {
            return "500 exception\n\n" + result.get("exception").asText();
        }
        String type = null;
        for (JsonNode h : result.get("headers")) {
            if (h.get(0).asText().equalsIgnoreCase("Content-Type")) {
                type = h.get(1).asText();
            }
        }
        return result.get("status").asInt() + " " + type + "\n\n"
                + masked(Base64.getDecoder().decode(result.get("body_b64").asText()));
    }

    /** The body of an answer, or a drive file's bytes as they are. */
    private static String body(String answer) {
        if (answer == null) {
            return "";
        }
        int split = answer.indexOf("\n\n");
        return answer.matches("(?s)\\d{3} .*") && split > 0 ? answer.substring(split + 2) : answer;
    }

    /** The status and Content-Type of an answer ("" for a drive file). */
    private static String head(String answer) {
        return body(answer).equals(answer) ? "" : answer.substring(0, answer.indexOf("\n\n"));
    }

    private static JsonNode json(String answer) {
        try {
            return MAPPER.readTree(body(answer));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String masked(byte[] bytes) {
        return RANDOM_SEED.matcher(new String(bytes, StandardCharsets.UTF_8))
                .replaceAll("\"random_seed\": \"<684 random base64 characters>\"");
    }

}
