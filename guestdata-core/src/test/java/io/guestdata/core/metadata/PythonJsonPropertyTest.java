package io.guestdata.core.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.testkit.ToolTest;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * {@link PythonJson#dumps} equals CPython's {@code json.dumps(json.loads(text))} for random trees, where
 * {@code text} is Jackson's (independent) serialisation of the tree. Each try sends a batch of trees to
 * one python process.
 */
@ToolTest
class PythonJsonPropertyTest {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    /** Jackson's own writer, set up so that Python reads back exactly the tree (non-ASCII escaped, bare NaN). */
    private static final JsonMapper JACKSON = JsonMapper.builder()
            .disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
            .enable(JsonWriteFeature.ESCAPE_NON_ASCII)
            .build();
    private static final String ROUND_TRIP =
            "import json,sys\nfor line in sys.stdin:\n    sys.stdout.write(json.dumps(json.loads(line)) + '\\n')\n";

    @BeforeContainer
    static void needsPython() {
        Python.assumeAvailable();
    }

    @Property(tries = 25)
    void dumpsEqualsPython(@ForAll @Size(min = 50, max = 50) List<@From("trees") JsonNode> trees) throws Exception {
        List<String> input = new ArrayList<>();
        for (JsonNode tree : trees) {
            input.add(JACKSON.writeValueAsString(tree));
        }
        List<String> python = Python.run(List.of("-c", ROUND_TRIP), input);
        for (int i = 0; i < trees.size(); i++) {
            assertEquals(python.get(i), PythonJson.dumps(trees.get(i)), input.get(i));
        }
    }

    /** Python's {@code repr(float)} for many doubles of every magnitude (one python process per try). */
    @Property(tries = 10)
    void floatReprEqualsPython(@ForAll @Size(min = 2000, max = 2000) List<@From("anyDouble") Double> values) {
        List<String> input = new ArrayList<>();
        for (double d : values) {
            input.add(Long.toString(Double.doubleToRawLongBits(d)));
        }
        List<String> python = Python.run(List.of("-c", "import json,struct,sys\n"
                + "for l in sys.stdin: print(json.dumps(struct.unpack('<d', struct.pack('<q', int(l)))[0]))"), input);
        for (int i = 0; i < values.size(); i++) {
            assertEquals(python.get(i), PythonJson.floatRepr(values.get(i)), input.get(i));
        }
    }

    @Provide
    Arbitrary<Double> anyDouble() {
        return doubles();
    }

    @Provide
    Arbitrary<JsonNode> trees() {
        return node(3);
    }

    private Arbitrary<JsonNode> node(int depth) {
        Arbitrary<JsonNode> leaf = Arbitraries.oneOf(
                strings().map(JSON::textNode),
                Arbitraries.integers().map(i -> (JsonNode) JSON.numberNode(i)),
                Arbitraries.longs().map(l -> (JsonNode) JSON.numberNode(l)),
                Arbitraries.bigIntegers().between(BigInteger.TEN.pow(30).negate(), BigInteger.TEN.pow(30))
                        .map(b -> (JsonNode) JSON.numberNode(b)),
                doubles().map(d -> (JsonNode) JSON.numberNode(d)),
                Arbitraries.bigDecimals().between(new BigDecimal("-1e12"), new BigDecimal("1e12")).ofScale(3)
                        .map(b -> (JsonNode) JSON.numberNode(b)),
                Arbitraries.of(true, false).map(b -> (JsonNode) JSON.booleanNode(b)),
                Arbitraries.just(JSON.nullNode()));
        if (depth == 0) {
            return leaf;
        }
        Arbitrary<JsonNode> child = Arbitraries.lazy(() -> node(depth - 1));
        Arbitrary<JsonNode> array = child.list().ofMaxSize(4).map(items -> {
            ArrayNode a = JSON.arrayNode();
            items.forEach(a::add);
            return a;
        });
        Arbitrary<JsonNode> object = Arbitraries.maps(strings(), child).ofMaxSize(4).map(PythonJsonPropertyTest::object);
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, leaf), net.jqwik.api.Tuple.of(1, array), net.jqwik.api.Tuple.of(1, object));
    }

    private static JsonNode object(Map<String, JsonNode> members) {
        ObjectNode o = JSON.objectNode();
        members.forEach(o::set);
        return o;
    }

    private static Arbitrary<String> strings() {
        return Arbitraries.oneOf(
                Arbitraries.strings().all().ofMaxLength(12),                       // any UTF-16 unit, lone surrogates too
                Arbitraries.strings().withChars("\"\\/\n\r\t\b\f\u0000\u001f\u007f é€\u2028").ofMaxLength(8),
                Arbitraries.strings().ascii().ofMaxLength(12),
                Arbitraries.of("\uD83D\uDE00", "日本語", "ssh-rsa AAAA user@host", ""));
    }

    private static Arbitrary<Double> doubles() {
        return Arbitraries.oneOf(
                Arbitraries.longs().map(Double::longBitsToDouble),                  // every exponent, NaN and infinities
                Arbitraries.integers().between(1, 9).flatMap(digit -> Arbitraries.integers().between(-325, 308)
                        .map(exp -> Double.parseDouble(digit + "e" + exp))),                 // one significant digit
                Arbitraries.doubles(),
                Arbitraries.integers().between(-30, 30).map(e -> Math.pow(10, e)),
                Arbitraries.of(0.1, 0.0001, 0.00001, 1e16, 1e15, 9.999999999999999e15, -0.0, 5e-324,
                        Double.MAX_VALUE, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY));
    }
}
