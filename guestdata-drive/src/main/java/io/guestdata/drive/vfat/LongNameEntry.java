package io.guestdata.drive.vfat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * One 32-byte long directory entry (Microsoft FAT specification 1.03, "FAT Long Directory
 * Entries"): 13 UTF-16 code units of a long name, with the sequence number of the piece and the
 * checksum of the short entry it belongs to.
 *
 * <p>A name of n units takes ceil(n / 13) entries, stored in reverse order just before the short
 * entry: the entry holding the end of the name comes first and has 0x40 ("last long entry") or-ed
 * into its ordinal; ordinals count from 1 at the entry holding the start. After the last unit
 * comes one 0x0000 terminator if there is room, and 0xFFFF in every unused unit after it ("Long
 * Name Specification"). Units are stored as they are, so surrogate pairs (characters outside the
 * BMP) are kept, even when a pair straddles two entries.
 *
 * @param ordinal  {@code LDIR_Ord}, including the 0x40 flag on the last entry
 * @param units    the 13 code units of this piece, already terminated and padded
 * @param checksum {@code LDIR_Chksum}: {@link #checksum(byte[])} of the short name
 */
record LongNameEntry(int ordinal, char[] units, int checksum) {
    static final int UNITS_PER_ENTRY = 13;
    static final int MAX_NAME_UNITS = 255;
    private static final int LAST_LONG_ENTRY = 0x40;
    /** Byte offsets of the 13 units: 5 in LDIR_Name1, 6 in LDIR_Name2, 2 in LDIR_Name3. */
    private static final int[] UNIT_OFFSETS = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};

    /** Number of long entries a name of {@code length} UTF-16 units takes. */
    static int entriesFor(String name) {
        return Math.ceilDiv(name.length(), UNITS_PER_ENTRY);
    }

    /** The long entries for {@code name}, in the order they are stored (last piece first). */
    static List<LongNameEntry> forName(String name, byte[] shortName) {
        int checksum = checksum(shortName);
        int count = entriesFor(name);
        List<LongNameEntry> entries = new ArrayList<>(count);
        for (int n = count; n >= 1; n--) {
            char[] units = new char[UNITS_PER_ENTRY];
            for (int i = 0; i < UNITS_PER_ENTRY; i++) {
                int at = (n - 1) * UNITS_PER_ENTRY + i;
                if (at < name.length()) {
                    units[i] = name.charAt(at);
                } else if (at == name.length()) {
                    units[i] = 0x0000;
                } else {
                    units[i] = 0xFFFF;
                }
            }
            entries.add(new LongNameEntry(n == count ? n | LAST_LONG_ENTRY : n, units, checksum));
        }
        return entries;
    }

    /**
     * "FAT Long Directory Entries", ChkSum: an unsigned byte rotated right by one bit before each of
     * the 11 bytes of {@code DIR_Name} is added.
     */
    static int checksum(byte[] shortName) {
        int sum = 0;
        for (byte b : shortName) {
            sum = (((sum & 1) << 7) + (sum >>> 1) + (b & 0xFF)) & 0xFF;
        }
        return sum;
    }

    /** Writes the 32 bytes at the buffer's position and advances it. */
    void encode(ByteBuffer out) {
        ByteBuffer b = out.slice(out.position(), DirectoryEntry.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, (byte) ordinal);
        for (int i = 0; i < UNITS_PER_ENTRY; i++) {
            b.putChar(UNIT_OFFSETS[i], units[i]);
        }
        b.put(11, (byte) DirectoryEntry.ATTR_LONG_NAME);
        b.put(12, (byte) 0); // LDIR_Type: 0, a name component
        b.put(13, (byte) checksum);
        b.putShort(26, (short) 0); // LDIR_FstClusLO: must be zero
        out.position(out.position() + DirectoryEntry.SIZE);
    }
}
