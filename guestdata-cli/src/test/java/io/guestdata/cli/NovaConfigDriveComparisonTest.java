package io.guestdata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The config drive tree we write with {@code --nova-release R} equals the one Nova R itself writes for the same
 * instance (Nova 26.2.2: Debian 12's python3-nova; Nova 31.0.0: Debian 13's, in the root
 * {@code tools/nova-oracle/nova-oracle --release 31} runs), file for file and byte for byte, with only
 * {@code random_seed} masked (fresh random bytes in every render, in Nova as here); and cloud-init 22.4 reads both
 * the same way. Release 31's cases are skipped, saying why, where its root is not built and cannot be
 * ({@link NovaOracle#assumeRelease}).
 *
 * <p>The documents carry one key pair and no per-instance vendor data, the two things Nova cannot
 * express (we deliver every key; Nova has one key pair and only service-wide vendor data). {@code samples/ovn-dhcp}
 * is where the releases' network data differ (docs/nova-releases.md rows 4, 5).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ToolTest
class NovaConfigDriveComparisonTest {
    private static final List<String> DOCUMENTS = List.of("static", "dhcp", "minimal", "nonascii", "full",
            "samples/ovn-dhcp");
    private static final Pattern RANDOM_SEED = Pattern.compile("\"random_seed\": \"[A-Za-z0-9+/=]{684}\"");

    private Path work;
    /** release → document → Nova's tree. */
    private final Map<String, Map<String, Path>> novaTrees = new TreeMap<>();

    @BeforeAll
    void work() throws Exception {
        work = Files.createTempDirectory("nova-compare");
    }

    /** Nova {@code release}'s trees of every document, written in one process on first use. */
    private Map<String, Path> novaTrees(String release) throws Exception {
        NovaOracle.assumeRelease(release);
        if (!novaTrees.containsKey(release)) {
            Map<String, Path> trees = new TreeMap<>();
            ArrayNode batch = JsonNodeFactory.instance.arrayNode();
            for (String name : DOCUMENTS) {
                Path out = work.resolve("nova" + release + "-" + name.replace('/', '-'));
                trees.put(name, out);
                batch.addObject().put("doc", document(name).toString()).put("out", out.toString());
            }
            Path list = Files.writeString(work.resolve("batch" + release + ".json"), batch.toString());
            Command.Result r = NovaOracle.run(release, "tree-batch", list.toString());
            assertEquals(0, r.exit(), "Nova " + release + "'s own config drive code failed:\n" + r.stderr());
            novaTrees.put(release, trees);
        }
        return novaTrees.get(release);
    }

    @ParameterizedTest
    @CsvSource({"26, static", "26, dhcp", "26, minimal", "26, nonascii", "26, full", "26, samples/ovn-dhcp",
            "31, static", "31, dhcp", "31, minimal", "31, nonascii", "31, full", "31, samples/ovn-dhcp"})
    void ourTreeEqualsNovasByteForByte(String release, String name) throws Exception {
        Map<String, byte[]> expected = files(novaTrees(release).get(name));
        Path ours = writeOurs(release, name);
        Map<String, byte[]> actual = files(ours);
        assertEquals(expected.keySet(), actual.keySet(), name + ": the file lists differ from Nova " + release + "'s");
        List<String> differing = new ArrayList<>();
        for (String path : expected.keySet()) {
            String e = knownDifference(name, masked(expected.get(path)));
            String a = masked(actual.get(path));
            if (!e.equals(a)) {
                differing.add(path + "\n  nova: " + e + "\n  ours: " + a);
            }
        }
        assertTrue(differing.isEmpty(), name + ": files differ from Nova " + release + "'s:\n"
                + String.join("\n", differing));
        assertTrue(expected.keySet().stream().anyMatch(p -> p.endsWith("meta_data.json")));
    }

    @ParameterizedTest
    @CsvSource({"26, static", "26, dhcp", "26, full", "31, full", "31, samples/ovn-dhcp"})
    void cloudInitReadsOursAsItReadsNovas(String release, String name) throws Exception {
        ObjectNode fromNova = (ObjectNode) readWithCloudInit(release, novaTrees(release).get(name));
        Path ours = writeOurs(release, name);
        if (name.equals("dhcp")) {
            ((ObjectNode) fromNova.get("ec2_metadata")).putNull("local-ipv4");   // see knownDifference
        }
        JsonNode fromOurs = readWithCloudInit(release, ours);
        assertTrue(fromNova.get("claimed").asBoolean(), fromNova.toString());
        assertEquals(fromNova, fromOurs, name + ": cloud-init saw something else on our drive");
        assertFalse(fromOurs.get("instance_id").asText().isEmpty());
    }

    private Path writeOurs(String release, String name) throws Exception {
        Path out = work.resolve("ours" + release + "-" + name.replace('/', '-') + "-" + System.nanoTime());
        Cli cli = Cli.run("configdrive", "--nova-release", release, "--instance", document(name).toString(),
                "--format", "tree", "--output", out.toString());
        assertEquals(ExitCode.OK, cli.exitCode(), cli.toString());
        return out;
    }

    /** The cloud-init of Nova {@code release}'s Debian: 22.4 beside Nova 26, 25.1 beside Nova 31. */
    private static JsonNode readWithCloudInit(String release, Path tree) throws Exception {
        Command.Result r = Tool.debianPython(NovaOracle.debianOf(release), "tools/consumers/cloudinit_configdrive.py",
                tree.toString());
        assertEquals(0, r.exit(), r.stdout() + r.stderr());
        ObjectNode seen = (ObjectNode) new ObjectMapper().readTree(r.stdout());
        seen.remove("source");   // the directory it read
        return seen;
    }

    /** {@code samples/NAME}: tools/nova-oracle/samples; otherwise this module's nova/ documents. */
    private static Path document(String name) throws Exception {
        return name.startsWith("samples/")
                ? Tool.repoRoot().resolve("tools/nova-oracle/" + name + ".json")
                : CloudInitReadsConfigDriveTreeTest.resource("nova/" + name + ".json");
    }

    /**
     * The one difference we keep, on the DHCP-only instance: Nova fills EC2 {@code local-ipv4} from the
     * fixed IP Neutron allocated for the DHCP port (the oracle stands in 192.0.2.1 for it); an instance
     * document holds no such address (network_data.json has none for {@code ipv4_dhcp}, in Nova too), so
     * we write what Nova writes for an instance without a fixed IPv4: null. Listed in the README.
     */
    private static String knownDifference(String name, String nova) {
        return name.equals("dhcp") ? nova.replace("\"local-ipv4\": \"192.0.2.1\"", "\"local-ipv4\": null") : nova;
    }

    private static String masked(byte[] bytes) {
        return RANDOM_SEED.matcher(new String(bytes, StandardCharsets.UTF_8))
                .replaceAll("\"random_seed\": \"<684 random base64 characters>\"");
    }

    private static Map<String, byte[]> files(Path root) throws Exception {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.put(root.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return out;
    }
}
