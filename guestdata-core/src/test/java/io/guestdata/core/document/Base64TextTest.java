package io.guestdata.core.document;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.guestdata.testkit.ToolTest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@ToolTest
class Base64TextTest {

    private static String lenient(String text) throws Base64Text.MalformedException {
        return new String(Base64Text.decodeLenient(text), StandardCharsets.ISO_8859_1);
    }

    @ParameterizedTest(name = "[{0}] -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
            "YWJj|abc", "'YW Jj\n'|abc", "' Y\tW\r\nJ j '|abc", "YQ==|a", "YWI=|ab", "''|''", "====|''",
            "YQ==YWJj|a", "YWI=YWJj|ab", "Y-W_J*j|abc", "YW=Jj|abc", "=YWJj|abc", "YWJj=|abc", "YWJjé|abc",
            "Y=Q==|a", "'YQ=\n='|a", "YR==|a"})
    void decodesAsPythonsNonStrictB64decode(String text, String expected) throws Base64Text.MalformedException {
        assertEquals(expected, lenient(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"YQ", "YWI", "YQ=", "YW=", "Y=Q=", "YWJjYQ", "a b c"})
    void incorrectPaddingIsRefused(String text) {
        assertEquals("Incorrect padding",
                assertThrows(Base64Text.MalformedException.class, () -> Base64Text.decodeLenient(text)).getMessage());
    }

    @Test
    void oneCharacterOverAGroupIsRefusedWithPythonsMessage() {
        assertEquals("Invalid base64-encoded string: number of data characters (5) cannot be 1 more than a multiple of 4",
                assertThrows(Base64Text.MalformedException.class, () -> Base64Text.decodeLenient("YWJjZ")).getMessage());
        assertThrows(Base64Text.MalformedException.class, () -> Base64Text.decodeLenient("a"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "YWJj", "YQ==", "YWI=", "AAAAC3NzaC1lZDI1NTE5"})
    void strictAcceptsCanonicalBase64(String text) throws Base64Text.MalformedException {
        assertArrayEquals(java.util.Base64.getDecoder().decode(text), Base64Text.decodeStrict(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"YQ", "YWI", "YW Jj", "YWJj\n", "YQ===", "Y===", "YR==", "YWJ=YWJj", "=YWJ", "YW-j", "YWJjé"})
    void strictRefusesEverythingElse(String text) {
        assertThrows(Base64Text.MalformedException.class, () -> Base64Text.decodeStrict(text));
    }

    /**
     * Thousands of random texts over base64 characters, pads, whitespace, junk and non-ASCII, decoded by
     * CPython's own {@code binascii.a2b_base64} (non-strict, as {@code b64decode}) and by ours: same
     * acceptance, same bytes, same error message.
     */
    @Test
    void agreesWithCPythonOnRandomTexts() throws Exception {
        Random random = new Random(20240601);
        String pieces = "AQgw+/=  \n\t-_*é☃Zz09";
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(14);
            for (int j = 0; j < length; j++) {
                text.append(pieces.charAt(random.nextInt(pieces.length())));
            }
            texts.add(text.toString());
        }
        String code = """
                import binascii, json, sys
                out = []
                for text in json.load(sys.stdin):
                    try:
                        out.append({"ok": True, "hex": binascii.a2b_base64(text.encode("utf-8")).hex()})
                    except binascii.Error as e:
                        out.append({"ok": False, "error": str(e)})
                json.dump(out, sys.stdout)
                """;
        String answer = ExternalTool.python(code, Fixtures.JSON.writeValueAsString(texts));
        ArrayNode results = (ArrayNode) Fixtures.JSON.readTree(answer);
        for (int i = 0; i < texts.size(); i++) {
            JsonNode python = results.get(i);
            String text = texts.get(i);
            try {
                byte[] ours = Base64Text.decodeLenient(text);
                assertEquals(true, python.get("ok").booleanValue(), () -> "we accept " + show(text) + ", Python: " + python);
                assertEquals(python.get("hex").textValue(), HexFormat.of().formatHex(ours), () -> show(text));
            } catch (Base64Text.MalformedException e) {
                assertEquals(false, python.get("ok").booleanValue(), () -> "we refuse " + show(text) + ", Python: " + python);
                assertEquals(python.get("error").textValue(), e.getMessage(), () -> show(text));
            }
        }
    }

    private static String show(String text) {
        return "'" + text.replace("\n", "\\n").replace("\t", "\\t") + "'";
    }
}
