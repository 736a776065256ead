package io.guestdata.core.document;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.guestdata.testkit.ToolTest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@ToolTest
class IpLiteralTest {

    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0", "10.0.0.5", "255.255.255.255", "::", "::1", "fd00::5", "FD00::5", "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "::ffff:10.0.0.1", "1:2:3:4:5:6:1.2.3.4", "1::1.2.3.4"})
    void literals(String text) {
        assertTrue(IpLiteral.parse(text).isPresent(), text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1", "1.2.3", "1.2.3.4.5", "256.0.0.1", "01.2.3.4", "1.2.3.4 ", "a.b.c.d", "localhost",
            ":", ":::", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "::1%lo", "[::1]", "1.2.3.4::",
            "::1.2.3", "1:2:3:4:5:6:7:1.2.3.4", "-1.0.0.0", "+1.0.0.0", "١.٢.٣.٤"})
    void nonLiterals(String text) {
        assertEquals(Optional.empty(), IpLiteral.parse(text).map(a -> HexFormat.of().formatHex(a.bytes())), text);
    }

    @Test
    void masks() {
        assertTrue(IpLiteral.parse("255.255.255.0").orElseThrow().isContiguousMask());
        assertTrue(IpLiteral.parse("0.0.0.0").orElseThrow().isContiguousMask());
        assertTrue(IpLiteral.parse("ffff:ffff:ffff:ffff::").orElseThrow().isContiguousMask());
        assertTrue(IpLiteral.parse("ffff:fe00::").orElseThrow().isContiguousMask());
        assertFalse(IpLiteral.parse("255.0.255.0").orElseThrow().isContiguousMask());
        assertFalse(IpLiteral.parse("::1").orElseThrow().isContiguousMask());
    }

    /** Random texts near the IP grammars, parsed by Python's ipaddress (what cloud-init and Nova use) and by ours. */
    @Test
    void agreesWithPythonsIpaddress() throws Exception {
        Random random = new Random(42);
        String[] v6Parts = {"", "0", "1", "ffff", "FFFF", "abcd", "12345", "g", "1.2.3.4", "01.2.3.4", "255.255.255.255"};
        String[] v4Parts = {"0", "00", "01", "1", "99", "199", "249", "250", "255", "256", "1000", ""};
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 6000; i++) {
            StringBuilder text = new StringBuilder();
            if (i % 2 == 0) {
                int n = random.nextInt(10);
                for (int j = 0; j < n; j++) {
                    text.append(j == 0 ? "" : ":").append(v6Parts[random.nextInt(v6Parts.length)]);
                }
                if (random.nextInt(5) == 0) {
                    text.insert(0, "::");
                }
            } else {
                int n = 1 + random.nextInt(5);
                for (int j = 0; j < n; j++) {
                    text.append(j == 0 ? "" : ".").append(v4Parts[random.nextInt(v4Parts.length)]);
                }
            }
            texts.add(text.toString());
        }
        String code = """
                import ipaddress, json, sys
                out = []
                for text in json.load(sys.stdin):
                    try:
                        out.append(ipaddress.ip_address(text).packed.hex())
                    except ValueError:
                        out.append(None)
                json.dump(out, sys.stdout)
                """;
        JsonNode answers = Fixtures.JSON.readTree(ExternalTool.python(code, Fixtures.JSON.writeValueAsString(texts)));
        for (int i = 0; i < texts.size(); i++) {
            String text = texts.get(i);
            JsonNode python = answers.get(i);
            String ours = IpLiteral.parse(text).map(a -> HexFormat.of().formatHex(a.bytes())).orElse(null);
            assertEquals(python.isNull() ? null : python.textValue(), ours, "'" + text + "'");
        }
    }
}
