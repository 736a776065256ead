package io.guestdata.server.metadata;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The path Nova's handler sees: eventlet puts {@code urllib.parse.unquote(raw_path, encoding='latin1')} into
 * {@code PATH_INFO} (the query already split off), and WebOb's {@code req.path_info} decodes those bytes as
 * UTF-8. So {@code %2e%2e} is {@code ..} before {@code normpath} runs, and {@code %2F} is a slash.
 * {@code %} not followed by two hex digits stays as it is, as in {@code unquote}.
 */
final class RequestPath {
    private RequestPath() {
    }

    /**
     * @param rawPath the request target's path as received (no query), ASCII
     * @return the decoded path; empty when the raw path has characters outside printable ASCII, or the
     *         decoded bytes are not UTF-8 (Nova raises a UnicodeDecodeError there: a 500)
     */
    static Optional<String> decode(String rawPath) {
        if (rawPath.indexOf('%') < 0) {
            return printableAscii(rawPath) ? Optional.of(rawPath) : Optional.empty();
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(rawPath.length());
        for (int i = 0; i < rawPath.length(); i++) {
            char c = rawPath.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return Optional.empty();
            }
            if (c == '%' && i + 2 < rawPath.length() && hex(rawPath.charAt(i + 1)) >= 0 && hex(rawPath.charAt(i + 2)) >= 0) {
                bytes.write(hex(rawPath.charAt(i + 1)) << 4 | hex(rawPath.charAt(i + 2)));
                i += 2;
            } else {
                bytes.write(c);
            }
        }
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray())).toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }

    private static boolean printableAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }
}
