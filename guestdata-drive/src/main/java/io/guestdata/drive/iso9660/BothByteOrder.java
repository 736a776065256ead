package io.guestdata.drive.iso9660;

import java.nio.ByteBuffer;

/**
 * The numerical value encodings of ECMA-119 §7: 16- and 32-bit numbers recorded least significant
 * byte first (§7.2.1, §7.3.1), most significant byte first (§7.2.2, §7.3.2) and in both byte
 * orders, little-endian copy first (§7.2.3, §7.3.3). Writes at the buffer's position, whatever the
 * buffer's own byte order.
 */
final class BothByteOrder {
    private BothByteOrder() {
    }

    /** §7.2.3: 16-bit number in both byte orders (4 bytes). */
    static void putInt16(ByteBuffer b, int value) {
        putLsb16(b, value);
        putMsb16(b, value);
    }

    /** §7.3.3: 32-bit number in both byte orders (8 bytes). */
    static void putInt32(ByteBuffer b, long value) {
        putLsb32(b, value);
        putMsb32(b, value);
    }

    /** §7.2.1. */
    static void putLsb16(ByteBuffer b, int value) {
        b.put((byte) value).put((byte) (value >>> 8));
    }

    /** §7.2.2. */
    static void putMsb16(ByteBuffer b, int value) {
        b.put((byte) (value >>> 8)).put((byte) value);
    }

    /** §7.3.1. */
    static void putLsb32(ByteBuffer b, long value) {
        b.put((byte) value).put((byte) (value >>> 8)).put((byte) (value >>> 16)).put((byte) (value >>> 24));
    }

    /** §7.3.2. */
    static void putMsb32(ByteBuffer b, long value) {
        b.put((byte) (value >>> 24)).put((byte) (value >>> 16)).put((byte) (value >>> 8)).put((byte) value);
    }
}
