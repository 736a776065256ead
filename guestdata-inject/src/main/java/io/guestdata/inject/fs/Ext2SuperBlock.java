package io.guestdata.inject.fs;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Map;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * The ext2/3/4 superblock, {@code struct ext2_super_block} ({@code ext2_fs.h}; on disk at byte 1024
 * of the filesystem, 1024 bytes, little-endian): the one decoder of it in guestdata.
 *
 * <p>It reads the raw bytes when the block layer probes what a partition holds
 * ({@link #generation()}, libblkid's rule), before libext2fs opens anything (so a refused
 * filesystem is never opened read-write, not even for an MMP sequence update), and libext2fs'
 * in-memory copy {@code fs->super} afterwards, for the feature checks, the geometry checks
 * ({@link Ext2Consistency}) and the free space. The bytes are copied at parse time: a later change
 * of {@code fs->super} is seen only by parsing again. Offsets are checked against the installed
 * header by {@code StructLayoutTest}.
 */
public final class Ext2SuperBlock {

    /** Byte offset of the primary superblock from the start of the filesystem ({@code SUPERBLOCK_OFFSET}). */
    public static final long BYTE_OFFSET = 1024;
    public static final long SIZE = 1024;
    static final int EXT2_SUPER_MAGIC = 0xEF53;

    static final long OFFSET_INODES_COUNT = 0;
    static final long OFFSET_BLOCKS_COUNT = 4;
    static final long OFFSET_R_BLOCKS_COUNT = 8;
    static final long OFFSET_FREE_BLOCKS_COUNT = 12;
    static final long OFFSET_FREE_INODES_COUNT = 16;
    static final long OFFSET_FIRST_DATA_BLOCK = 20;
    static final long OFFSET_LOG_BLOCK_SIZE = 24;
    static final long OFFSET_LOG_CLUSTER_SIZE = 28;
    static final long OFFSET_BLOCKS_PER_GROUP = 32;
    static final long OFFSET_CLUSTERS_PER_GROUP = 36;
    static final long OFFSET_INODES_PER_GROUP = 40;
    static final long OFFSET_MAGIC = 56;
    static final long OFFSET_STATE = 58;
    static final long OFFSET_ERRORS = 60;
    static final long OFFSET_CREATOR_OS = 72;
    static final long OFFSET_REV_LEVEL = 76;
    static final long OFFSET_FIRST_INO = 84;
    static final long OFFSET_INODE_SIZE = 88;
    static final long OFFSET_FEATURE_COMPAT = 92;
    static final long OFFSET_FEATURE_INCOMPAT = 96;
    static final long OFFSET_FEATURE_RO_COMPAT = 100;
    static final long OFFSET_RESERVED_GDT_BLOCKS = 206;
    static final long OFFSET_JOURNAL_UUID = 208;
    static final long OFFSET_JOURNAL_INUM = 224;
    static final long OFFSET_JOURNAL_DEV = 228;
    static final long OFFSET_DESC_SIZE = 254;
    static final long OFFSET_FIRST_META_BG = 260;
    static final long OFFSET_MIN_EXTRA_ISIZE = 348;
    static final long OFFSET_WANT_EXTRA_ISIZE = 350;
    static final long OFFSET_BLOCKS_COUNT_HI = 336;
    static final long OFFSET_R_BLOCKS_COUNT_HI = 340;
    static final long OFFSET_FREE_BLOCKS_HI = 344;
    static final long OFFSET_LOG_GROUPS_PER_FLEX = 372;
    static final long OFFSET_ERROR_COUNT = 404;
    static final long OFFSET_USR_QUOTA_INUM = 576;
    static final long OFFSET_GRP_QUOTA_INUM = 580;
    static final long OFFSET_PRJ_QUOTA_INUM = 620;
    static final long OFFSET_ORPHAN_FILE_INUM = 640;

    /** Header field name → offset this class relies on, for the layout test. */
    static final Map<String, Long> OFFSETS = Map.ofEntries(
            Map.entry("s_inodes_count", OFFSET_INODES_COUNT),
            Map.entry("s_blocks_count", OFFSET_BLOCKS_COUNT),
            Map.entry("s_r_blocks_count", OFFSET_R_BLOCKS_COUNT),
            Map.entry("s_free_blocks_count", OFFSET_FREE_BLOCKS_COUNT),
            Map.entry("s_free_inodes_count", OFFSET_FREE_INODES_COUNT),
            Map.entry("s_first_data_block", OFFSET_FIRST_DATA_BLOCK),
            Map.entry("s_log_block_size", OFFSET_LOG_BLOCK_SIZE),
            Map.entry("s_log_cluster_size", OFFSET_LOG_CLUSTER_SIZE),
            Map.entry("s_blocks_per_group", OFFSET_BLOCKS_PER_GROUP),
            Map.entry("s_clusters_per_group", OFFSET_CLUSTERS_PER_GROUP),
            Map.entry("s_inodes_per_group", OFFSET_INODES_PER_GROUP),
            Map.entry("s_magic", OFFSET_MAGIC),
            Map.entry("s_state", OFFSET_STATE),
            Map.entry("s_errors", OFFSET_ERRORS),
            Map.entry("s_creator_os", OFFSET_CREATOR_OS),
            Map.entry("s_rev_level", OFFSET_REV_LEVEL),
            Map.entry("s_first_ino", OFFSET_FIRST_INO),
            Map.entry("s_inode_size", OFFSET_INODE_SIZE),
            Map.entry("s_feature_compat", OFFSET_FEATURE_COMPAT),
            Map.entry("s_feature_incompat", OFFSET_FEATURE_INCOMPAT),
            Map.entry("s_feature_ro_compat", OFFSET_FEATURE_RO_COMPAT),
            Map.entry("s_reserved_gdt_blocks", OFFSET_RESERVED_GDT_BLOCKS),
            Map.entry("s_journal_uuid", OFFSET_JOURNAL_UUID),
            Map.entry("s_journal_inum", OFFSET_JOURNAL_INUM),
            Map.entry("s_journal_dev", OFFSET_JOURNAL_DEV),
            Map.entry("s_desc_size", OFFSET_DESC_SIZE),
            Map.entry("s_first_meta_bg", OFFSET_FIRST_META_BG),
            Map.entry("s_blocks_count_hi", OFFSET_BLOCKS_COUNT_HI),
            Map.entry("s_min_extra_isize", OFFSET_MIN_EXTRA_ISIZE),
            Map.entry("s_want_extra_isize", OFFSET_WANT_EXTRA_ISIZE),
            Map.entry("s_r_blocks_count_hi", OFFSET_R_BLOCKS_COUNT_HI),
            Map.entry("s_free_blocks_hi", OFFSET_FREE_BLOCKS_HI),
            Map.entry("s_log_groups_per_flex", OFFSET_LOG_GROUPS_PER_FLEX),
            Map.entry("s_error_count", OFFSET_ERROR_COUNT),
            Map.entry("s_usr_quota_inum", OFFSET_USR_QUOTA_INUM),
            Map.entry("s_grp_quota_inum", OFFSET_GRP_QUOTA_INUM),
            Map.entry("s_prj_quota_inum", OFFSET_PRJ_QUOTA_INUM),
            Map.entry("s_orphan_file_inum", OFFSET_ORPHAN_FILE_INUM));

    /** {@code s_state} bits, {@code ext2_fs.h}. */
    static final int EXT2_VALID_FS = 0x0001;
    static final int EXT2_ERROR_FS = 0x0002;
    static final int EXT3_ORPHAN_FS = 0x0004;
    static final int EXT4_FC_REPLAY = 0x0020;

    /** {@code s_creator_os} value of GNU Hurd, whose inodes use the OS-dependent fields differently. */
    static final int EXT2_OS_HURD = 1;
    /** {@code EXT2_GOOD_OLD_REV}: revision 0 has no feature fields, fixed 128-byte inodes, first inode 11. */
    static final int EXT2_GOOD_OLD_REV = 0;
    /** {@code EXT2_GOOD_OLD_FIRST_INO}. */
    static final int EXT2_GOOD_OLD_FIRST_INO = 11;
    /** {@code EXT2_GOOD_OLD_INODE_SIZE}. */
    static final int EXT2_GOOD_OLD_INODE_SIZE = 128;
    /** {@code EXT2_JOURNAL_INO}: where mke2fs and tune2fs put the journal. */
    static final int EXT2_JOURNAL_INO = 8;
    /** {@code EXT3_FEATURE_COMPAT_HAS_JOURNAL}. */
    static final int COMPAT_HAS_JOURNAL_FEATURE = 0x0004;
    /** {@code EXT2_FEATURE_COMPAT_RESIZE_INODE}: inode 7 owns the s_reserved_gdt_blocks reserve. */
    static final int COMPAT_RESIZE_INODE = 0x0010;
    /** {@code EXT4_FEATURE_COMPAT_ORPHAN_FILE}: {@code s_orphan_file_inum} names the orphan file. */
    static final int COMPAT_ORPHAN_FILE = 0x1000;
    /** {@code EXT2_ROOT_INO}: the one reserved inode a directory entry may name. */
    static final int EXT2_ROOT_INO = 2;
    /** {@code EXT2_MIN_DESC_SIZE}: a group descriptor without the 64bit feature. */
    static final int EXT2_MIN_DESC_SIZE = 32;

    // libblkid's ext2/ext3 "supported" sets (superblocks/ext.c): anything beyond makes ext4.
    private static final int COMPAT_HAS_JOURNAL = COMPAT_HAS_JOURNAL_FEATURE;
    private static final int EXT2_INCOMPAT_SUPP = Ext2FeatureCheck.INCOMPAT_FILETYPE | Ext2FeatureCheck.INCOMPAT_META_BG;
    private static final int EXT3_INCOMPAT_SUPP = EXT2_INCOMPAT_SUPP | Ext2FeatureCheck.INCOMPAT_RECOVER;
    private static final int EXT23_RO_COMPAT_SUPP = Ext2FeatureCheck.RO_COMPAT_SPARSE_SUPER
            | Ext2FeatureCheck.RO_COMPAT_LARGE_FILE | 0x0004 /* RO_COMPAT_BTREE_DIR, never used by Linux */;

    private static final ValueLayout.OfShort U16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment bytes;

    private Ext2SuperBlock(MemorySegment copy) {
        this.bytes = copy;
    }

    /**
     * Copies and decodes the 1024 superblock bytes (on-disk little-endian, which is also the x86-64
     * in-memory order of {@code fs->super}).
     */
    public static Ext2SuperBlock parse(MemorySegment source) {
        if (source.byteSize() < SIZE) {
            throw new IllegalArgumentException("superblock needs " + SIZE + " bytes, got " + source.byteSize());
        }
        return new Ext2SuperBlock(MemorySegment.ofArray(source.asSlice(0, SIZE).toArray(JAVA_BYTE)));
    }

    private int u16(long offset) {
        return Short.toUnsignedInt(bytes.get(U16, offset));
    }

    private long u32(long offset) {
        return Integer.toUnsignedLong(bytes.get(U32, offset));
    }

    /** {@code lo | hi << 32} when the 64bit feature is on (as {@code ext2fs_blocks_count}), else {@code lo}. */
    private long lohi(long lo, long hi) {
        return u32(lo) | (hasIncompat(Ext2FeatureCheck.INCOMPAT_64BIT) ? u32(hi) << 32 : 0);
    }

    public int magic() {
        return u16(OFFSET_MAGIC);
    }

    int state() {
        return u16(OFFSET_STATE);
    }

    int errors() {
        return u16(OFFSET_ERRORS);
    }

    int creatorOs() {
        return bytes.get(U32, OFFSET_CREATOR_OS);
    }

    long revLevel() {
        return u32(OFFSET_REV_LEVEL);
    }

    int logBlockSize() {
        return bytes.get(U32, OFFSET_LOG_BLOCK_SIZE);
    }

    int logClusterSize() {
        return bytes.get(U32, OFFSET_LOG_CLUSTER_SIZE);
    }

    /** {@code EXT2_INODE_SIZE}: 128 for revision 0, else {@code s_inode_size}. */
    int inodeSize() {
        return revLevel() == EXT2_GOOD_OLD_REV ? EXT2_GOOD_OLD_INODE_SIZE : u16(OFFSET_INODE_SIZE);
    }

    /** {@code EXT2_FIRST_INO}: 11 for revision 0, else {@code s_first_ino}. */
    long firstIno() {
        return revLevel() == EXT2_GOOD_OLD_REV ? EXT2_GOOD_OLD_FIRST_INO : u32(OFFSET_FIRST_INO);
    }

    int featureCompat() {
        return bytes.get(U32, OFFSET_FEATURE_COMPAT);
    }

    int featureIncompat() {
        return bytes.get(U32, OFFSET_FEATURE_INCOMPAT);
    }

    int featureRoCompat() {
        return bytes.get(U32, OFFSET_FEATURE_RO_COMPAT);
    }

    long inodesCount() {
        return u32(OFFSET_INODES_COUNT);
    }

    /** {@code ext2fs_blocks_count}. */
    long blocksCount() {
        return lohi(OFFSET_BLOCKS_COUNT, OFFSET_BLOCKS_COUNT_HI);
    }

    /** {@code ext2fs_r_blocks_count}: blocks reserved for root. */
    long reservedBlocksCount() {
        return lohi(OFFSET_R_BLOCKS_COUNT, OFFSET_R_BLOCKS_COUNT_HI);
    }

    /** {@code ext2fs_free_blocks_count}. */
    long freeBlocksCount() {
        return lohi(OFFSET_FREE_BLOCKS_COUNT, OFFSET_FREE_BLOCKS_HI);
    }

    long freeInodesCount() {
        return u32(OFFSET_FREE_INODES_COUNT);
    }

    /**
     * The blocks a write may use: free blocks less those reserved for root, never negative. The one
     * free-space figure of an ext filesystem in guestdata ({@link Ext2Consistency} has checked the
     * free count against the group descriptors and the bitmaps before it is believed).
     */
    long availableBlocks() {
        return Math.max(0, freeBlocksCount() - reservedBlocksCount());
    }

    long firstDataBlock() {
        return u32(OFFSET_FIRST_DATA_BLOCK);
    }

    long blocksPerGroup() {
        return u32(OFFSET_BLOCKS_PER_GROUP);
    }

    long clustersPerGroup() {
        return u32(OFFSET_CLUSTERS_PER_GROUP);
    }

    long inodesPerGroup() {
        return u32(OFFSET_INODES_PER_GROUP);
    }

    int reservedGdtBlocks() {
        return u16(OFFSET_RESERVED_GDT_BLOCKS);
    }

    /** {@code EXT2_DESC_SIZE}: {@code s_desc_size} with the 64bit feature, else 32. */
    int descSize() {
        return hasIncompat(Ext2FeatureCheck.INCOMPAT_64BIT) ? u16(OFFSET_DESC_SIZE) : EXT2_MIN_DESC_SIZE;
    }

    long journalInum() {
        return u32(OFFSET_JOURNAL_INUM);
    }

    /** Whether {@code s_journal_dev} or {@code s_journal_uuid} name an external journal. */
    boolean namesExternalJournal() {
        return u32(OFFSET_JOURNAL_DEV) != 0 || bytes.get(ValueLayout.JAVA_LONG_UNALIGNED, OFFSET_JOURNAL_UUID) != 0
                || bytes.get(ValueLayout.JAVA_LONG_UNALIGNED, OFFSET_JOURNAL_UUID + 8) != 0;
    }

    long usrQuotaInum() {
        return u32(OFFSET_USR_QUOTA_INUM);
    }

    long grpQuotaInum() {
        return u32(OFFSET_GRP_QUOTA_INUM);
    }

    long prjQuotaInum() {
        return u32(OFFSET_PRJ_QUOTA_INUM);
    }

    long orphanFileInum() {
        return u32(OFFSET_ORPHAN_FILE_INUM);
    }

    /**
     * Whether a directory entry may name inode {@code ino}, by e2fsck pass 2's rule
     * ({@code check_dir_block}, PR_2_BAD_INO "has bad inode #"): not a reserved inode below
     * {@code s_first_ino} other than the root, and none of the quota and orphan-file inodes the
     * superblock names (those are hidden, owned by the filesystem).
     */
    boolean entryMayName(long ino) {
        return (ino == EXT2_ROOT_INO || ino >= firstIno()) && ino != usrQuotaInum() && ino != grpQuotaInum()
                && ino != prjQuotaInum() && ino != orphanFileInum();
    }

    int minExtraIsize() {
        return u16(OFFSET_MIN_EXTRA_ISIZE);
    }

    int wantExtraIsize() {
        return u16(OFFSET_WANT_EXTRA_ISIZE);
    }

    /** {@code s_desc_size} as stored, whatever the 64bit feature says. */
    int rawDescSize() {
        return u16(OFFSET_DESC_SIZE);
    }

    long firstMetaBg() {
        return u32(OFFSET_FIRST_META_BG);
    }

    int logGroupsPerFlex() {
        return Byte.toUnsignedInt(bytes.get(JAVA_BYTE, OFFSET_LOG_GROUPS_PER_FLEX));
    }

    long errorCount() {
        return u32(OFFSET_ERROR_COUNT);
    }

    /** Block size in bytes: {@code 1024 << s_log_block_size}. */
    long blockSize() {
        return 1024L << logBlockSize();
    }

    boolean hasIncompat(int feature) {
        return (featureIncompat() & feature) != 0;
    }

    boolean hasRoCompat(int feature) {
        return (featureRoCompat() & feature) != 0;
    }

    boolean hasCompat(int feature) {
        return (featureCompat() & feature) != 0;
    }

    /**
     * Which ext it "is", by libblkid's rule ({@code superblocks/ext.c}): 3 with a journal and no
     * feature beyond what the ext3 driver knew, 2 without a journal and no feature beyond ext2's,
     * else 4; 0 for a bad magic or an external journal device (not a filesystem). Revision 0 has no
     * feature fields, whatever bytes are there.
     */
    public int generation() {
        if (magic() != EXT2_SUPER_MAGIC) {
            return 0;
        }
        boolean rev0 = revLevel() == EXT2_GOOD_OLD_REV;
        int compat = rev0 ? 0 : featureCompat();
        int incompat = rev0 ? 0 : featureIncompat();
        int roCompat = rev0 ? 0 : featureRoCompat();
        if ((incompat & Ext2FeatureCheck.INCOMPAT_JOURNAL_DEV) != 0) {
            return 0;
        }
        boolean journal = (compat & COMPAT_HAS_JOURNAL) != 0;
        int supported = journal ? EXT3_INCOMPAT_SUPP : EXT2_INCOMPAT_SUPP;
        if ((incompat & ~supported) != 0 || (roCompat & ~EXT23_RO_COMPAT_SUPP) != 0) {
            return 4;
        }
        return journal ? 3 : 2;
    }
}
