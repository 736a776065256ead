package io.guestdata.drive.nocloud;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;

/**
 * Writes a JSON value as YAML 1.1 flow-style text (JSON with YAML's escapes), which cloud-init's loader
 * ({@code cloudinit.safeyaml.load}, a PyYAML {@code SafeLoader}) reads back as the same Python value
 * {@code json.loads} gives for the JSON: NoCloud's {@code meta-data} and {@code network-config} are YAML.
 *
 * <p>Where JSON and YAML 1.1 read the same text differently, this writes what YAML reads as JSON means:
 * <ul>
 *   <li>Strings are double quoted; control characters, DEL and C1 controls, YAML 1.1 line breaks
 *       (U+0085, U+2028, U+2029), U+FEFF, U+FFFE, U+FFFF and unpaired surrogates are {@code \}{@code uXXXX}
 *       escapes (PyYAML refuses most of them as raw characters, and folds raw line breaks); every other
 *       character, astral ones included, is written as UTF-8 (an escaped surrogate pair would be read as
 *       two lone surrogates by PyYAML, where {@code json.loads} joins them).</li>
 *   <li>Floats are written with a decimal point and a signed exponent ({@code 1.0e+10}): YAML 1.1 reads
 *       {@code 1.0E10} as a string.</li>
 *   <li>A {@link BinaryNode} becomes {@code !!binary "<base64>"}, read as {@code bytes}: how
 *       {@code meta-data} carries {@code random_seed} as the bytes the ConfigDrive datasource decodes.</li>
 * </ul>
 * Mappings and sequences are indented by two spaces, one member per line.
 */
final class FlowYaml {
    private FlowYaml() {
    }

    /** The document: the value and a final newline, UTF-8. */
    static byte[] document(JsonNode value) {
        StringBuilder out = new StringBuilder();
        write(value, "", out);
        out.append('\n');
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void write(JsonNode value, String indent, StringBuilder out) {
        switch (value.getNodeType()) {
            case OBJECT -> {
                if (value.isEmpty()) {
                    out.append("{}");
                    return;
                }
                out.append("{\n");
                String inner = indent + "  ";
                Iterator<Map.Entry<String, JsonNode>> members = value.fields();
                while (members.hasNext()) {
                    Map.Entry<String, JsonNode> member = members.next();
                    out.append(inner);
                    quoted(member.getKey(), out);
                    out.append(": ");
                    write(member.getValue(), inner, out);
                    out.append(members.hasNext() ? ",\n" : "\n");
                }
                out.append(indent).append('}');
            }
            case ARRAY -> {
                if (value.isEmpty()) {
                    out.append("[]");
                    return;
                }
                out.append("[\n");
                String inner = indent + "  ";
                for (int i = 0; i < value.size(); i++) {
                    out.append(inner);
                    write(value.get(i), inner, out);
                    out.append(i + 1 < value.size() ? ",\n" : "\n");
                }
                out.append(indent).append(']');
            }
            case STRING -> quoted(value.textValue(), out);
            case NUMBER -> out.append(value.isFloatingPointNumber() ? floating(value.doubleValue()) : value.asText());
            case BOOLEAN -> out.append(value.booleanValue() ? "true" : "false");
            case NULL, MISSING -> out.append("null");
            case BINARY -> out.append("!!binary \"").append(Base64.getEncoder().encodeToString(((BinaryNode) value).binaryValue()))
                    .append('"');
            case POJO -> throw new IllegalArgumentException("not a JSON value: " + value.getClass().getSimpleName());
        }
    }

    /** A double as YAML 1.1's float pattern reads it: {@code [-+]?[0-9]+\.[0-9]*([eE][-+][0-9]+)?}, or ±.inf. */
    static String floating(double d) {
        if (Double.isInfinite(d)) {
            return d > 0 ? ".inf" : "-.inf";
        }
        if (Double.isNaN(d)) {
            return ".nan";
        }
        String s = Double.toString(d); // shortest repr that reads back to d, as Python's repr
        int e = s.indexOf('E');
        if (e < 0) {
            return s;
        }
        String mantissa = s.substring(0, e);
        String exponent = s.substring(e + 1);
        return mantissa + "e" + (exponent.startsWith("-") ? exponent : "+" + exponent);
    }

    static void quoted(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                out.append(c).append(s.charAt(++i));
            } else if (mustEscape(c)) {
                out.append(String.format("\\u%04X", (int) c));
            } else {
                out.append(c);
            }
        }
        out.append('"');
    }

    private static boolean mustEscape(char c) {
        return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == '\u2028' || c == '\u2029' || c == '\uFEFF'
                || c == '\uFFFE' || c == '\uFFFF' || Character.isSurrogate(c);
    }
}
