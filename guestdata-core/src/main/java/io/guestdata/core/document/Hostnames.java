package io.guestdata.core.document;

import java.util.UUID;

/**
 * Host names: the default one Nova derives from the display name, and the rule an explicit
 * {@code hostname} must follow.
 */
public final class Hostnames {

    /** Nova ≥ 2.90 {@code parameter_types.hostname}: 2..63 characters, this pattern. */
    static final String PATTERN = "[a-zA-Z0-9]+[a-zA-Z0-9-]*[a-zA-Z0-9]+";
    static final int MIN_LENGTH = 2;
    static final int MAX_LENGTH = 63;

    private Hostnames() {
    }

    /**
     * The host name Nova gives an instance created without one: {@code sanitize_hostname(display_name,
     * default_name="Server-<uuid>")} (nova-compat.md §8, Nova {@code utils.sanitize_hostname}):
     * <ol>
     *   <li>drop characters outside Latin-1 (U+0000..U+00FF);</li>
     *   <li>truncate to 63 characters, <em>before</em> the other steps;</li>
     *   <li>each space, {@code _} and {@code .} becomes {@code -};</li>
     *   <li>remove everything that is not a word character (Python's Unicode {@code \w}: letters,
     *       numeric characters such as {@code ²} or {@code ½}, and {@code _}), {@code .} or {@code -};</li>
     *   <li>lowercase;</li>
     *   <li>strip {@code .} and {@code -} at both ends.</li>
     * </ol>
     * If nothing is left the result is {@code Server-<uuid>} (capital S, not sanitised). So
     * {@code "Café Übung"} gives {@code café-übung} and {@code "日本語"} gives {@code Server-<uuid>}.
     */
    public static String sanitize(String displayName, UUID uuid) {
        StringBuilder latin1 = new StringBuilder();
        displayName.chars().filter(c -> c <= 0xFF).forEach(c -> latin1.append((char) c));
        String truncated = latin1.length() > MAX_LENGTH ? latin1.substring(0, MAX_LENGTH) : latin1.toString();
        StringBuilder kept = new StringBuilder();
        for (char c : truncated.toCharArray()) {
            char dashed = c == ' ' || c == '_' || c == '.' ? '-' : c;
            if (isPythonWordChar(dashed) || dashed == '-' || dashed == '.') {
                kept.append(Character.toLowerCase(dashed));
            }
        }
        String stripped = strip(kept.toString(), ".-");
        if (stripped.isEmpty()) {
            String fallback = "Server-" + uuid;
            return fallback.length() > MAX_LENGTH ? fallback.substring(0, MAX_LENGTH) : fallback;
        }
        return stripped;
    }

    /**
     * Python's {@code \w} on a Latin-1 character: {@code str.isalnum()} or {@code _}. Unlike Java's
     * Unicode {@code \w}, this includes the numeric characters {@code ² ³ ¹ ¼ ½ ¾} (category No).
     */
    private static boolean isPythonWordChar(char c) {
        if (c == '_' || Character.isLetter(c)) {
            return true;
        }
        int type = Character.getType(c);
        return type == Character.DECIMAL_DIGIT_NUMBER || type == Character.LETTER_NUMBER
                || type == Character.OTHER_NUMBER;
    }

    private static String strip(String text, String chars) {
        int start = 0;
        int end = text.length();
        while (start < end && chars.indexOf(text.charAt(start)) >= 0) {
            start++;
        }
        while (end > start && chars.indexOf(text.charAt(end - 1)) >= 0) {
            end--;
        }
        return text.substring(start, end);
    }
}
