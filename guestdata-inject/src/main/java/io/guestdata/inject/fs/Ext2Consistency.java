package io.guestdata.inject.fs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import io.guestdata.inject.fs.GuestFsException.Kind;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * What a kernel checks before it mounts an ext2/3/4 filesystem and libext2fs does not, checked on an
 * open {@code ext2_filsys} before anything is planned or written, in this order:
 *
 * <ol>
 *   <li><b>geometry</b> (Linux {@code ext4_check_geometry} and {@code ext4_fill_super}, e2fsck's
 *       {@code check_super_block}): the blocks must fit the window the filesystem is opened in, the
 *       first data block is 1 with 1 KiB blocks and 0 otherwise, blocks and inodes per group at most
 *       8 × block size and multiples of 8 (libext2fs' bitmap code relies on it), at least one inode
 *       table block of inodes per group, the group count below 2^32 less a descriptor block, at most
 *       block size / 4 reserved GDT blocks and none without resize_inode, {@code s_first_ino} from 11
 *       to the inode count, the reserved, free block and free inode counts within their totals; the
 *       journal, quota and orphan-file inode numbers as e2fsck accepts them;</li>
 *   <li><b>group descriptors</b> (Linux {@code ext4_check_descriptors}): per group, the descriptor
 *       checksum (gdt_csum/metadata_csum), the block bitmap, inode bitmap and inode table inside
 *       the group (inside the filesystem with flex_bg), counts no larger than the group; then
 *       libext2fs' own {@code ext2fs_check_desc} (no two groups' metadata on the same block, none on
 *       a superblock or descriptor copy). Only then are the bitmaps read: libext2fs reads a bitmap
 *       whose location is out of range as all zeros, "every block free", and would allocate over
 *       live data;</li>
 *   <li><b>bitmaps against descriptors</b> (e2fsck pass 5): per group, the free bits of the block
 *       and inode bitmaps, as libext2fs presents them (BLOCK_UNINIT/INODE_UNINIT groups
 *       synthesised), equal {@code bg_free_blocks_count} and {@code bg_free_inodes_count}; no
 *       inode in use in a group's {@code bg_itable_unused} tail; the superblock's free totals
 *       equal the groups' sums (mke2fs, libext2fs and a kernel's clean unmount all write them so);
 *       and the reserved inodes below {@code s_first_ino} in use. Which ordinary inodes are in use
 *       is known only from the inodes themselves: {@link Ext2Census} checks it.</li>
 * </ol>
 *
 * Every refusal is a {@link Kind#CORRUPT} that names the group, block or count and the limit. The
 * bitmaps are fetched a group at a time with {@code ext2fs_get_*_bitmap_range2}, never a call per bit.
 */
final class Ext2Consistency {

    /** {@code EXT2_BAD_INO}, {@code ext2_fs.h}. */
    static final int EXT2_BAD_INO = 1;

    /** {@code EXT4_USR_QUOTA_INO}, {@code EXT4_GRP_QUOTA_INO}: the reserved inodes of the user and group quota. */
    static final int USR_QUOTA_INO = 3;
    static final int GRP_QUOTA_INO = 4;

    /** {@code EXT4_MIN_DESC_SIZE_64BIT}/{@code EXT2_MAX_DESC_SIZE}: the 64bit descriptor size range. */
    private static final int MIN_DESC_SIZE_64BIT = 64;
    private static final int MAX_DESC_SIZE = 1024;

    private final Ext2Filsys fs;
    private final Ext2SuperBlock sb;
    private final long windowBytes;
    private final String image;
    private final long groups;
    private final int clusterBits;
    private final boolean groupChecksums;

    private Ext2Consistency(Ext2Filsys fs, long windowBytes, String image) {
        this.fs = fs;
        this.sb = Ext2SuperBlock.parse(fs.superBlock());
        this.windowBytes = windowBytes;
        this.image = image;
        this.groups = fs.groupDescCount();
        this.clusterBits = fs.clusterRatioBits();
        this.groupChecksums = sb.hasRoCompat(Ext2FeatureCheck.RO_COMPAT_GDT_CSUM)
                || sb.hasRoCompat(Ext2FeatureCheck.RO_COMPAT_METADATA_CSUM);
    }

    /**
     * Checks geometry and descriptors, reads the bitmaps ({@code ext2fs_read_bitmaps}) and checks
     * them against the descriptors and the superblock.
     *
     * @param windowBytes the size of the partition or device window the filesystem is opened in
     * @param image       how the image is named in messages
     * @throws GuestFsException CORRUPT for the first problem found, LIBEXT2FS when the bitmaps cannot be read
     */
    static void check(Ext2Filsys fs, long windowBytes, String image) throws GuestFsException {
        Ext2Consistency c = new Ext2Consistency(fs, windowBytes, image);
        c.geometry();
        c.descriptors();
        long err = LibExt2fs.readBitmaps(fs.address());
        if (err != 0) {
            throw new GuestFsException(Kind.CORRUPT, "open " + image, null, "reading the block and inode bitmaps", err);
        }
        c.bitmaps();
    }

    private GuestFsException corrupt(String detail) {
        return new GuestFsException(Kind.CORRUPT, "open " + image, null, "corrupt filesystem: " + detail);
    }

    // --- geometry ------------------------------------------------------------------------------

    private void geometry() throws GuestFsException {
        long blockSize = sb.blockSize();
        long blocks = sb.blocksCount();
        if (windowBytes < 0 || Long.compareUnsigned(blocks, Long.divideUnsigned(windowBytes, blockSize)) > 0) {
            throw corrupt("block count " + Long.toUnsignedString(blocks) + " × " + blockSize + " bytes ("
                    + Long.toUnsignedString(blocks * blockSize) + " bytes) exceeds the " + windowBytes
                    + "-byte partition or device it is in (Linux: \"bad geometry: block count exceeds size of device\")");
        }
        long firstData = sb.firstDataBlock();
        long expectedFirst = blockSize == 1024 ? 1 : 0;
        if (firstData != expectedFirst) {
            throw corrupt("s_first_data_block is " + firstData + "; with " + blockSize + "-byte blocks it must be "
                    + expectedFirst);
        }
        long bitsPerBlock = blockSize * 8;
        long clustersPerGroup = sb.clustersPerGroup();
        if (clustersPerGroup > bitsPerBlock || clustersPerGroup % 8 != 0 || clustersPerGroup == 0) {
            throw corrupt("s_clusters_per_group " + clustersPerGroup + " is not a multiple of 8 from 8 to "
                    + bitsPerBlock + " (the bits of one bitmap block)");
        }
        long inodesPerGroup = sb.inodesPerGroup();
        long inodesPerBlock = blockSize / sb.inodeSize();
        if (inodesPerGroup > bitsPerBlock || inodesPerGroup % 8 != 0 || inodesPerGroup < inodesPerBlock) {
            throw corrupt("s_inodes_per_group " + inodesPerGroup + " is not a multiple of 8 from " + inodesPerBlock
                    + " (one inode table block) to " + bitsPerBlock + " (the bits of one bitmap block)");
        }
        long descPerBlock = blockSize / sb.descSize();
        if (groups > (1L << 32) - descPerBlock) {
            throw corrupt(groups + " block groups, more than 2^32 - " + descPerBlock);
        }
        int rawDesc = sb.rawDescSize();
        if (rawDesc != 0 && (rawDesc > MAX_DESC_SIZE || Integer.bitCount(rawDesc) != 1)) {
            throw corrupt("s_desc_size " + rawDesc + " is not 0 or a power of 2 up to " + MAX_DESC_SIZE
                    + " (e2fsck: \"Corruption found in superblock\")");
        }
        if (sb.hasIncompat(Ext2FeatureCheck.INCOMPAT_64BIT)) {
            int d = sb.descSize();
            if (d < MIN_DESC_SIZE_64BIT || d > MAX_DESC_SIZE || Integer.bitCount(d) != 1) {
                throw corrupt("s_desc_size " + d + " is not a power of 2 from " + MIN_DESC_SIZE_64BIT + " to "
                        + MAX_DESC_SIZE);
            }
        }
        if (sb.reservedGdtBlocks() > blockSize / 4) {
            throw corrupt("s_reserved_gdt_blocks " + sb.reservedGdtBlocks() + " is more than block size / 4 = "
                    + blockSize / 4);
        }
        if (sb.reservedGdtBlocks() != 0 && !sb.hasCompat(Ext2SuperBlock.COMPAT_RESIZE_INODE)) {
            // e2fsck's check_super_block (PR_0_NONZERO_RESERVED_GDT_BLOCKS): the reserve belongs to resize_inode.
            throw corrupt("s_reserved_gdt_blocks is " + sb.reservedGdtBlocks() + " without the resize_inode feature"
                    + " (e2fsck: \"Filesystem does not have resize_inode enabled, but s_reserved_gdt_blocks is N;"
                    + " should be zero\")");
        }
        long inodes = sb.inodesCount();
        if (inodes != groups * inodesPerGroup) {
            throw corrupt("s_inodes_count " + inodes + " is not " + groups + " groups × " + inodesPerGroup
                    + " inodes per group");
        }
        long firstIno = sb.firstIno();
        if (firstIno != Ext2SuperBlock.EXT2_GOOD_OLD_FIRST_INO || firstIno >= inodes) {
            // mke2fs always writes 11; another value moves the line between reserved and ordinary inodes,
            // and e2fsck then calls the in-use inodes below it invalid (and lost+found with them).
            throw corrupt("s_first_ino is " + firstIno + ", not " + Ext2SuperBlock.EXT2_GOOD_OLD_FIRST_INO
                    + " as mke2fs writes it (with " + inodes + " inodes)");
        }
        if (Long.compareUnsigned(sb.reservedBlocksCount(), blocks) > 0) {
            throw corrupt("s_r_blocks_count " + Long.toUnsignedString(sb.reservedBlocksCount())
                    + " is more than the " + blocks + " blocks");
        }
        if (Long.compareUnsigned(sb.freeBlocksCount(), blocks) > 0) {
            throw corrupt("s_free_blocks_count " + Long.toUnsignedString(sb.freeBlocksCount())
                    + " is more than the " + blocks + " blocks");
        }
        if (sb.freeInodesCount() > inodes) {
            throw corrupt("s_free_inodes_count " + sb.freeInodesCount() + " is more than the " + inodes + " inodes");
        }
        extraIsize("s_min_extra_isize", sb.minExtraIsize());
        extraIsize("s_want_extra_isize", sb.wantExtraIsize());
        journal();
        hiddenInodes();
        badBlocksInode();
    }

    /**
     * The other inodes the superblock names, as e2fsck judges them. The quota inodes: pass 1 takes
     * {@code s_prj_quota_inum} for a reserved quota inode whatever the features say (marks it in
     * use, clears it when it holds anything), pass 2 refuses a directory entry naming any of the
     * three, and {@code e2fsck_validate_quota_inodes} refuses another reserved inode or one beyond
     * {@code s_inodes_count}: so 0 without the quota feature (as mke2fs and tune2fs -O ^quota leave
     * them), with it 0 or a valid inode. The orphan file: 0 without orphan_file (tune2fs -O
     * ^orphan_file clears it; pass 1 would clear the inode it names), with it an ordinary inode
     * ({@code ext2fs_create_orphan_file} allocates one). {@code s_lpf_ino} and {@code s_snapshot_inum}
     * are read neither by e2fsck nor by libext2fs.
     */
    private void hiddenInodes() throws GuestFsException {
        boolean quota = sb.hasRoCompat(Ext2FeatureCheck.RO_COMPAT_QUOTA);
        long[] quotaInodes = {sb.usrQuotaInum(), sb.grpQuotaInum(), sb.prjQuotaInum()};
        String[] fields = {"s_usr_quota_inum", "s_grp_quota_inum", "s_prj_quota_inum"};
        for (int q = 0; q < quotaInodes.length; q++) {
            long ino = quotaInodes[q];
            if (ino != 0 && !quota) {
                throw corrupt(fields[q] + " is " + ino + " without the quota feature (e2fsck takes it for a quota"
                        + " inode: \"Inode bitmap differences\" or \"quota inode is not in use, but contains data\")");
            }
            boolean otherReserved = ino < Ext2SuperBlock.EXT2_GOOD_OLD_FIRST_INO && ino != USR_QUOTA_INO
                    && ino != GRP_QUOTA_INO;
            if (ino != 0 && (otherReserved || ino > sb.inodesCount())) {
                throw corrupt(fields[q] + " is " + ino + ", another reserved inode or beyond the " + sb.inodesCount()
                        + " inodes (e2fsck: \"Invalid user/group/project quota inode\")");
            }
        }
        long orphan = sb.orphanFileInum();
        boolean orphanFile = sb.hasCompat(Ext2SuperBlock.COMPAT_ORPHAN_FILE);
        if (!orphanFile && orphan != 0) {
            throw corrupt("s_orphan_file_inum is " + orphan + " without the orphan_file feature (e2fsck then clears"
                    + " that inode or reports it in the inode bitmap)");
        }
        if (orphanFile && (orphan < sb.firstIno() || orphan > sb.inodesCount())) {
            throw corrupt("s_orphan_file_inum is " + orphan + "; with orphan_file it is an ordinary inode from "
                    + sb.firstIno() + " to " + sb.inodesCount());
        }
    }

    /**
     * The bad-blocks inode (1) must be empty, as mke2fs leaves it without {@code -c}: a bad-blocks
     * list is not supported (its blocks are not in the census), and a garbage one makes e2fsck abort.
     */
    private void badBlocksInode() throws GuestFsException {
        try (Arena arena = Arena.ofConfined()) {
            Ext2Inode inode = Ext2Inode.allocate(arena);
            long err = LibExt2fs.readInode(fs.address(), EXT2_BAD_INO, inode.segment());
            if (err != 0) {
                throw new GuestFsException(Kind.CORRUPT, "open " + image, null, "corrupt filesystem: reading the"
                        + " bad-blocks inode " + EXT2_BAD_INO, err);
            }
            boolean empty = inode.size() == 0;
            for (int slot = 0; empty && slot < Ext2Inode.BLOCK_BYTES / 4; slot++) {
                empty = inode.blockSlot(slot) == 0;
            }
            if (!empty) {
                throw new GuestFsException(Kind.UNSUPPORTED_FEATURE, "open " + image, null, "the bad-blocks inode "
                        + EXT2_BAD_INO + " is not empty (" + inode.size() + " bytes, first block " + inode.blockSlot(0)
                        + "): filesystems with a bad-blocks list are not written (e2fsck -fn shows it)");
            }
        }
    }

    /** e2fsck's rule for large inodes: 0, or 4 to inode size − 128 in steps of 4 (Linux: "bad s_want_extra_isize"). */
    private void extraIsize(String field, int value) throws GuestFsException {
        int max = sb.inodeSize() - Ext2SuperBlock.EXT2_GOOD_OLD_INODE_SIZE;
        if (max > 0 && value != 0 && (value < 4 || value > max || value % 4 != 0)) {
            throw corrupt(field + " is " + value + "; with " + sb.inodeSize() + "-byte inodes it must be 0 or a"
                    + " multiple of 4 from 4 to " + max);
        }
    }

    /**
     * The journal the superblock names: none without has_journal (e2fsck otherwise tries to load one
     * and cannot proceed), inode 8 with it, and that inode a regular file in use. An external
     * journal device is not supported (it cannot be checked or replayed here).
     */
    private void journal() throws GuestFsException {
        long inum = sb.journalInum();
        if (!sb.hasCompat(Ext2SuperBlock.COMPAT_HAS_JOURNAL_FEATURE)) {
            if (inum != 0 || sb.namesExternalJournal()) {
                throw corrupt((inum != 0 ? "s_journal_inum is " + inum : "s_journal_dev or s_journal_uuid names a"
                        + " journal device") + " but the has_journal feature is off (e2fsck then looks for that"
                        + " journal and cannot check the filesystem)");
            }
            return;
        }
        if (inum == 0) {
            throw new GuestFsException(Kind.UNSUPPORTED_FEATURE, "open " + image, null, "the journal is on an external"
                    + " device (has_journal with s_journal_inum 0); guestdata opens only self-contained filesystems");
        }
        if (inum != Ext2SuperBlock.EXT2_JOURNAL_INO) {
            throw corrupt("s_journal_inum is " + inum + "; mke2fs and tune2fs put the journal in inode "
                    + Ext2SuperBlock.EXT2_JOURNAL_INO);
        }
        if (sb.namesExternalJournal()) {
            // e2fsck takes a non-null s_journal_uuid for an external journal and stops when it cannot find it;
            // the kernel refuses a journal inode together with a journal device.
            throw corrupt("s_journal_dev or s_journal_uuid names a journal device besides the journal inode "
                    + inum + " (e2fsck then looks for that device and cannot check the filesystem)");
        }
        try (Arena arena = Arena.ofConfined()) {
            Ext2Inode inode = Ext2Inode.allocate(arena);
            long err = LibExt2fs.readInode(fs.address(), (int) inum, inode.segment());
            if (err != 0) {
                throw new GuestFsException(Kind.CORRUPT, "open " + image, null, "corrupt filesystem: reading the"
                        + " journal inode " + inum, err);
            }
            if (inode.type() != FileType.REGULAR || inode.linksCount() == 0 || inode.size() == 0) {
                throw corrupt("the journal inode " + inum + " is not a regular file in use (mode 0"
                        + Integer.toOctalString(inode.mode()) + ", " + inode.linksCount() + " links, " + inode.size()
                        + " bytes)");
            }
        }
    }

    // --- group descriptors ---------------------------------------------------------------------

    private void descriptors() throws GuestFsException {
        MemorySegment h = fs.address();
        boolean flexBg = sb.hasIncompat(Ext2FeatureCheck.INCOMPAT_FLEX_BG);
        long fsFirst = sb.firstDataBlock();
        long fsLast = sb.blocksCount() - 1;
        long itableBlocks = fs.inodeBlocksPerGroup();
        long inodesPerGroup = sb.inodesPerGroup();
        for (int g = 0; g < groups; g++) {
            if (groupChecksums && !LibExt2fs.groupDescCsumVerify(h, g)) {
                throw corrupt("group " + g + ": the group descriptor checksum does not match (Linux: \"Checksum for"
                        + " group failed\")");
            }
            int uninit = LibExt2fs.bgFlags(h, g) & (LibExt2fs.EXT2_BG_INODE_UNINIT | LibExt2fs.EXT2_BG_BLOCK_UNINIT);
            if (!groupChecksums && LibExt2fs.bgItableUnused(h, g) != 0) {
                throw corrupt("group " + g + " has bg_itable_unused " + LibExt2fs.bgItableUnused(h, g)
                        + " without the gdt_csum or metadata_csum feature");
            }
            if (!groupChecksums && uninit != 0) {
                throw corrupt("group " + g + " is marked " + ((uninit & LibExt2fs.EXT2_BG_INODE_UNINIT) != 0
                        ? "INODE_UNINIT" : "BLOCK_UNINIT") + " (bg_flags 0x" + Integer.toHexString(uninit)
                        + ") without the gdt_csum or metadata_csum feature");
            }
            long first = flexBg ? fsFirst : LibExt2fs.groupFirstBlock(h, g);
            long last = flexBg ? fsLast : LibExt2fs.groupLastBlock(h, g);
            String range = flexBg ? "the filesystem's blocks " + first + "-" + last
                    : "the group's blocks " + first + "-" + last;
            requireInside(g, "block bitmap", LibExt2fs.blockBitmapLoc(h, g), 1, first, last, range);
            requireInside(g, "inode bitmap", LibExt2fs.inodeBitmapLoc(h, g), 1, first, last, range);
            requireInside(g, "inode table", LibExt2fs.inodeTableLoc(h, g), itableBlocks, first, last, range);
            long groupClusters = clustersOf(g);
            long freeBlocks = LibExt2fs.bgFreeBlocksCount(h, g);
            if (freeBlocks > groupClusters) {
                throw corrupt("group " + g + ": bg_free_blocks_count " + freeBlocks + " is more than the group's "
                        + groupClusters + (clusterBits == 0 ? " blocks" : " clusters"));
            }
            long freeInodes = LibExt2fs.bgFreeInodesCount(h, g);
            long usedDirs = LibExt2fs.bgUsedDirsCount(h, g);
            long unused = groupChecksums ? LibExt2fs.bgItableUnused(h, g) : 0;
            if (freeInodes > inodesPerGroup || usedDirs > inodesPerGroup || unused > inodesPerGroup) {
                throw corrupt("group " + g + ": bg_free_inodes_count " + freeInodes + ", bg_used_dirs_count " + usedDirs
                        + " or bg_itable_unused " + unused + " is more than the " + inodesPerGroup
                        + " inodes per group");
            }
        }
        long err = LibExt2fs.checkDesc(h);
        if (err != 0) {
            throw new GuestFsException(Kind.CORRUPT, "open " + image, null,
                    "corrupt filesystem: ext2fs_check_desc found two groups' bitmaps or inode tables overlapping, or"
                            + " one on a superblock or group descriptor copy", err);
        }
    }

    private void requireInside(int group, String what, long start, long count, long first, long last, String range)
            throws GuestFsException {
        long end = start + count - 1;
        if (Long.compareUnsigned(start, first) < 0 || Long.compareUnsigned(end, last) > 0 || end < start) {
            throw corrupt("group " + group + ": the " + what + " at block " + Long.toUnsignedString(start)
                    + (count > 1 ? " (" + count + " blocks)" : "") + " is outside " + range
                    + " (Linux: \"" + what + " for group not in group\")");
        }
    }

    /** Clusters of group {@code g}: clusters per group, fewer for the last group. */
    private long clustersOf(int g) {
        MemorySegment h = fs.address();
        return (LibExt2fs.groupLastBlock(h, g) >> clusterBits) - (LibExt2fs.groupFirstBlock(h, g) >> clusterBits) + 1;
    }

    // --- bitmaps ---------------------------------------------------------------------------------

    private void bitmaps() throws GuestFsException {
        MemorySegment h = fs.address();
        long inodesPerGroup = sb.inodesPerGroup();
        long sumFreeClusters = 0;
        long sumFreeInodes = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bits = arena.allocate((Math.max(sb.clustersPerGroup(), inodesPerGroup) + 63) / 64 * 8, 8);
            for (int g = 0; g < groups; g++) {
                long firstCluster = LibExt2fs.groupFirstBlock(h, g) >> clusterBits;
                long clusters = clustersOf(g);
                check(LibExt2fs.getBlockBitmapRange(fs.blockMap(), firstCluster, clusters, bits), "block", g);
                long freeClusters = clusters - countSet(bits, clusters);
                long descFree = LibExt2fs.bgFreeBlocksCount(h, g);
                if (freeClusters != descFree) {
                    throw corrupt("group " + g + ": the block bitmap has " + freeClusters + " free "
                            + (clusterBits == 0 ? "blocks" : "clusters") + ", its descriptor says " + descFree
                            + " (bg_free_blocks_count" + blockUninit(g) + ")");
                }
                sumFreeClusters += freeClusters;

                check(LibExt2fs.getInodeBitmapRange(fs.inodeMap(), (long) g * inodesPerGroup + 1, inodesPerGroup,
                        bits), "inode", g);
                long used = countSet(bits, inodesPerGroup);
                long descFreeInodes = LibExt2fs.bgFreeInodesCount(h, g);
                if (inodesPerGroup - used != descFreeInodes) {
                    throw corrupt("group " + g + ": the inode bitmap has " + (inodesPerGroup - used)
                            + " free inodes, its descriptor says " + descFreeInodes + " (bg_free_inodes_count"
                            + inodeUninit(g) + ")");
                }
                if (groupChecksums) {
                    long unused = LibExt2fs.bgItableUnused(h, g);
                    long highest = highestSet(bits, inodesPerGroup);
                    if (highest >= inodesPerGroup - unused) {
                        throw corrupt("group " + g + ": inode " + ((long) g * inodesPerGroup + highest + 1)
                                + " is in use, but bg_itable_unused " + unused + " says the group's inodes from "
                                + ((long) g * inodesPerGroup + inodesPerGroup - unused + 1) + " on were never used");
                    }
                }
                sumFreeInodes += descFreeInodes;
            }
            reservedInodesInUse(bits);
        }
        long sumFreeBlocks = sumFreeClusters << clusterBits;
        if (sb.freeBlocksCount() != sumFreeBlocks) {
            throw corrupt("the superblock says " + sb.freeBlocksCount() + " free blocks (s_free_blocks_count), the"
                    + " group descriptors and bitmaps " + sumFreeBlocks);
        }
        if (sb.freeInodesCount() != sumFreeInodes) {
            throw corrupt("the superblock says " + sb.freeInodesCount() + " free inodes (s_free_inodes_count), the"
                    + " group descriptors and bitmaps " + sumFreeInodes);
        }
    }

    /**
     * The reserved inodes 1 to {@code s_first_ino} - 1 are in use in the inode bitmap, as mke2fs
     * marks them and e2fsck pass 1 counts them whatever they hold (pass 5: "Inode bitmap
     * differences: +N"). A free one would be handed out by the next inode allocation.
     */
    private void reservedInodesInUse(MemorySegment bits) throws GuestFsException {
        long reserved = sb.firstIno() - 1;
        check(LibExt2fs.getInodeBitmapRange(fs.inodeMap(), 1, reserved, bits), "inode", 0);
        for (long i = 0; i < reserved; i++) {
            if (bit(bits, i) == 0) {
                throw corrupt("reserved inode " + (i + 1) + " is free in the inode bitmap; inodes 1-" + reserved
                        + " are always in use (e2fsck: \"Inode bitmap differences: +" + (i + 1) + "\")");
            }
        }
    }

    private void check(long err, String which, int group) throws GuestFsException {
        if (err != 0) {
            throw new GuestFsException(Kind.LIBEXT2FS, "open " + image, null,
                    "fetching group " + group + "'s " + which + " bitmap", err);
        }
    }

    private String blockUninit(int g) {
        return groupChecksums && (LibExt2fs.bgFlags(fs.address(), g) & LibExt2fs.EXT2_BG_BLOCK_UNINIT) != 0
                ? "; the group is BLOCK_UNINIT, so libext2fs computed its bitmap" : "";
    }

    private String inodeUninit(int g) {
        return groupChecksums && (LibExt2fs.bgFlags(fs.address(), g) & LibExt2fs.EXT2_BG_INODE_UNINIT) != 0
                ? "; the group is INODE_UNINIT, so libext2fs presents an empty bitmap" : "";
    }

    /** Set bits among the first {@code count} bits of {@code bits} (little-endian bit order, as libext2fs packs them). */
    static long countSet(MemorySegment bits, long count) {
        long set = 0;
        long words = count / 64;
        for (long w = 0; w < words; w++) {
            set += Long.bitCount(bits.get(JAVA_LONG_UNALIGNED, w * 8));
        }
        for (long i = words * 64; i < count; i++) {
            set += bit(bits, i);
        }
        return set;
    }

    /** Index of the highest set bit among the first {@code count}, or -1. */
    static long highestSet(MemorySegment bits, long count) {
        for (long i = count - 1; i >= 0; i--) {
            if (i % 64 == 63 && bits.get(JAVA_LONG_UNALIGNED, (i / 64) * 8) == 0) {
                i -= 63;
                continue;
            }
            if (bit(bits, i) != 0) {
                return i;
            }
        }
        return -1;
    }

    static int bit(MemorySegment bits, long i) {
        return (bits.get(JAVA_BYTE, i >>> 3) >> (i & 7)) & 1;
    }
}
