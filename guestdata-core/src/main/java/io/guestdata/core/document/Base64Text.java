package io.guestdata.core.document;

import java.io.ByteArrayOutputStream;

/**
 * Base64 text as Nova accepts it for {@code user_data} and personality {@code contents}
 * (nova-compat.md §8): Python's {@code base64.b64decode} without {@code validate=True}, which is
 * CPython's {@code binascii.a2b_base64} in non-strict mode. This decoder reproduces that
 * function step by step (CPython 3.11 {@code Modules/binascii.c}) so that exactly the texts Nova
 * accepts are accepted and decode to the same bytes:
 * <ol>
 *   <li>Every character outside the alphabet {@code A-Z a-z 0-9 + /} and the pad {@code =} is
 *       discarded: spaces, line breaks, {@code -}, {@code _}, non-ASCII characters.</li>
 *   <li>A {@code =} seen while fewer than two data characters of the current group of four have
 *       been read is discarded too.</li>
 *   <li>Once the pads complete a group ({@code xx==} or {@code xxx=}), decoding stops: anything
 *       after is ignored.</li>
 *   <li>At the end, the data characters must fill whole groups of four, unless the pads completed
 *       the last one: one left-over character is "cannot be 1 more than a multiple of 4", two or
 *       three are "Incorrect padding".</li>
 *   <li>Unused low bits of the last character are not checked.</li>
 * </ol>
 * So {@code "YW Jj\n"} decodes to {@code abc}, {@code "YQ"} is rejected (incorrect padding) and
 * {@code "YQ==junk"} decodes to {@code a}. Non-ASCII characters are discarded rather than refused,
 * as Nova's {@code base64} format check (which encodes the text as UTF-8 first) does.
 */
final class Base64Text {

    private Base64Text() {
    }

    /** Thrown when the text cannot be decoded; the message says why, in Python's words. */
    static final class MalformedException extends Exception {
        MalformedException(String message) {
            super(message);
        }
    }

    /** Decodes as Python's non-strict {@code b64decode} does (see the class comment). */
    static byte[] decodeLenient(String text) throws MalformedException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length() * 3 / 4 + 3);
        int quadPos = 0;
        int leftChar = 0;
        int pads = 0;
        int dataChars = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '=') {
                // binascii.c: "quad_pos >= 2 && quad_pos + ++pads >= 4" (pads only counted from 2)
                if (quadPos >= 2) {
                    pads++;
                    if (quadPos + pads >= 4) {
                        return out.toByteArray();
                    }
                }
                continue;
            }
            int value = valueOf(c);
            if (value < 0) {
                continue;
            }
            pads = 0;
            dataChars++;
            switch (quadPos) {
                case 0 -> {
                    quadPos = 1;
                    leftChar = value;
                }
                case 1 -> {
                    quadPos = 2;
                    out.write((leftChar << 2) | (value >> 4));
                    leftChar = value & 0x0f;
                }
                case 2 -> {
                    quadPos = 3;
                    out.write((leftChar << 4) | (value >> 2));
                    leftChar = value & 0x03;
                }
                default -> {
                    quadPos = 0;
                    out.write((leftChar << 6) | value);
                    leftChar = 0;
                }
            }
        }
        if (quadPos == 1) {
            throw new MalformedException("Invalid base64-encoded string: number of data characters ("
                    + dataChars + ") cannot be 1 more than a multiple of 4");
        }
        if (quadPos != 0) {
            throw new MalformedException("Incorrect padding");
        }
        return out.toByteArray();
    }

    /**
     * Decodes strictly: only alphabet characters, then at most two {@code =} that exactly complete
     * the last group of four, and the unused bits of the last character zero (RFC 4648 §3.5).
     * Used for the key blob of an OpenSSH public key, which ssh-keygen always writes this way.
     */
    static byte[] decodeStrict(String text) throws MalformedException {
        int end = text.length();
        int pads = 0;
        while (end > 0 && text.charAt(end - 1) == '=' && pads < 2) {
            end--;
            pads++;
        }
        for (int i = 0; i < end; i++) {
            if (valueOf(text.charAt(i)) < 0) {
                char c = text.charAt(i);
                throw new MalformedException("character " + describe(c) + " at offset " + i
                        + " is not in the base64 alphabet");
            }
        }
        if (text.length() % 4 != 0) {
            throw new MalformedException("length " + text.length()
                    + " is not a whole number of base64 groups (incorrect padding)");
        }
        byte[] bytes = decodeLenient(text);
        int rem = end % 4;
        if (rem != 0) {
            int last = valueOf(text.charAt(end - 1));
            int unusedMask = rem == 2 ? 0x0f : 0x03;
            if ((last & unusedMask) != 0) {
                throw new MalformedException("the unused bits of the last base64 character are not zero");
            }
        }
        return bytes;
    }

    /** The 6-bit value of a base64 alphabet character (RFC 4648 Table 1), or -1. */
    private static int valueOf(char c) {
        if (c >= 'A' && c <= 'Z') {
            return c - 'A';
        }
        if (c >= 'a' && c <= 'z') {
            return c - 'a' + 26;
        }
        if (c >= '0' && c <= '9') {
            return c - '0' + 52;
        }
        return c == '+' ? 62 : c == '/' ? 63 : -1;
    }

    private static String describe(char c) {
        return c >= 0x21 && c < 0x7f ? "'" + c + "'" : String.format("U+%04X", (int) c);
    }
}
