package io.guestdata.drive.iso9660;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One System Use Entry (SUSP 1.12 §4): a two-character signature, the entry's length (4 + data),
 * its version, then its data. Rock Ridge entries ({@link RockRidgeEntries}) are System Use Entries
 * too; the ones the sharing protocol itself defines are built here.
 */
record SuspEntry(String signature, int version, byte[] data) {
    static final int HEADER = 4;
    static final int MAX_LENGTH = 255;
    /** SUSP 1.12 §5.1: the {@code CE} entry is always 28 bytes. */
    static final int CE_LENGTH = 28;

    SuspEntry {
        if (HEADER + data.length > MAX_LENGTH) {
            throw new IllegalArgumentException(signature + " entry of " + (HEADER + data.length) + " bytes");
        }
    }

    int length() {
        return HEADER + data.length;
    }

    void writeTo(ByteBuffer b) {
        b.put((byte) signature.charAt(0)).put((byte) signature.charAt(1)).put((byte) length()).put((byte) version).put(data);
    }

    /**
     * SUSP 1.12 §5.3 {@code SP}: the sharing protocol is in use; first entry of the System Use
     * field of the root directory's first ("{@code .}") record. Check bytes BE EF, no bytes
     * skipped in any System Use field.
     */
    static SuspEntry sharingProtocolIndicator() {
        return new SuspEntry("SP", 1, new byte[] {(byte) 0xBE, (byte) 0xEF, 0});
    }

    /**
     * SUSP 1.12 §5.1 {@code CE}: the System Use field continues in a Continuation Area of
     * {@code length} bytes at {@code offset} in logical block {@code block}.
     */
    static SuspEntry continuationArea(long block, int offset, int length) {
        ByteBuffer b = ByteBuffer.allocate(CE_LENGTH - HEADER);
        BothByteOrder.putInt32(b, block);
        BothByteOrder.putInt32(b, offset);
        BothByteOrder.putInt32(b, length);
        return new SuspEntry("CE", 1, b.array());
    }

    /**
     * SUSP 1.12 §5.5 {@code ER}: names the extension in use; recorded in the root's first record
     * (its Continuation Area, as it does not fit the System Use field).
     */
    static SuspEntry extensionsReference(String identifier, String descriptor, String source, int extensionVersion) {
        byte[] id = identifier.getBytes(StandardCharsets.US_ASCII);
        byte[] des = descriptor.getBytes(StandardCharsets.US_ASCII);
        byte[] src = source.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(4 + id.length + des.length + src.length);
        b.put((byte) id.length).put((byte) des.length).put((byte) src.length).put((byte) extensionVersion);
        b.put(id).put(des).put(src);
        return new SuspEntry("ER", 1, b.array());
    }
}
