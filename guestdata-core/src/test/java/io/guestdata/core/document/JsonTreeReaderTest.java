package io.guestdata.core.document;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** {@link JsonTreeReader} gives exactly the tree {@code ObjectMapper.readTree} gives (the oracle), node types included. */
class JsonTreeReaderTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {
        "{}", "[]", "0", "-1", "2147483647", "2147483648", "-2147483649", "9223372036854775807",
        "9223372036854775808", "-92233720368547758080", "1.5", "-0.0", "1e3", "1E-400", "1e400",
        "123456789012345678901234567890.5", "\"x\"", "\"\\u00fc\\ud83d\\ude00\"", "true", "false", "null",
        "{\"a\": 1, \"b\": [1, 2.0, \"3\", null, true, {\"c\": {}}], \"d\": {\"e\": [[], [[]]]}}",
        "{\"z\": 1, \"a\": 2, \"m\": 3}", "{\"a\": 1, \"a\": 2}", "  \n {\"a\" : [ ] }  ", "{\"a\": 1} trailing",
        "[1, 2] [3]"})
    void sameTreeAsObjectMapper(String json) throws Exception {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        JsonNode ours = JsonTreeReader.lenient().read(bytes);
        JsonNode oracle = MAPPER.readTree(bytes);
        assertEquals(oracle, ours, json);
        assertEquals(types(oracle), types(ours), json);
        assertEquals(MAPPER.writeValueAsString(oracle), MAPPER.writeValueAsString(ours), "member order of " + json);
    }

    @Test
    void utf16IsDetectedAsJacksonDoes() throws Exception {
        byte[] bytes = "{\"k\": \"ü\"}".getBytes(StandardCharsets.UTF_16BE);
        assertEquals(MAPPER.readTree(bytes), JsonTreeReader.lenient().read(bytes));
    }

    @Test
    void emptyInputIsMissing() throws Exception {
        assertTrue(JsonTreeReader.lenient().read(new byte[0]).isMissingNode());
        assertTrue(JsonTreeReader.lenient().read("   ".getBytes(StandardCharsets.UTF_8)).isMissingNode());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{", "[1, 2", "{\"a\" 1}", "[1,]", "{'a': 1}", "NaN", "{\"a\": tru}"})
    void malformedJsonFailsAsObjectMapperDoes(String json) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        JsonProcessingException oracle = assertThrows(JsonProcessingException.class, () -> MAPPER.readTree(bytes));
        JsonProcessingException ours = assertThrows(JsonProcessingException.class,
                () -> JsonTreeReader.lenient().read(bytes));
        assertEquals(oracle.getOriginalMessage(), ours.getOriginalMessage(), json);
    }

    @Test
    void strictRefusesDuplicateNames() {
        byte[] bytes = "{\"a\": {\"b\": 1, \"b\": 2}}".getBytes(StandardCharsets.UTF_8);
        JsonProcessingException e = assertThrows(JsonProcessingException.class,
                () -> JsonTreeReader.strict().read(bytes));
        assertTrue(e.getOriginalMessage().startsWith("Duplicate field 'b'"), e.getOriginalMessage());
    }

    /** Every node's class, depth first: equal trees could still differ in IntNode vs LongNode. */
    private static List<String> types(JsonNode node) {
        List<String> out = new ArrayList<>();
        out.add(node.getClass().getSimpleName());
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                out.add(e.getKey());
                out.addAll(types(e.getValue()));
            }
        } else if (node.isArray()) {
            for (JsonNode child : node) {
                out.addAll(types(child));
            }
        }
        return out;
    }
}
