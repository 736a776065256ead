package io.guestdata.drive.nocloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.testkit.NovaOracle;
import io.guestdata.testkit.ToolTest;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What {@link FlowYaml} writes, cloud-init's YAML loader (the one {@code util.load_yaml} calls for a NoCloud seed:
 * {@code cloudinit.safeyaml.load} in 22.4, PyYAML's {@code yaml.safe_load} in 25.1, which dropped the former) reads as the
 * same Python value {@code json.loads} gives for the JSON: same types (int is not float is not bool), same
 * strings to the code unit, for 400 random documents full of the characters and numbers where YAML 1.1
 * and JSON part ways, and for the hand-picked cases below.
 */
@ToolTest
class FlowYamlTest {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    /** Lone surrogates can only travel as escapes. */
    private static final ObjectMapper ESCAPING = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();
    private static final List<String> NASTY = List.of("\u0000", "\u0001", "\t", "\n", "\r\n", "\u001f", "\u007f",
            "\u0085", "\u009f", "\u00a0", "\u2028", "\u2029", "\ufeff", "\ufffe", "\uffff", "\ud83d\ude00", "\ud800",
            "\udc00", "\"", "\\", "'", "#", ": ", "- ", "{", "}", "[", "]", ",", "&a", "*a", "!", "!!binary", "%", "@",
            "`", "|", ">", "?", "~", "yes", "no", "on", "off", "null", "true", "1e5", "0x1f", "0o17", "012", "1_000",
            "1:20", ".inf", ".nan", "=", "<<", "é", "日本", "\\u0041", "\\/", " ", "  ", "---", "...");
    private static final String SCRIPT = """
            import math
            try:
                from cloudinit.safeyaml import load   # cloud-init 22.4's util.load_yaml
            except ImportError:
                from yaml import safe_load as load    # cloud-init 25.1's util.load_yaml
            def same(a, b):
                if type(a) is not type(b):
                    return False
                if isinstance(a, float):
                    return a == b and math.copysign(1, a) == math.copysign(1, b)
                if isinstance(a, dict):
                    return list(a.keys()) == list(b.keys()) and all(same(a[k], b[k]) for k in a)
                if isinstance(a, list):
                    return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
                return a == b
            bad = []
            for i, case in enumerate(data):
                try:
                    loaded = load(case["yaml"])
                except Exception as e:
                    bad.append("%d: %s: %r" % (i, e, case["yaml"][:300]))
                    continue
                expected = json.loads(case["json"])
                if "binary" in case:
                    import base64
                    expected[case["binary"]] = base64.b64decode(expected[case["binary"]])
                if not same(loaded, expected):
                    bad.append("%d: %r != %r" % (i, loaded, expected))
            print(json.dumps(bad))
            """;

    @ParameterizedTest(name = "Debian {0}")
    @ValueSource(strings = {"12", "13"})
    void cloudInitReadsWhatJsonMeans(String debian) throws Exception {
        NovaOracle.assumeDebian(debian);
        ArrayNode cases = F.arrayNode();
        Random random = new Random(20240611);
        for (int i = 0; i < 400; i++) {
            add(cases, randomValue(random, 0));
        }
        for (String s : NASTY) {
            add(cases, F.textNode(s));
            ObjectNode keyed = F.objectNode();
            keyed.put(s, s);
            add(cases, keyed);
        }
        for (double d : new double[] {0.0, -0.0, 1.5, 0.1, 1e10, 1e-10, 1e21, 1e22, 1e-7, 123456789.123,
            Double.MAX_VALUE, Double.MIN_VALUE, -2.5e-300, 100.0}) {
            add(cases, F.arrayNode().add(d));
        }
        for (long n : new long[] {0, -1, 1450, Long.MAX_VALUE, Long.MIN_VALUE}) {
            add(cases, F.arrayNode().add(n));
        }
        add(cases, F.arrayNode().add(new BigInteger("123456789012345678901234567890")));
        add(cases, F.objectNode().set("e", F.objectNode().set("a", F.arrayNode())));
        JsonNode bad = CloudInitPython.run(debian, SCRIPT, cases);
        assertEquals(0, bad.size(), "cloud-init read something else:\n" + bad.toPrettyString());
    }

    @ParameterizedTest(name = "Debian {0}")
    @ValueSource(strings = {"12", "13"})
    void binaryValuesAreReadAsBytes(String debian) throws Exception {
        NovaOracle.assumeDebian(debian);
        byte[] seed = new byte[512];
        new Random(7).nextBytes(seed);
        ObjectNode md = F.objectNode();
        md.put("instance-id", "x");
        md.set("random_seed", BinaryNode.valueOf(seed));
        String yaml = new String(FlowYaml.document(md), StandardCharsets.UTF_8);
        assertTrue(yaml.contains("\"random_seed\": !!binary \""), yaml);
        ObjectNode asJson = md.deepCopy();
        asJson.put("random_seed", java.util.Base64.getEncoder().encodeToString(seed));
        ArrayNode cases = F.arrayNode();
        cases.addObject().put("yaml", yaml).put("json", asJson.toString()).put("binary", "random_seed");
        assertEquals(0, CloudInitPython.run(debian, SCRIPT, cases).size());
    }

    @Test
    void floatsKeepAPointAndASignedExponent() {
        assertEquals("1.0e+10", FlowYaml.floating(1e10));
        assertEquals("1.0e-10", FlowYaml.floating(1e-10));
        assertEquals("1.5", FlowYaml.floating(1.5));
        assertEquals("-0.0", FlowYaml.floating(-0.0));
        assertEquals(".inf", FlowYaml.floating(Double.POSITIVE_INFINITY));
    }

    private static void add(ArrayNode cases, JsonNode value) throws Exception {
        cases.addObject()
                .put("yaml", new String(FlowYaml.document(value), StandardCharsets.UTF_8))
                .put("json", ESCAPING.writeValueAsString(value));
    }

    private static JsonNode randomValue(Random r, int depth) {
        int kind = r.nextInt(depth > 3 ? 5 : 8);
        return switch (kind) {
            case 0 -> F.textNode(randomString(r));
            case 1 -> F.numberNode(r.nextInt(3) == 0 ? r.nextLong() : r.nextInt(2000) - 1000);
            case 2 -> F.numberNode(switch (r.nextInt(4)) {
                case 0 -> r.nextDouble();
                case 1 -> r.nextGaussian() * Math.pow(10, r.nextInt(600) - 300);
                case 2 -> (double) r.nextInt(100);
                default -> Double.longBitsToDouble(r.nextLong() & 0x7FEF_FFFF_FFFF_FFFFL);
            });
            case 3 -> F.booleanNode(r.nextBoolean());
            case 4 -> F.nullNode();
            case 5, 6 -> {
                ObjectNode o = F.objectNode();
                int n = r.nextInt(5);
                for (int i = 0; i < n; i++) {
                    o.set(randomString(r), randomValue(r, depth + 1));
                }
                yield o;
            }
            default -> {
                ArrayNode a = F.arrayNode();
                int n = r.nextInt(5);
                for (int i = 0; i < n; i++) {
                    a.add(randomValue(r, depth + 1));
                }
                yield a;
            }
        };
    }

    private static String randomString(Random r) {
        StringBuilder s = new StringBuilder();
        int n = r.nextInt(6);
        for (int i = 0; i < n; i++) {
            s.append(r.nextInt(3) == 0 ? Character.toString(0x20 + r.nextInt(0x2FFFF - 0x20))
                    .replaceAll("[\\ud800-\\udfff]", "x") : NASTY.get(r.nextInt(NASTY.size())));
        }
        return s.toString();
    }
}
