package io.guestdata.drive.iso9660;

import java.nio.ByteBuffer;

/**
 * A Directory Record (ECMA-119 §9.1).
 *
 * <pre>
 *  0  length of directory record (this record's bytes; even)      §9.1.1
 *  1  extended attribute record length: 0                          §9.1.2
 *  2  location of extent, both byte orders                         §9.1.3
 * 10  data length, both byte orders                                §9.1.4
 * 18  recording date and time, 7 bytes                             §9.1.5
 * 25  file flags: 0x02 directory                                   §9.1.6
 * 26  file unit size 0, interleave gap size 0                      §9.1.7, §9.1.8
 * 28  volume sequence number 1, both byte orders                   §9.1.9
 * 32  length of file identifier                                    §9.1.10
 * 33  file identifier; a padding byte if its length is even       §9.1.11, §9.1.12
 *  …  system use (SUSP/Rock Ridge entries); a trailing zero keeps the length even  §9.1.13
 * </pre>
 *
 * A record is at most 255 bytes and, being even, at most 254; records never span a logical
 * block (§6.8.1.1), which {@link #fitsInSector} decides.
 */
record DirectoryRecord(long extent, long dataLength, IsoDateTime recorded, boolean directory, byte[] identifier,
        byte[] systemUse) {
    static final int FIXED = 33;
    static final int MAX_LENGTH = 254;
    static final byte[] SELF = {0};
    static final byte[] PARENT = {1};

    /** The room a record with an identifier of this length leaves for its System Use field. */
    static int systemUseAvailable(int identifierLength) {
        return MAX_LENGTH - headerLength(identifierLength);
    }

    static int length(int identifierLength, int systemUseLength) {
        int n = headerLength(identifierLength) + systemUseLength;
        return n + (n & 1);
    }

    private static int headerLength(int identifierLength) {
        int n = FIXED + identifierLength;
        return n + (n & 1);
    }

    int length() {
        return length(identifier.length, systemUse.length);
    }

    /** Whether a record of {@code length} bytes starting at {@code offsetInSector} ends in the same sector. */
    static boolean fitsInSector(int offsetInSector, int length) {
        return offsetInSector + length <= IsoImage.BLOCK;
    }

    void writeTo(ByteBuffer b) {
        int start = b.position();
        int len = length();
        b.put((byte) len).put((byte) 0);
        BothByteOrder.putInt32(b, extent);
        BothByteOrder.putInt32(b, dataLength);
        recorded.putDirectoryRecordForm(b);
        b.put((byte) (directory ? 0x02 : 0x00)).put((byte) 0).put((byte) 0);
        BothByteOrder.putInt16(b, 1);
        b.put((byte) identifier.length).put(identifier);
        if ((identifier.length & 1) == 0) {
            b.put((byte) 0);
        }
        b.put(systemUse);
        while (b.position() - start < len) {
            b.put((byte) 0);
        }
    }
}
