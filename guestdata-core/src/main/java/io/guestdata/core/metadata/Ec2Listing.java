package io.guestdata.core.metadata;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How Nova turns an EC2 tree node into a response body ({@code ec2_md_print}, nova-compat.md §1.6, verified):
 * a dict lists its keys sorted, one per line, with {@code /} after a key whose value is a dict, or that
 * child's {@code _name} text instead; {@code _name} itself is never listed; lists are joined with
 * {@code \n}; ints print as Python {@code str()}; no trailing newline.
 */
final class Ec2Listing {
    static final String NAME_KEY = "_name";

    private Ec2Listing() {
    }

    /** The response body for {@code value}; {@code requesterAddress} answers a {@link Ec2Value.RequesterAddress}. */
    static byte[] render(Ec2Value value, String requesterAddress) {
        return switch (value) {
            case Ec2Value.Raw raw -> raw.bytes().clone();
            case Ec2Value.RequesterAddress ignored ->
                    utf8(requesterAddress == null ? "None" : requesterAddress);
            default -> utf8(text(value));
        };
    }

    /** Lines joined by {@code \n}, no trailing newline (how Nova prints a Python list). */
    static byte[] lines(List<String> lines) {
        return utf8(String.join("\n", lines));
    }

    private static String text(Ec2Value value) {
        return switch (value) {
            case Ec2Value.Dict dict -> dictListing(dict);
            case Ec2Value.Text text -> text.text();
            case Ec2Value.Int number -> Long.toString(number.value());
            case Ec2Value.TextList list -> String.join("\n", list.items());
            case Ec2Value.Raw raw -> new String(raw.bytes(), StandardCharsets.UTF_8);
            case Ec2Value.RequesterAddress ignored -> "None";
            case Ec2Value.PythonNone ignored -> "None";
        };
    }

    private static String dictListing(Ec2Value.Dict dict) {
        List<String> keys = new ArrayList<>(dict.entries().keySet());
        keys.sort(Ec2Listing::compareCodePoints);
        List<String> lines = new ArrayList<>(keys.size());
        for (String key : keys) {
            if (key.equals(NAME_KEY)) {
                continue;
            }
            Ec2Value child = dict.entries().get(key);
            if (child instanceof Ec2Value.Dict childDict) {
                Map<String, Ec2Value> entries = childDict.entries();
                lines.add(entries.containsKey(NAME_KEY) ? text(entries.get(NAME_KEY)) : key + "/");
            } else {
                lines.add(key);
            }
        }
        return String.join("\n", lines);
    }

    /** Python's {@code sorted()} of str: by code point, not by UTF-16 unit. */
    static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
