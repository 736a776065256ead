package io.guestdata.core.document;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads the SSH wire encoding of a public key blob: {@code string} and {@code mpint} as
 * RFC 4251 §5 defines them (a big-endian uint32 length, then that many bytes; an mpint is a
 * two's-complement string). Every read checks that the bytes are there.
 */
final class SshWireBuffer {

    private final byte[] blob;
    private int position;

    SshWireBuffer(byte[] blob) {
        this.blob = blob;
    }

    /** An RFC 4251 {@code string}, as bytes. */
    byte[] string(String field) throws InvalidKeyException {
        if (blob.length - position < 4) {
            throw new InvalidKeyException("key blob ends inside the length of " + field);
        }
        long length = ((blob[position] & 0xFFL) << 24) | ((blob[position + 1] & 0xFF) << 16)
                | ((blob[position + 2] & 0xFF) << 8) | (blob[position + 3] & 0xFF);
        position += 4;
        if (length > blob.length - position) {
            throw new InvalidKeyException("key blob ends inside " + field + " (" + length
                    + " bytes announced, " + (blob.length - position) + " left)");
        }
        byte[] value = Arrays.copyOfRange(blob, position, position + (int) length);
        position += (int) length;
        return value;
    }

    /** An RFC 4251 {@code string} holding ASCII text, such as the key type. */
    String text(String field) throws InvalidKeyException {
        return new String(string(field), StandardCharsets.ISO_8859_1);
    }

    /** A non-negative RFC 4251 {@code mpint}; a negative one is refused, as cryptography does. */
    BigInteger positiveMpint(String field) throws InvalidKeyException {
        byte[] bytes = string(field);
        if (bytes.length > 0 && (bytes[0] & 0x80) != 0) {
            throw new InvalidKeyException(field + " is negative");
        }
        return new BigInteger(1, bytes);
    }

    /** Refuses bytes left over after the last field. */
    void requireEnd() throws InvalidKeyException {
        if (position != blob.length) {
            throw new InvalidKeyException("key blob has " + (blob.length - position)
                    + " trailing bytes after the last field");
        }
    }
}
