package io.guestdata.core.document;

import java.util.Optional;

/**
 * Nova's rule for a server's display {@code name} (nova-compat.md §8; Nova
 * {@code api/validation/parameter_types.py}: {@code name} = 1..255 characters with format
 * {@code name}, whose regex is built from {@code _is_printable} over {@code range(0xFFFF)}):
 * <ul>
 *   <li>1 to 255 characters (code points, as Python's {@code len});</li>
 *   <li>every character printable: of the Basic Multilingual Plane (up to U+FFFE), not of a
 *       Unicode category C* (control, format, private use, surrogate, unassigned) and not of a
 *       category Z* other than Zs (so no line or paragraph separators);</li>
 *   <li>not starting or ending with a space separator (category Zs).</li>
 * </ul>
 * Categories come from the running JDK's Unicode tables, which may be newer than the Python Nova
 * runs on: a character assigned in between is printable here and not there.
 */
final class ServerNames {

    static final int MAX_LENGTH = 255;

    private ServerNames() {
    }

    /** The first problem of {@code name} under Nova's name rule, or empty. */
    static Optional<NameProblem> check(String name) {
        int length = TextLength.of(name);
        if (length < 1 || length > MAX_LENGTH) {
            return Optional.of(new NameProblem("length",
                    "must be 1 to " + MAX_LENGTH + " characters, is " + length,
                    Optional.of(length < 1 ? "at least 1 character" : TextLength.characters(MAX_LENGTH))));
        }
        int offset = 0;
        for (int cp : name.codePoints().toArray()) {
            if (!isPrintable(cp)) {
                return Optional.of(new NameProblem("printable", String.format(
                        "character %d is %s, which is not printable: Nova accepts only printable characters"
                                + " of the Basic Multilingual Plane (no control, format, private-use,"
                                + " unassigned or line/paragraph separator characters)",
                        offset, codePoint(cp)), Optional.empty()));
            }
            offset++;
        }
        int first = name.codePointAt(0);
        int last = name.codePointBefore(name.length());
        if (isSpace(first) || isSpace(last)) {
            return Optional.of(new NameProblem("whitespace",
                    "must not start or end with whitespace (" + codePoint(isSpace(first) ? first : last) + ")",
                    Optional.empty()));
        }
        return Optional.empty();
    }

    /** Nova's {@code _is_printable}, restricted to the BMP as Nova's {@code range(0xFFFF)} is. */
    static boolean isPrintable(int codePoint) {
        if (codePoint > 0xFFFE) {
            return false;
        }
        return switch (Character.getType(codePoint)) {
            case Character.CONTROL, Character.FORMAT, Character.PRIVATE_USE, Character.SURROGATE,
                 Character.UNASSIGNED, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> false;
            default -> true;
        };
    }

    /** Category Zs: the printable characters Nova's regex refuses at either end of a name. */
    static boolean isSpace(int codePoint) {
        return Character.getType(codePoint) == Character.SPACE_SEPARATOR;
    }

    static String codePoint(int cp) {
        return String.format("U+%04X", cp);
    }
}
