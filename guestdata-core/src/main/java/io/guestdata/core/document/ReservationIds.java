package io.guestdata.core.document;

import java.math.BigInteger;
import java.util.UUID;

/**
 * EC2 reservation ids in Nova's form {@code r-} + 8 characters of {@code [0-9a-z]}
 * (nova-compat.md §1.6). Nova draws them at random per request; we have no request, so an
 * instance without one gets an id derived from its uuid, the same every time.
 */
final class ReservationIds {

    static final String PATTERN = "r-[0-9a-z]{8}";
    private static final String ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";
    private static final int LENGTH = 8;

    private ReservationIds() {
    }

    /**
     * {@code r-} + the uuid's 128 bits, read as an unsigned number, written in base 36 with the
     * least significant digit first, 8 digits. A random (version 4) uuid has random low bits, so
     * the ids are spread evenly.
     */
    static String derive(UUID uuid) {
        BigInteger value = new BigInteger(1, toBytes(uuid));
        BigInteger radix = BigInteger.valueOf(ALPHABET.length());
        StringBuilder id = new StringBuilder("r-");
        for (int i = 0; i < LENGTH; i++) {
            BigInteger[] qr = value.divideAndRemainder(radix);
            id.append(ALPHABET.charAt(qr[1].intValue()));
            value = qr[0];
        }
        return id.toString();
    }

    private static byte[] toBytes(UUID uuid) {
        byte[] bytes = new byte[16];
        long msb = uuid.getMostSignificantBits();
        long lsb = uuid.getLeastSignificantBits();
        for (int i = 0; i < 8; i++) {
            bytes[i] = (byte) (msb >>> (56 - 8 * i));
            bytes[8 + i] = (byte) (lsb >>> (56 - 8 * i));
        }
        return bytes;
    }
}
