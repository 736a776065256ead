package io.guestdata.inject.fs;

import java.lang.foreign.MemorySegment;
import java.util.Map;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The in-memory filesystem handle {@code struct struct_ext2_filsys} ({@code ext2fs.h}, the type
 * behind {@code ext2_filsys}). It is not an on-disk structure and its layout is the library's
 * ABI, so this class touches only the fields libext2fs offers no accessor for. It reads {@code flags}
 * (to prove a read-only open really is read-only), {@code super} (the superblock the feature,
 * geometry and free-space checks read), {@code group_desc_count}, {@code inode_blocks_per_group}
 * and {@code cluster_ratio_bits} (what libext2fs derived from the superblock when it opened it, so
 * the consistency checks use the very numbers libext2fs will use), and the bitmap handles
 * {@code inode_map}/{@code block_map} that {@code ext2fs_get_*_bitmap_range2} read. It sets
 * {@code now}, the time libext2fs stamps on what it creates itself (the inodes of
 * {@code ext2fs_mkdir}, the superblock's write time) instead of {@code time(NULL)}, as
 * {@code E2FSPROGS_FAKE_TIME} does.
 *
 * <p>The offsets are checked against the installed header by {@code StructLayoutTest}, which
 * compiles a C program printing {@code offsetof(struct struct_ext2_filsys, ...)}.
 */
// Restricted FFM methods (downcalls, reinterpret) are this class's purpose; the JVM runs
// with --enable-native-access for this module.
@SuppressWarnings("restricted")
final class Ext2Filsys {

    static final long OFFSET_FLAGS = 16;
    static final long OFFSET_SUPER = 32;
    static final long OFFSET_GROUP_DESC_COUNT = 48;
    static final long OFFSET_INODE_BLOCKS_PER_GROUP = 72;
    static final long OFFSET_INODE_MAP = 80;
    static final long OFFSET_BLOCK_MAP = 88;
    /** {@code time_t now}: 64-bit on the platforms the FFM bindings support. */
    static final long OFFSET_NOW = 184;
    static final long OFFSET_CLUSTER_RATIO_BITS = 192;
    /** Bytes of the struct this class may touch: up to and including {@code cluster_ratio_bits}. */
    private static final long TOUCHED_BYTES = OFFSET_CLUSTER_RATIO_BITS + JAVA_INT.byteSize();

    /** Field name → offset this class relies on, for the layout test. */
    static final Map<String, Long> OFFSETS = Map.of("flags", OFFSET_FLAGS, "super", OFFSET_SUPER,
            "group_desc_count", OFFSET_GROUP_DESC_COUNT, "inode_blocks_per_group", OFFSET_INODE_BLOCKS_PER_GROUP,
            "inode_map", OFFSET_INODE_MAP, "block_map", OFFSET_BLOCK_MAP, "now", OFFSET_NOW,
            "cluster_ratio_bits", OFFSET_CLUSTER_RATIO_BITS);

    private final MemorySegment handle;

    Ext2Filsys(MemorySegment handle) {
        this.handle = handle.reinterpret(TOUCHED_BYTES);
    }

    /** The {@code ext2_filsys} pointer itself, as passed to libext2fs functions. */
    MemorySegment address() {
        return handle;
    }

    int flags() {
        return handle.get(JAVA_INT, OFFSET_FLAGS);
    }

    /** {@code fs->group_desc_count}: block groups, as libext2fs computed them from the superblock. */
    long groupDescCount() {
        return Integer.toUnsignedLong(handle.get(JAVA_INT, OFFSET_GROUP_DESC_COUNT));
    }

    /** {@code fs->inode_blocks_per_group}: blocks of one group's inode table. */
    long inodeBlocksPerGroup() {
        return Integer.toUnsignedLong(handle.get(JAVA_INT, OFFSET_INODE_BLOCKS_PER_GROUP));
    }

    /** {@code fs->cluster_ratio_bits}: log2 of blocks per cluster (0 without bigalloc). */
    int clusterRatioBits() {
        return handle.get(JAVA_INT, OFFSET_CLUSTER_RATIO_BITS);
    }

    /** {@code fs->inode_map}; NULL until the bitmaps are read. */
    MemorySegment inodeMap() {
        return handle.get(ADDRESS, OFFSET_INODE_MAP);
    }

    /** {@code fs->block_map}; NULL until the bitmaps are read. */
    MemorySegment blockMap() {
        return handle.get(ADDRESS, OFFSET_BLOCK_MAP);
    }

    /** Sets {@code fs->now}: from then on libext2fs stamps this time (seconds since the epoch), not its own clock. */
    void setNow(long epochSecond) {
        handle.set(JAVA_LONG, OFFSET_NOW, epochSecond);
    }

    /** {@code fs->super}: libext2fs' in-memory copy of the superblock ({@code struct ext2_super_block}). */
    MemorySegment superBlock() {
        return handle.get(ADDRESS, OFFSET_SUPER).reinterpret(Ext2SuperBlock.SIZE);
    }
}
