package io.guestdata.inject.fs;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Map;

/**
 * The fields guestdata reads from the ext2/3/4 superblock, {@code struct ext2_super_block}
 * ({@code ext2_fs.h}; on disk at byte 1024 of the filesystem, 1024 bytes, little-endian).
 *
 * <p>The same parser reads the raw bytes before libext2fs opens anything (so a refused
 * filesystem is never opened read-write, not even for an MMP sequence update) and libext2fs'
 * in-memory copy {@code fs->super} afterwards. Offsets are checked against the installed header by
 * {@code StructLayoutTest}.
 */
record Ext2SuperBlock(
        int magic,
        int state,
        int errors,
        int creatorOs,
        int revLevel,
        int logBlockSize,
        int inodeSize,
        int featureCompat,
        int featureIncompat,
        int featureRoCompat,
        long freeInodesCount,
        long errorCount) {

    /** Byte offset of the primary superblock from the start of the filesystem. */
    static final long BYTE_OFFSET = 1024;
    static final long SIZE = 1024;
    static final int EXT2_SUPER_MAGIC = 0xEF53;

    static final long OFFSET_FREE_INODES_COUNT = 16;
    static final long OFFSET_LOG_BLOCK_SIZE = 24;
    static final long OFFSET_MAGIC = 56;
    static final long OFFSET_STATE = 58;
    static final long OFFSET_ERRORS = 60;
    static final long OFFSET_CREATOR_OS = 72;
    static final long OFFSET_REV_LEVEL = 76;
    static final long OFFSET_INODE_SIZE = 88;
    static final long OFFSET_FEATURE_COMPAT = 92;
    static final long OFFSET_FEATURE_INCOMPAT = 96;
    static final long OFFSET_FEATURE_RO_COMPAT = 100;
    static final long OFFSET_ERROR_COUNT = 404;

    /** Header field name → offset this class relies on, for the layout test. */
    static final Map<String, Long> OFFSETS = Map.ofEntries(
            Map.entry("s_free_inodes_count", OFFSET_FREE_INODES_COUNT),
            Map.entry("s_log_block_size", OFFSET_LOG_BLOCK_SIZE),
            Map.entry("s_magic", OFFSET_MAGIC),
            Map.entry("s_state", OFFSET_STATE),
            Map.entry("s_errors", OFFSET_ERRORS),
            Map.entry("s_creator_os", OFFSET_CREATOR_OS),
            Map.entry("s_rev_level", OFFSET_REV_LEVEL),
            Map.entry("s_inode_size", OFFSET_INODE_SIZE),
            Map.entry("s_feature_compat", OFFSET_FEATURE_COMPAT),
            Map.entry("s_feature_incompat", OFFSET_FEATURE_INCOMPAT),
            Map.entry("s_feature_ro_compat", OFFSET_FEATURE_RO_COMPAT),
            Map.entry("s_error_count", OFFSET_ERROR_COUNT));

    /** {@code s_state} bits, {@code ext2_fs.h}. */
    static final int EXT2_VALID_FS = 0x0001;
    static final int EXT2_ERROR_FS = 0x0002;
    static final int EXT3_ORPHAN_FS = 0x0004;
    static final int EXT4_FC_REPLAY = 0x0020;

    /** {@code s_creator_os} value of GNU Hurd, whose inodes use the OS-dependent fields differently. */
    static final int EXT2_OS_HURD = 1;

    private static final ValueLayout.OfShort U16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Parses the 1024 superblock bytes (on-disk little-endian, which is also the x86-64 in-memory order). */
    static Ext2SuperBlock parse(MemorySegment bytes) {
        if (bytes.byteSize() < SIZE) {
            throw new IllegalArgumentException("superblock needs " + SIZE + " bytes, got " + bytes.byteSize());
        }
        return new Ext2SuperBlock(
                u16(bytes, OFFSET_MAGIC),
                u16(bytes, OFFSET_STATE),
                u16(bytes, OFFSET_ERRORS),
                bytes.get(U32, OFFSET_CREATOR_OS),
                bytes.get(U32, OFFSET_REV_LEVEL),
                bytes.get(U32, OFFSET_LOG_BLOCK_SIZE),
                u16(bytes, OFFSET_INODE_SIZE),
                bytes.get(U32, OFFSET_FEATURE_COMPAT),
                bytes.get(U32, OFFSET_FEATURE_INCOMPAT),
                bytes.get(U32, OFFSET_FEATURE_RO_COMPAT),
                Integer.toUnsignedLong(bytes.get(U32, OFFSET_FREE_INODES_COUNT)),
                Integer.toUnsignedLong(bytes.get(U32, OFFSET_ERROR_COUNT)));
    }

    private static int u16(MemorySegment bytes, long offset) {
        return Short.toUnsignedInt(bytes.get(U16, offset));
    }

    /** Block size in bytes: {@code 1024 << s_log_block_size}. */
    long blockSize() {
        return 1024L << logBlockSize;
    }

    boolean hasIncompat(int feature) {
        return (featureIncompat & feature) != 0;
    }

    boolean hasRoCompat(int feature) {
        return (featureRoCompat & feature) != 0;
    }

    boolean hasCompat(int feature) {
        return (featureCompat & feature) != 0;
    }
}
