package io.guestdata.core.metadata;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.POJONode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link PythonJson} against values read off CPython 3.11's {@code json.dumps}. */
class PythonJsonTest {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    @Test
    void separatorsAndInsertionOrder() {
        ObjectNode o = JSON.objectNode();
        o.put("z", 1);
        o.put("a", "x");
        o.putArray("l").add(1).add(JSON.nullNode()).add(true).add(false);
        o.putObject("e");
        o.putArray("empty");
        assertEquals("{\"z\": 1, \"a\": \"x\", \"l\": [1, null, true, false], \"e\": {}, \"empty\": []}", PythonJson.dumps(o));
    }

    @Test
    void stringEscapesAsPython() {
        // json.dumps("\"\\/\n\r\t\b\f\x00\x1f\x7f é€\U0001f600\u2028")
        String s = "\"\\/\n\r\t\b\f\u0000\u001f\u007f é€\uD83D\uDE00\u2028";
        assertEquals("\"\\\"\\\\/\\n\\r\\t\\b\\f\\u0000\\u001f\\u007f \\u00e9\\u20ac\\ud83d\\ude00\\u2028\"",
                PythonJson.dumps(JSON.textNode(s)));
    }

    @Test
    void loneSurrogatesAreEscapedLikeAnyOtherUnit() {
        assertEquals("\"\\udc00x\\ud800\"", PythonJson.dumps(JSON.textNode("\uDC00x\uD800")));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "1.0|1.0", "0.1|0.1", "-2.5|-2.5", "1e20|1e+20", "1.5e20|1.5e+20", "1e16|1e+16",
            "1e15|1000000000000000.0", "1234567890123456.0|1234567890123456.0", "12345678901234567.0|1.2345678901234568e+16",
            "0.0001|0.0001", "0.00001|1e-05", "0.000123|0.000123", "0.0000123|1.23e-05", "1e-300|1e-300",
            "5e-324|5e-324", "1.7976931348623157e308|1.7976931348623157e+308", "0.0|0.0", "-0.0|-0.0",
            "100.0|100.0", "123.456|123.456", "1e100|1e+100", "2.2250738585072014e-308|2.2250738585072014e-308",
            "9007199254740993|9007199254740992.0", "0.3|0.3", "3.0e-5|3e-05"})
    void floatsAsPythonRepr(double value, String python) {
        assertEquals(python, PythonJson.dumps(JSON.numberNode(value)));
    }

    @Test
    void nonFiniteFloatsAsPythonWritesThem() {
        assertEquals("[NaN, Infinity, -Infinity]", PythonJson.dumps(JSON.arrayNode()
                .add(Double.NaN).add(Double.POSITIVE_INFINITY).add(Double.NEGATIVE_INFINITY)));
    }

    @Test
    void integersAsIs() {
        assertEquals("[0, -7, 9223372036854775807, 123456789012345678901234567890]", PythonJson.dumps(JSON.arrayNode()
                .add(0).add(-7).add(Long.MAX_VALUE).add(new BigInteger("123456789012345678901234567890"))));
    }

    @Test
    void decimalsAreFloatsUnlessWrittenAsIntegers() {
        assertEquals("[5, 1000.0, 0.1, 2.0]", PythonJson.dumps(JSON.arrayNode()
                .add(new BigDecimal("5")).add(new BigDecimal("1E+3")).add(new BigDecimal("0.10")).add(new BigDecimal("2.0"))));
        assertEquals("0.1", PythonJson.dumps(JSON.numberNode(0.1f)));
    }

    @Test
    void utf8BytesAreTheAsciiText() {
        JsonNode node = JSON.textNode("é");
        assertArrayEquals("\"\\u00e9\"".getBytes(StandardCharsets.US_ASCII), PythonJson.dumpsUtf8(node));
    }

    @Test
    void nodesPythonCannotHoldAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> PythonJson.dumps(new POJONode(new Object())));
        assertThrows(IllegalArgumentException.class, () -> PythonJson.dumps(JSON.binaryNode(new byte[] {1})));
    }
}
