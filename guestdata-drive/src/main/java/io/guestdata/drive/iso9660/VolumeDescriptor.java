package io.guestdata.drive.iso9660;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The layout the Primary (ECMA-119 §8.4) and Supplementary (§8.5) Volume Descriptors share; they
 * differ in type, escape sequences and how identifiers are encoded (a-/d-characters, or UCS-2
 * big-endian for Joliet).
 *
 * <pre>
 *    0 type, "CD001", version 1                      §8.4.1–§8.4.3
 *    7 volume flags (SVD) / unused                    §8.5.3
 *    8 system identifier (32)                         §8.4.5
 *   40 volume identifier (32)                         §8.4.6
 *   80 volume space size, both byte orders            §8.4.8
 *   88 escape sequences (SVD, 32) / unused            §8.5.6
 *  120 volume set size 1, sequence number 1, logical block size 2048, both byte orders  §8.4.10–§8.4.12
 *  132 path table size, both byte orders              §8.4.13
 *  140 type L path table location (LSB), optional type L (0)   §8.4.14, §8.4.15
 *  148 type M path table location (MSB), optional type M (0)   §8.4.16, §8.4.17
 *  156 root directory record (34)                     §8.4.18
 *  190 volume set, publisher, data preparer, application identifiers (128 each)  §8.4.19–§8.4.22
 *  702 copyright, abstract, bibliographic file identifiers (37 each)            §8.4.23–§8.4.25
 *  813 creation, modification, expiration, effective date (17 each)             §8.4.26–§8.4.29
 *  881 file structure version 1                       §8.4.31
 * </pre>
 */
final class VolumeDescriptor {
    static final byte[] STANDARD_IDENTIFIER = "CD001".getBytes(StandardCharsets.US_ASCII);
    static final int TYPE_PRIMARY = 1;
    static final int TYPE_SUPPLEMENTARY = 2;
    static final int TYPE_TERMINATOR = 255;
    /** What genisoimage records on Linux; nothing reads it. */
    static final String SYSTEM_ID = "LINUX";

    /** The fields both descriptors carry, already laid out. */
    record Fields(String volumeId, String publisher, String applicationId, IsoDateTime recorded, long volumeBlocks,
            long pathTableSize, long typeLPathTable, long typeMPathTable, DirectoryRecord root) {
    }

    /** How a descriptor records its identifiers. */
    interface Encoding {
        void put(ByteBuffer b, String value, int fieldLength);
    }

    private VolumeDescriptor() {
    }

    static byte[] write(int type, byte[] escapeSequences, Fields f, Encoding enc) {
        ByteBuffer b = ByteBuffer.allocate(IsoImage.BLOCK);
        b.put((byte) type).put(STANDARD_IDENTIFIER).put((byte) 1).put((byte) 0);
        enc.put(b, SYSTEM_ID, 32);
        enc.put(b, f.volumeId(), 32);
        b.position(80);
        BothByteOrder.putInt32(b, f.volumeBlocks());
        b.put(escapeSequences);
        b.position(120);
        BothByteOrder.putInt16(b, 1);
        BothByteOrder.putInt16(b, 1);
        BothByteOrder.putInt16(b, IsoImage.BLOCK);
        BothByteOrder.putInt32(b, f.pathTableSize());
        BothByteOrder.putLsb32(b, f.typeLPathTable());
        BothByteOrder.putLsb32(b, 0);
        BothByteOrder.putMsb32(b, f.typeMPathTable());
        BothByteOrder.putMsb32(b, 0);
        f.root().writeTo(b);
        enc.put(b, "", 128);
        enc.put(b, f.publisher(), 128);
        enc.put(b, "", 128);
        enc.put(b, f.applicationId(), 128);
        enc.put(b, "", 37);
        enc.put(b, "", 37);
        enc.put(b, "", 37);
        f.recorded().putVolumeDescriptorForm(b);
        f.recorded().putVolumeDescriptorForm(b);
        IsoDateTime.putUnspecifiedVolumeDescriptorForm(b);
        f.recorded().putVolumeDescriptorForm(b);
        b.put((byte) 1);
        return b.array();
    }

    /** ASCII padded with spaces (§7.4.3). */
    static void putAscii(ByteBuffer b, String value, int fieldLength) {
        byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
        int n = Math.min(bytes.length, fieldLength);
        b.put(bytes, 0, n);
        for (int i = n; i < fieldLength; i++) {
            b.put((byte) ' ');
        }
    }

    /** UCS-2 big-endian padded with U+0020; an odd field ends with a zero byte (as genisoimage). */
    static void putUcs2(ByteBuffer b, String value, int fieldLength) {
        int units = fieldLength / 2;
        String v = value.length() > units ? value.substring(0, units) : value;
        for (int i = 0; i < units; i++) {
            char c = i < v.length() ? v.charAt(i) : ' ';
            b.put((byte) (c >>> 8)).put((byte) c);
        }
        if ((fieldLength & 1) == 1) {
            b.put((byte) 0);
        }
    }

}
