package io.guestdata.inject.block;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A file name stored inside an image header (a backing file, a data file, a VMDK parent): bytes
 * the image's author chose. Decoded strictly, shown quoted, never trusted.
 */
final class StoredFileName {
    private StoredFileName() {}

    /**
     * The name as text.
     *
     * @throws ImageFormatException when it holds a NUL byte (QEMU would read a shorter name than
     *     the header's length says) or is not UTF-8
     */
    static String decode(Path layer, byte[] bytes, String field) throws ImageFormatException {
        for (byte b : bytes) {
            if (b == 0) {
                throw new ImageFormatException(layer, "the " + field + " holds a NUL byte inside its stated length;"
                        + " the header is corrupt");
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new ImageFormatException(layer, "the " + field + " is not UTF-8 text; the header is corrupt");
        }
    }

    /**
     * The name in single quotes, as stored, with control characters escaped so that an error
     * stays on one line ({@code \n}, {@code \x1b}).
     */
    static String quote(String name) {
        StringBuilder out = new StringBuilder(name.length() + 2).append('\'');
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        out.append(String.format("\\x%02x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('\'').toString();
    }
}
