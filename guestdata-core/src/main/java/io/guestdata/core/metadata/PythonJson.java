package io.guestdata.core.metadata;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;

/**
 * JSON text exactly as CPython's {@code json.dumps(obj)} writes it with default arguments, which is
 * what Nova uses for every JSON document a guest sees (oslo {@code jsonutils.dump_as_bytes}, nova-compat.md §1.7):
 * separators {@code ", "} and {@code ": "}, {@code ensure_ascii=True}, keys in insertion order, floats as
 * Python's {@code repr}, no trailing newline.
 *
 * <p>Numbers follow what Python would hold after reading the node as JSON: integral nodes are ints,
 * every other number is a binary64 float.
 */
public final class PythonJson {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private PythonJson() {
    }

    /** {@code json.dumps(node)}. */
    public static String dumps(JsonNode node) {
        StringBuilder out = new StringBuilder(256);
        append(out, node);
        return out.toString();
    }

    /** {@code json.dumps(node).encode("utf-8")}; the text is pure ASCII because of {@code ensure_ascii}. */
    public static byte[] dumpsUtf8(JsonNode node) {
        return dumps(node).getBytes(StandardCharsets.US_ASCII);
    }

    static void append(StringBuilder out, JsonNode node) {
        switch (node.getNodeType()) {
            case OBJECT -> appendObject(out, node);
            case ARRAY -> appendArray(out, node);
            case STRING -> appendString(out, node.textValue());
            case NUMBER -> appendNumber(out, node);
            case BOOLEAN -> out.append(node.booleanValue() ? "true" : "false");
            case NULL -> out.append("null");
            default -> throw new IllegalArgumentException(
                    "not representable as JSON the way Python writes it: a " + node.getNodeType() + " node");
        }
    }

    private static void appendObject(StringBuilder out, JsonNode node) {
        out.append('{');
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        boolean first = true;
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (!first) {
                out.append(", ");
            }
            first = false;
            appendMember(out, field.getKey(), field.getValue());
        }
        out.append('}');
    }

    /** One {@code "key": value} member, as written inside an object. */
    static void appendMember(StringBuilder out, String key, JsonNode value) {
        appendString(out, key);
        out.append(": ");
        append(out, value);
    }

    private static void appendArray(StringBuilder out, JsonNode node) {
        out.append('[');
        for (int i = 0; i < node.size(); i++) {
            if (i > 0) {
                out.append(", ");
            }
            append(out, node.get(i));
        }
        out.append(']');
    }

    /**
     * CPython {@code py_encode_basestring_ascii}: {@code "} and {@code \} escaped, the five short control
     * escapes, everything outside {@code ' '..'~'} as {@code \}{@code uXXXX} (lowercase hex) of its UTF-16 units,
     * so astral characters become surrogate pairs. {@code /} is not escaped.
     */
    static void appendString(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c >= ' ' && c <= '~') {
                        out.append(c);
                    } else {
                        out.append("\\u")
                                .append(HEX[(c >> 12) & 0xf])
                                .append(HEX[(c >> 8) & 0xf])
                                .append(HEX[(c >> 4) & 0xf])
                                .append(HEX[c & 0xf]);
                    }
                }
            }
        }
        out.append('"');
    }

    private static void appendNumber(StringBuilder out, JsonNode node) {
        if (node.isIntegralNumber()) {
            out.append(node.bigIntegerValue());
        } else if (node.isBigDecimal()) {
            // Python reads a JSON number without '.', 'e' or 'E' as an int and anything else as a float.
            String text = node.decimalValue().toString();
            if (text.indexOf('.') < 0 && text.indexOf('E') < 0) {
                out.append(text);
            } else {
                out.append(floatRepr(Double.parseDouble(text)));
            }
        } else if (node.isFloat()) {
            // A float32 node: Python would hold the double nearest to its shortest decimal form.
            out.append(floatRepr(Double.parseDouble(Float.toString(node.floatValue()))));
        } else {
            out.append(floatRepr(node.doubleValue()));
        }
    }

    /**
     * The shortest decimal that reads back as {@code d}, the closest to {@code d} among those (what CPython's
     * {@code repr} uses). {@code Double.toString} (JDK 19+, JDK-4511638) is that, except that when one digit
     * would do it may choose the closest two-digit decimal ({@code 4.9E-324} for {@code 5e-324}).
     */
    private static BigDecimal shortestDecimal(double positive) {
        BigDecimal java = new BigDecimal(Double.toString(positive)).stripTrailingZeros();
        if (java.precision() != 2) {
            return java;
        }
        BigDecimal exact = new BigDecimal(positive);
        BigDecimal best = null;
        for (RoundingMode mode : new RoundingMode[] {RoundingMode.FLOOR, RoundingMode.CEILING}) {
            BigDecimal candidate = java.round(new MathContext(1, mode));
            if (candidate.signum() > 0 && Double.parseDouble(candidate.toString()) == positive
                    && (best == null || candidate.subtract(exact).abs().compareTo(best.subtract(exact).abs()) < 0)) {
                best = candidate;
            }
        }
        return best == null ? java : best.stripTrailingZeros();
    }

    /**
     * CPython {@code float.__repr__} as {@code json.dumps} writes it ({@code float_repr_style = 'short'}):
     * the shortest digits that round-trip, positional notation when the decimal exponent {@code decpt}
     * satisfies {@code -4 < decpt <= 16}, otherwise {@code d.ddde±XX}; and {@code NaN}, {@code Infinity},
     * {@code -Infinity} for the non-finite values.
     */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0.0" : "0.0";
        }
        BigDecimal shortest = shortestDecimal(Math.abs(d));
        String digits = shortest.unscaledValue().toString();
        int decpt = digits.length() - shortest.scale(); // value = 0.<digits> x 10^decpt
        StringBuilder out = new StringBuilder(24);
        if (d < 0) {
            out.append('-');
        }
        if (decpt > -4 && decpt <= 16) {
            if (decpt <= 0) {
                out.append("0.").append("0".repeat(-decpt)).append(digits);
            } else if (decpt >= digits.length()) {
                out.append(digits).append("0".repeat(decpt - digits.length())).append(".0");
            } else {
                out.append(digits, 0, decpt).append('.').append(digits, decpt, digits.length());
            }
        } else {
            out.append(digits.charAt(0));
            if (digits.length() > 1) {
                out.append('.').append(digits, 1, digits.length());
            }
            int exponent = decpt - 1;
            out.append('e').append(exponent < 0 ? '-' : '+');
            int abs = Math.abs(exponent);
            if (abs < 10) {
                out.append('0');
            }
            out.append(abs);
        }
        return out.toString();
    }
}
