package io.guestdata.inject.fs;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Map;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * One on-disk directory entry, {@code struct ext2_dir_entry_2} ({@code ext2_fs.h}; little-endian):
 *
 * <pre>
 * 0  4  inode      0: an unused slot (also the metadata_csum tail and htree node fillers)
 * 4  2  rec_len    bytes to the next entry; at least 8 + name_len rounded up to 4, a multiple of 4,
 *                  never past the block ({@code ext2fs_get_rec_len} for 64 KiB blocks)
 * 6  1  name_len
 * 7  1  file_type  (with the filetype feature; else the high byte of a 16-bit name_len, which libext2fs
 *                  and Linux ignore, as names are at most 255 bytes)
 * 8  n  name       not NUL-terminated
 * </pre>
 *
 * {@link #read} decodes the entry at an offset of one directory block and validates it the way
 * Linux's {@code ext4_check_dir_entry} does ("rec_len is smaller than minimal", "rec_len % 4 != 0",
 * "rec_len is too small for name_len", "directory entry overrun", "inode out of bounds"). Offsets
 * are checked against the installed header by {@code StructLayoutTest}.
 *
 * @param inode   the inode named (0: unused slot)
 * @param recLen  decoded record length
 * @param nameLen name length in bytes
 * @param dot     the name is "."
 * @param dotDot  the name is ".."
 */
record Ext2DirEntry(long inode, int recLen, int nameLen, boolean dot, boolean dotDot) {

    static final long OFFSET_INODE = 0;
    static final long OFFSET_REC_LEN = 4;
    static final long OFFSET_NAME_LEN = 6;
    static final long OFFSET_FILE_TYPE = 7;
    static final long OFFSET_NAME = 8;

    /** Header field name → offset this class relies on, for the layout test. */
    static final Map<String, Long> OFFSETS = Map.of("inode", OFFSET_INODE, "rec_len", OFFSET_REC_LEN,
            "name_len", OFFSET_NAME_LEN, "file_type", OFFSET_FILE_TYPE, "name", OFFSET_NAME);

    /** {@code EXT2_DIR_ENTRY_HEADER_LEN}. */
    static final int HEADER_LEN = 8;
    /** {@code EXT2_DIR_PAD}. */
    static final int PAD = 4;
    /** A 64 KiB block's whole-block record (EXT4_MAX_REC_LEN in libext2fs' dirent code; not in the installed headers). */
    static final int MAX_REC_LEN = (1 << 16) - 1;

    private static final ValueLayout.OfShort U16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Thrown for an entry a kernel would call corrupt; the message says which rule and the values. */
    static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;

        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    /** {@code EXT2_DIR_REC_LEN}: the smallest record holding a name of {@code nameLen} bytes. */
    static int minimalRecLen(int nameLen) {
        return (HEADER_LEN + nameLen + PAD - 1) & ~(PAD - 1);
    }

    /**
     * Decodes and validates the entry at {@code offset} of the directory block starting at
     * {@code blockStart} in {@code bytes}.
     *
     * @param inodesCount {@code s_inodes_count}: the largest inode an entry may name
     */
    static Ext2DirEntry read(MemorySegment bytes, long blockStart, int offset, int blockSize, long inodesCount)
            throws Invalid {
        if (offset + HEADER_LEN > blockSize) {
            throw new Invalid("entry header at offset " + offset + " overruns the " + blockSize + "-byte block");
        }
        long at = blockStart + offset;
        long inode = Integer.toUnsignedLong(bytes.get(U32, at + OFFSET_INODE));
        int rawRecLen = Short.toUnsignedInt(bytes.get(U16, at + OFFSET_REC_LEN));
        int recLen = recLen(rawRecLen, blockSize);
        int nameLen = Byte.toUnsignedInt(bytes.get(JAVA_BYTE, at + OFFSET_NAME_LEN));
        if (recLen < minimalRecLen(1)) {
            throw new Invalid("rec_len " + recLen + " at offset " + offset + " is smaller than the minimal "
                    + minimalRecLen(1));
        }
        if (recLen % PAD != 0) {
            throw new Invalid("rec_len " + recLen + " at offset " + offset + " is not a multiple of " + PAD);
        }
        if (recLen < minimalRecLen(nameLen)) {
            throw new Invalid("rec_len " + recLen + " at offset " + offset + " is too small for name_len " + nameLen);
        }
        if (offset + recLen > blockSize) {
            throw new Invalid("the entry at offset " + offset + " with rec_len " + recLen + " overruns the "
                    + blockSize + "-byte block");
        }
        if (inode != 0) {
            if (inode > inodesCount) {
                throw new Invalid("the entry at offset " + offset + " names inode " + inode + ", beyond s_inodes_count "
                        + inodesCount);
            }
            if (nameLen == 0) {
                throw new Invalid("the entry at offset " + offset + " names inode " + inode + " with an empty name");
            }
        }
        boolean dot = nameLen == 1 && bytes.get(JAVA_BYTE, at + OFFSET_NAME) == '.';
        boolean dotDot = nameLen == 2 && bytes.get(JAVA_BYTE, at + OFFSET_NAME) == '.'
                && bytes.get(JAVA_BYTE, at + OFFSET_NAME + 1) == '.';
        return new Ext2DirEntry(inode, recLen, nameLen, dot, dotDot);
    }

    /** {@code ext2fs_get_rec_len}: 64 KiB blocks keep bits 16-17 in the low bits; 0 or 65535 is the whole block. */
    static int recLen(int raw, int blockSize) {
        if (blockSize < 65536) {
            return raw;
        }
        if (raw == MAX_REC_LEN || raw == 0) {
            return blockSize;
        }
        return (raw & 65532) | ((raw & 3) << 16);
    }

    /** The name's bytes. */
    static byte[] name(MemorySegment bytes, long blockStart, int offset, int nameLen) {
        return bytes.asSlice(blockStart + offset + OFFSET_NAME, nameLen).toArray(JAVA_BYTE);
    }
}
