package io.guestdata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The config drive tree we write equals the one Nova 26.2.2 itself writes for the same instance
 * (Debian's python3-nova run by {@code tools/nova-oracle}), file for file and byte for byte, with
 * only {@code random_seed} masked (fresh random bytes in every render, in Nova as here); and
 * cloud-init 22.4 reads both the same way.
 *
 * <p>The documents carry one key pair and no per-instance vendor data, the two things Nova cannot
 * express (we deliver every key; Nova has one key pair and only service-wide vendor data).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NovaConfigDriveComparisonTest {
    private static final List<String> DOCUMENTS = List.of("static", "dhcp", "minimal", "nonascii", "full");
    private static final Pattern RANDOM_SEED = Pattern.compile("\"random_seed\": \"[A-Za-z0-9+/=]{684}\"");

    private Path work;
    private final Map<String, Path> novaTrees = new TreeMap<>();

    @BeforeAll
    void novaWritesEveryTreeInOneProcess() throws Exception {
        work = Files.createTempDirectory("nova-compare");
        ArrayNode batch = JsonNodeFactory.instance.arrayNode();
        for (String name : DOCUMENTS) {
            Path out = work.resolve("nova-" + name);
            novaTrees.put(name, out);
            batch.addObject().put("doc", document(name).toString()).put("out", out.toString());
        }
        Path list = Files.writeString(work.resolve("batch.json"), batch.toString());
        Tool.Result r = Tool.novaOracle("26", "tree-batch", list.toString());
        assertEquals(0, r.exitCode(), "Nova's own config drive code failed:\n" + r.stderr());
    }

    @ParameterizedTest
    @ValueSource(strings = {"static", "dhcp", "minimal", "nonascii", "full"})
    void ourTreeEqualsNovasByteForByte(String name) throws Exception {
        Path ours = writeOurs(name);
        Map<String, byte[]> expected = files(novaTrees.get(name));
        Map<String, byte[]> actual = files(ours);
        assertEquals(expected.keySet(), actual.keySet(), name + ": the file lists differ");
        List<String> differing = new ArrayList<>();
        for (String path : expected.keySet()) {
            String e = knownDifference(name, masked(expected.get(path)));
            String a = masked(actual.get(path));
            if (!e.equals(a)) {
                differing.add(path + "\n  nova: " + e + "\n  ours: " + a);
            }
        }
        assertTrue(differing.isEmpty(), name + ": files differ from Nova's:\n" + String.join("\n", differing));
        assertTrue(expected.keySet().stream().anyMatch(p -> p.endsWith("meta_data.json")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"static", "dhcp", "full"})
    void cloudInitReadsOursAsItReadsNovas(String name) throws Exception {
        Path ours = writeOurs(name);
        ObjectNode fromNova = (ObjectNode) readWithCloudInit(novaTrees.get(name));
        if (name.equals("dhcp")) {
            ((ObjectNode) fromNova.get("ec2_metadata")).putNull("local-ipv4");   // see knownDifference
        }
        JsonNode fromOurs = readWithCloudInit(ours);
        assertTrue(fromNova.get("claimed").asBoolean(), fromNova.toString());
        assertEquals(fromNova, fromOurs, name + ": cloud-init saw something else on our drive");
        assertFalse(fromOurs.get("instance_id").asText().isEmpty());
    }

    private Path writeOurs(String name) throws Exception {
        Path out = work.resolve("ours-" + name + "-" + System.nanoTime());
        Cli cli = Cli.run("configdrive", "--instance", document(name).toString(), "--format", "tree",
                "--output", out.toString());
        assertEquals(ExitCode.OK, cli.exitCode(), cli.toString());
        return out;
    }

    private static JsonNode readWithCloudInit(Path tree) throws Exception {
        Tool.Result r = Tool.python("tools/consumers/cloudinit_configdrive.py", tree.toString());
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        ObjectNode seen = (ObjectNode) new ObjectMapper().readTree(r.stdout());
        seen.remove("source");   // the directory it read
        return seen;
    }

    private static Path document(String name) throws Exception {
        return CloudInitReadsConfigDriveTreeTest.resource("nova/" + name + ".json");
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
