package io.guestdata.core.document;

/**
 * Lengths as Nova (Python {@code len}) and JSON Schema ({@code maxLength}, RFC 8259 characters)
 * count them: in Unicode code points, not Java {@code char}s, so a character outside the Basic
 * Multilingual Plane counts once.
 */
final class TextLength {

    private TextLength() {
    }

    static int of(String text) {
        return text.codePointCount(0, text.length());
    }

    static String characters(int n) {
        return n == 1 ? "1 character" : n + " characters";
    }
}
