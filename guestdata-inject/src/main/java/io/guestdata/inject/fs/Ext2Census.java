package io.guestdata.inject.fs;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import io.guestdata.inject.fs.GuestFsException.Kind;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Every name in the directory tree, counted once per open filesystem: how many directory entries
 * name each inode, which directories name each directory, and each directory's {@code ..}. It is
 * what lets a write believe a link count ({@code i_links_count} is just a number in the inode;
 * the names are the truth, as e2fsck pass 2 and 4 count them).
 *
 * <p>Taken with an inode scan ({@code ext2fs_open_inode_scan}/{@code ext2fs_get_next_inode_full},
 * which skips the never-used tail of each group's table) for the directory inodes in use, then each
 * directory's content read in bulk ({@code ext2fs_file_read}) and parsed here, every entry validated
 * ({@link Ext2DirEntry}). Refused as {@link Kind#CORRUPT}: an unparsable entry, a directory whose
 * first block does not start with "." (itself) and "..", a name for an inode the bitmap says is
 * free or for a reserved, quota or orphan-file inode, an in-use inode whose checksum fails or
 * that e2fsck pass 1 marks bad ({@code i_faddr}, the osd2 high halves without their feature), an
 * inode the bitmap says otherwise of than its link count (e2fsck pass 5 "+N"/"-N"), a size that is
 * not whole blocks, and a group whose {@code bg_used_dirs_count} is not the number of directories
 * in it (e2fsck pass 5).
 *
 * <p>The same scan checks block ownership, as e2fsck pass 1 does: every block an in-use inode maps
 * (extent tree nodes and leaves through {@code ext2fs_extent_get}, indirect and data blocks of
 * block-mapped inodes through {@code ext2fs_block_iterate3} with an upcall) lies inside the
 * filesystem, is marked in use in the block bitmap, and is claimed once, by no other inode and by
 * no superblock, descriptor, bitmap or inode table; the extended-attribute block is inside the
 * filesystem and in use. A block used but marked free would be handed out again by the next
 * allocation; a block claimed twice would be freed under the other owner by a rewrite. The resize
 * inode (7), whose blocks are the reserved descriptor blocks by design, is left out, as is
 * everything on a bigalloc filesystem (cluster ownership; bigalloc is refused for writing anyway).
 *
 * <p>Memory: 4 bytes per name, 8 per directory-to-directory name, 8 per directory, one bit per
 * inode. Names added by this process's own writes are kept beside the census.
 */
// Restricted FFM methods (upcall stub, reinterpret) walk libext2fs' block maps; the JVM runs with
// --enable-native-access for this module.
@SuppressWarnings("restricted")
final class Ext2Census {

    private static final int IO_CHUNK = 1 << 20;
    private static final int ROOT = Ext2SuperBlock.EXT2_ROOT_INO;
    /** {@code EXT2_RESIZE_INO}: maps the reserved GDT blocks, which are also descriptor blocks. */
    private static final long RESIZE_INO = 7;
    /** {@code offsetof(struct ext2_ext_attr_header, h_blocks)} ({@code ext2_ext_attr.h}). */
    static final long EA_OFFSET_H_BLOCKS = 8;
    /** {@code EXT2_DIND_BLOCK}: the double-indirect slot of {@code i_block}. */
    static final int DIND_SLOT = 13;

    /** {@code int (*func)(ext2_filsys, blk64_t *, e2_blkcnt_t, blk64_t, int, void *)} of {@code ext2fs_block_iterate3}. */
    private static final FunctionDescriptor BLOCK_VISITED_DESCRIPTOR = FunctionDescriptor.of(JAVA_INT, ADDRESS,
            ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS);
    private static final MethodHandle BLOCK_VISITED;

    static {
        try {
            BLOCK_VISITED = MethodHandles.lookup().findVirtual(Taker.class, "blockVisited", MethodType.methodType(
                    int.class, MemorySegment.class, MemorySegment.class, long.class, long.class, int.class,
                    MemorySegment.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Inode numbers named by a non-dot entry, sorted: the count of an inode is its run length. */
    private final int[] named;
    /** Directory inodes in use, sorted, and (same index) each one's ".." inode. */
    private final int[] directories;
    private final int[] dotDots;
    /** (child directory << 32 | parent directory) for every non-dot name of a directory, sorted. */
    private final long[] directoryNames;
    /** Names and directories this process created after the census. */
    private final Map<Integer, Integer> addedNames = new HashMap<>();
    private final Map<Integer, Integer> addedDirectories = new HashMap<>();

    private Ext2Census(int[] named, int[] directories, int[] dotDots, long[] directoryNames) {
        this.named = named;
        this.directories = directories;
        this.dotDots = dotDots;
        this.directoryNames = directoryNames;
    }

    /** Takes the census of an open filesystem whose bitmaps are read and checked ({@link Ext2Consistency}). */
    /**
     * @param window where the filesystem's blocks come from: told which directory blocks the census
     *               will read, once they are known, so a window with expensive reads fetches them in batches
     */
    static Ext2Census take(Ext2Filsys fs, String image, FilesystemWindow window) throws GuestFsException {
        return new Taker(fs, image, window).take();
    }

    /** How many non-dot directory entries name {@code ino}. */
    int names(int ino) {
        return runLength(named, ino) + addedNames.getOrDefault(ino, 0);
    }

    boolean isDirectory(int ino) {
        return Arrays.binarySearch(directories, ino) >= 0 || addedDirectories.containsKey(ino);
    }

    /** A file this process created: one new name. */
    void addedFile(int ino) {
        addedNames.merge(ino, 1, Integer::sum);
    }

    /** A directory this process created in {@code parent}. */
    void addedDirectory(int ino, int parent) {
        addedNames.merge(ino, 1, Integer::sum);
        addedDirectories.put(ino, parent);
    }

    /**
     * A directory on a written path: exactly one name besides "." and "..", in {@code parent}, and
     * its ".." is {@code parent} (the root: no name, ".." itself). Linux never makes a directory
     * hard link; e2fsck pass 3 refuses one.
     *
     * @param where how the directory is shown in messages
     */
    void requireTreeDirectory(int dir, int parent, String where, String operation, GuestPath path)
            throws GuestFsException {
        Integer added = addedDirectories.get(dir);
        if (added != null) {
            return; // made by this process with ext2fs_mkdir in that parent
        }
        int i = Arrays.binarySearch(directories, dir);
        if (i < 0) {
            throw new GuestFsException(Kind.CORRUPT, operation, path, where + " (inode "
                    + Integer.toUnsignedString(dir) + ") is not a directory in use by the inode scan");
        }
        int names = names(dir);
        int expectedNames = dir == ROOT ? 0 : 1;
        if (names != expectedNames) {
            throw new GuestFsException(Kind.CORRUPT, operation, path, "directory hard link: " + where + " (inode "
                    + Integer.toUnsignedString(dir) + ") has " + names + " names besides \".\" and \"..\"; a"
                    + " directory has exactly " + expectedNames);
        }
        if (dir != ROOT && !namedIn(dir, parent)) {
            throw new GuestFsException(Kind.CORRUPT, operation, path, where + " (inode " + Integer.toUnsignedString(dir)
                    + ") is not named in directory inode " + Integer.toUnsignedString(parent));
        }
        if (dotDots[i] != parent) {
            throw new GuestFsException(Kind.CORRUPT, operation, path, where + " (inode " + Integer.toUnsignedString(dir)
                    + ") has \"..\" = inode " + Integer.toUnsignedString(dotDots[i]) + ", but it is named in directory"
                    + " inode " + Integer.toUnsignedString(parent));
        }
    }

    /**
     * A non-directory that is written, appended, chmod'ed or chown'ed: its {@code i_links_count}
     * must be its number of names.
     *
     * @return the true link count
     */
    int requireTrueLinks(int ino, int linksCount, String where, String operation, GuestPath path)
            throws GuestFsException {
        int names = names(ino);
        if (names != linksCount) {
            throw new GuestFsException(Kind.CORRUPT, operation, path, "link count lies: " + where + " (inode "
                    + Integer.toUnsignedString(ino) + ") has i_links_count " + linksCount + ", but " + names
                    + " directory entr" + (names == 1 ? "y names" : "ies name") + " it; e2fsck would correct it,"
                    + " writing now could change a file under a name that was not asked for");
        }
        return names;
    }

    private boolean namedIn(int dir, int parent) {
        long key = (long) dir << 32 | Integer.toUnsignedLong(parent);
        return Arrays.binarySearch(directoryNames, key) >= 0;
    }

    private static int runLength(int[] sorted, int value) {
        int i = Arrays.binarySearch(sorted, value);
        if (i < 0) {
            return 0;
        }
        int lo = i;
        while (lo > 0 && sorted[lo - 1] == value) {
            lo--;
        }
        int hi = i;
        while (hi + 1 < sorted.length && sorted[hi + 1] == value) {
            hi++;
        }
        return hi - lo + 1;
    }

    /** The scan and the directory reads, with their growing arrays. */
    private static final class Taker {
        private final Ext2Filsys fs;
        private final String image;
        private final Ext2SuperBlock sb;
        private final int blockSize;
        private final long inodesCount;
        private final long inodesPerGroup;
        private MemorySegment inUse;
        private int[] dirs = new int[64];
        private int dirCount;
        private int[] named = new int[1024];
        private int namedCount;
        private long[] dirNames = new long[64];
        private int dirNameCount;
        /** Block ownership: blocks claimed so far (metadata first), the block bitmap, the inode being walked. */
        private MemorySegment claimed;
        private MemorySegment blockBitmap;
        private long blocksCount;
        private long firstDataBlock;
        private long walking;
        private String ownershipProblem;
        /** Extended-attribute blocks verified and claimed, shared by the inodes naming them. */
        private final java.util.Set<Long> attributeBlocks = new java.util.HashSet<>();
        private final FilesystemWindow window;
        /** The blocks of the directories claimed so far, to be fetched together before they are read. */
        private long[] directoryBlocks = new long[1024];
        private int directoryBlockCount;
        private boolean walkingDirectory;

        Taker(Ext2Filsys fs, String image, FilesystemWindow window) {
            this.fs = fs;
            this.image = image;
            this.window = window;
            this.sb = Ext2SuperBlock.parse(fs.superBlock());
            this.blockSize = (int) sb.blockSize();
            this.inodesCount = sb.inodesCount();
            this.inodesPerGroup = sb.inodesPerGroup();
        }

        private GuestFsException corrupt(String detail) {
            return new GuestFsException(Kind.CORRUPT, "census of " + image, null,
                    "corrupt filesystem, so no link count can be believed: " + detail);
        }

        Ext2Census take() throws GuestFsException {
            try (Arena arena = Arena.ofConfined()) {
                inUse = arena.allocate((inodesCount + 64) / 64 * 8, 8);
                long err = LibExt2fs.getInodeBitmapRange(fs.inodeMap(), 1, inodesCount, inUse);
                if (err != 0) {
                    throw new GuestFsException(Kind.LIBEXT2FS, "census of " + image, null, "fetching the inode bitmap",
                            err);
                }
                boolean ownership = fs.clusterRatioBits() == 0;
                if (ownership) {
                    prepareOwnership(arena);
                }
                scanDirectories(arena, ownership);
                prefetchDirectories();
                int[] sortedDirs = Arrays.copyOf(dirs, dirCount);
                Arrays.sort(sortedDirs);
                int[] dotDots = new int[dirCount];
                for (int i = 0; i < sortedDirs.length; i++) {
                    dotDots[i] = readDirectory(arena, sortedDirs[i], sortedDirs);
                }
                int[] sortedNames = Arrays.copyOf(named, namedCount);
                Arrays.sort(sortedNames);
                long[] sortedDirNames = Arrays.copyOf(dirNames, dirNameCount);
                Arrays.sort(sortedDirNames);
                return new Ext2Census(sortedNames, sortedDirs, dotDots, sortedDirNames);
            }
        }

        /**
         * Tells the window which blocks the directory reads below will need (known from the block
         * ownership walk), in ascending order: a sandboxed worker then fetches them in a few batches
         * instead of one round trip per directory.
         */
        private void prefetchDirectories() throws GuestFsException {
            if (directoryBlockCount == 0) {
                return;
            }
            long[] positions = Arrays.copyOf(directoryBlocks, directoryBlockCount);
            Arrays.sort(positions);
            for (int i = 0; i < positions.length; i++) {
                positions[i] *= blockSize;
            }
            try {
                window.prefetch(positions, blockSize);
            } catch (java.io.IOException e) {
                throw new GuestFsException(Kind.LIBEXT2FS, "census of " + image, null,
                        "reading the directories' blocks: " + e.getMessage());
            }
        }

        private boolean inUse(long ino) {
            return Ext2Consistency.bit(inUse, ino - 1) != 0;
        }

        /** Every directory inode in use, and per group their number against {@code bg_used_dirs_count}. */
        private void scanDirectories(Arena arena, boolean ownership) throws GuestFsException {
            MemorySegment visit = ownership ? Linker.nativeLinker().upcallStub(BLOCK_VISITED.bindTo(this),
                    BLOCK_VISITED_DESCRIPTOR, arena) : MemorySegment.NULL;
            Ext2Extent extent = new Ext2Extent(arena);
            MemorySegment scanSlot = arena.allocate(ADDRESS);
            long err = LibExt2fs.openInodeScan(fs.address(), scanSlot);
            if (err != 0) {
                throw new GuestFsException(Kind.LIBEXT2FS, "census of " + image, null, "opening the inode scan", err);
            }
            MemorySegment scan = scanSlot.get(ADDRESS, 0);
            long groups = fs.groupDescCount();
            long[] dirsPerGroup = new long[(int) groups];
            try {
                MemorySegment inoSlot = arena.allocate(JAVA_INT);
                Ext2Inode inode = Ext2Inode.allocate(arena);
                while (true) {
                    err = LibExt2fs.getNextInodeFull(scan, inoSlot, inode.segment(), (int) Ext2Inode.SIZE);
                    long ino = Integer.toUnsignedLong(inoSlot.get(JAVA_INT, 0));
                    if (err == LibExt2fs.EXT2_ET_INODE_CSUM_INVALID || err == LibExt2fs.EXT2_ET_INODE_IS_GARBAGE) {
                        if (ino != 0 && inUse(ino)) {
                            throw corrupt("inode " + ino + " is in use but its checksum does not match");
                        }
                        continue;
                    }
                    if (err != 0) {
                        throw new GuestFsException(Kind.CORRUPT, "census of " + image, null,
                                "corrupt filesystem: the inode scan failed after inode " + ino, err);
                    }
                    if (ino == 0) {
                        break;
                    }
                    requireBitmapAgrees(ino, inode);
                    if (!inUse(ino)) {
                        continue;
                    }
                    if (inode.linksCount() == 0) {
                        if (ownership && ino < sb.firstIno()) {
                            claimAttributeBlockOnly(arena, (int) ino, inode); // reserved inodes: e2fsck checks them too
                        }
                        continue;
                    }
                    if (inode.type() == FileType.UNKNOWN) {
                        throw corrupt("inode " + ino + " is in use with an invalid mode 0"
                                + Integer.toOctalString(inode.mode()));
                    }
                    requireNotMarkedBad(ino, inode);
                    if (ownership && ino == RESIZE_INO) {
                        claimAttributeBlockOnly(arena, (int) ino, inode);
                        claimResizeInode(inode);
                    } else if (ownership) {
                        walkingDirectory = inode.type() == FileType.DIRECTORY;
                        claimBlocks(arena, (int) ino, inode, visit, extent);
                        walkingDirectory = false;
                    }
                    if (inode.type() != FileType.DIRECTORY) {
                        continue;
                    }
                    dirsPerGroup[(int) ((ino - 1) / inodesPerGroup)]++;
                    if (dirCount == dirs.length) {
                        dirs = Arrays.copyOf(dirs, dirs.length * 2);
                    }
                    dirs[dirCount++] = (int) ino;
                }
            } finally {
                LibExt2fs.closeInodeScan(scan);
            }
            if (ownership) {
                requireNoLeakedBlocks();
            }
            for (int g = 0; g < groups; g++) {
                long said = LibExt2fs.bgUsedDirsCount(fs.address(), g);
                if (said != dirsPerGroup[g]) {
                    throw corrupt("group " + g + " holds " + dirsPerGroup[g] + " directories, its descriptor says " + said
                            + " (bg_used_dirs_count)");
                }
            }
        }

        /**
         * The inode bitmap says of {@code ino} what e2fsck pass 1 finds: in use are the reserved
         * inodes (checked by {@link Ext2Consistency}), every inode with a link count, and the
         * project quota inode whatever it holds (pass 5 otherwise: "Inode bitmap differences: +N"
         * or "-N"). An inode in use but free in the bitmap would be handed out again by the next
         * inode allocation, over a live file; the counts cannot tell, when another bit is wrong the
         * other way.
         */
        private void requireBitmapAgrees(long ino, Ext2Inode inode) throws GuestFsException {
            if (ino < sb.firstIno()) {
                return;
            }
            boolean used = inode.linksCount() != 0 || ino == sb.prjQuotaInum();
            if (used && !inUse(ino)) {
                throw corrupt("inode " + ino + " has i_links_count " + inode.linksCount() + " (mode 0"
                        + Integer.toOctalString(inode.mode()) + ") but is free in the inode bitmap (e2fsck: \"Inode"
                        + " bitmap differences: +" + ino + "\"); the next new file would take it");
            }
            if (!used && inUse(ino)) {
                throw corrupt("inode " + ino + " is in use in the inode bitmap but has i_links_count 0 (e2fsck:"
                        + " \"Inode bitmap differences: -" + ino + "\")");
            }
        }

        /**
         * The fields e2fsck pass 1 marks an in-use inode bad for ({@code mark_inode_bad}; pass 2's
         * {@code e2fsck_process_bad_inode} then reports them under every path that names the inode):
         * {@code i_faddr}, an obsolete fragment address Linux never sets; {@code l_i_blocks_hi}
         * without huge_file; {@code l_i_file_acl_high} without 64bit; {@code i_size_high} of a
         * directory without largedir. GNU Hurd's layout of these fields is refused at open.
         */
        private void requireNotMarkedBad(long ino, Ext2Inode inode) throws GuestFsException {
            String field = null;
            if (inode.faddr() != 0) {
                field = "i_faddr " + inode.faddr() + ", an obsolete fragment address that Linux never sets and"
                        + " e2fsck requires to be 0";
            } else if (inode.blocksHi() != 0 && !sb.hasRoCompat(Ext2FeatureCheck.RO_COMPAT_HUGE_FILE)) {
                field = "i_blocks_hi " + inode.blocksHi() + " without the huge_file feature (e2fsck: \"i_blocks_hi"
                        + " for inode " + ino + " is " + inode.blocksHi() + ", should be zero\")";
            } else if (inode.fileAclHigh() != 0 && !sb.hasIncompat(Ext2FeatureCheck.INCOMPAT_64BIT)) {
                field = "i_file_acl_hi " + inode.fileAclHigh() + " without the 64bit feature (e2fsck: \"i_file_acl_hi"
                        + " for inode " + ino + " is " + inode.fileAclHigh() + ", should be zero\")";
            } else if (inode.type() == FileType.DIRECTORY && inode.sizeHigh() != 0
                    && !sb.hasIncompat(Ext2FeatureCheck.INCOMPAT_LARGEDIR)) {
                field = "i_size_high " + inode.sizeHigh() + " on a directory without the largedir feature (e2fsck:"
                        + " \"i_size_high for inode " + ino + " is " + inode.sizeHigh() + ", should be zero\")";
            }
            if (field != null) {
                throw corrupt("inode " + ino + " has " + field);
            }
        }

        /** The filesystem's own blocks (superblocks, descriptors, reserved GDT, bitmaps, inode tables) as claimed, and the block bitmap. */
        private void prepareOwnership(Arena arena) throws GuestFsException {
            blocksCount = sb.blocksCount();
            firstDataBlock = sb.firstDataBlock();
            long bits = blocksCount - firstDataBlock;
            claimed = arena.allocate((bits + 64) / 64 * 8, 8);
            blockBitmap = arena.allocate((bits + 64) / 64 * 8, 8);
            MemorySegment h = fs.address();
            checkLib(LibExt2fs.getBlockBitmapRange(fs.blockMap(), firstDataBlock, bits, blockBitmap),
                    "fetching the block bitmap");
            MemorySegment slot = arena.allocate(ADDRESS);
            checkLib(LibExt2fs.allocateBlockBitmap(h, arena.allocateFrom("metadata"), slot), "allocating a bitmap");
            MemorySegment metadata = slot.get(ADDRESS, 0);
            try {
                int itableBlocks = (int) fs.inodeBlocksPerGroup();
                for (int g = 0; g < fs.groupDescCount(); g++) {
                    LibExt2fs.reserveSuperAndBgd(h, g, metadata);
                    LibExt2fs.markBlockBitmapRange(metadata, LibExt2fs.blockBitmapLoc(h, g), 1);
                    LibExt2fs.markBlockBitmapRange(metadata, LibExt2fs.inodeBitmapLoc(h, g), 1);
                    LibExt2fs.markBlockBitmapRange(metadata, LibExt2fs.inodeTableLoc(h, g), itableBlocks);
                }
                checkLib(LibExt2fs.getBlockBitmapRange(metadata, firstDataBlock, bits, claimed),
                        "fetching the metadata bitmap");
            } finally {
                LibExt2fs.freeBlockBitmap(metadata);
            }
        }

        /** Claims every block inode {@code ino} maps; CORRUPT on the first one outside, free, or claimed before. */
        private void claimBlocks(Arena arena, int ino, Ext2Inode inode, MemorySegment visit, Ext2Extent extent)
                throws GuestFsException {
            walking = Integer.toUnsignedLong(ino);
            long acl = LibExt2fs.fileAclBlock(fs.address(), inode.segment());
            if (acl != 0 && (acl < firstDataBlock || acl >= blocksCount || !marked(blockBitmap, acl))) {
                throw corrupt("inode " + walking + "'s extended-attribute block " + acl
                        + (acl < firstDataBlock || acl >= blocksCount ? " is outside the filesystem"
                        : " is free in the block bitmap"));
            }
            if (acl != 0 && attributeBlocks.add(acl)) {
                // First time seen: verified, then claimed; later inodes share it (h_refcount).
                requireAttributeBlock(arena, ino, acl);
                String problem = claim(acl);
                if (problem != null) {
                    throw corrupt(problem);
                }
            }
            if (!LibExt2fs.inodeHasValidBlocks(fs.address(), inode.segment())) {
                return;
            }
            if ((inode.flags() & Ext2Inode.EXT4_EXTENTS_FL) != 0) {
                MemorySegment handleSlot = arena.allocate(ADDRESS);
                long err = LibExt2fs.extentOpen2(fs.address(), ino, inode.segment(), handleSlot);
                if (err != 0) {
                    throw new GuestFsException(Kind.CORRUPT, "census of " + image, null,
                            "corrupt filesystem: inode " + walking + "'s extent tree", err);
                }
                MemorySegment handle = handleSlot.get(ADDRESS, 0);
                try {
                    while (true) {
                        err = LibExt2fs.extentGet(handle, LibExt2fs.EXT2_EXTENT_NEXT, extent.segment());
                        if (err == LibExt2fs.EXT2_ET_EXTENT_NO_NEXT) {
                            break;
                        }
                        if (err != 0) {
                            throw new GuestFsException(Kind.CORRUPT, "census of " + image, null,
                                    "corrupt filesystem: inode " + walking + "'s extent tree", err);
                        }
                        if ((extent.flags() & LibExt2fs.EXT2_EXTENT_FLAGS_SECOND_VISIT) != 0) {
                            continue;
                        }
                        long count = (extent.flags() & LibExt2fs.EXT2_EXTENT_FLAGS_LEAF) != 0 ? extent.length() : 1;
                        for (long b = 0; b < count; b++) {
                            String problem = claim(extent.physical() + b);
                            if (problem != null) {
                                throw corrupt(problem);
                            }
                        }
                    }
                } finally {
                    LibExt2fs.extentFree(handle);
                }
                return;
            }
            ownershipProblem = null;
            long err = LibExt2fs.blockIterate3(fs.address(), ino, LibExt2fs.BLOCK_FLAG_READ_ONLY, visit,
                    MemorySegment.NULL);
            if (ownershipProblem != null) {
                throw corrupt(ownershipProblem);
            }
            if (err != 0) {
                throw new GuestFsException(Kind.CORRUPT, "census of " + image, null,
                        "corrupt filesystem: inode " + walking + "'s block map", err);
            }
        }

        /**
         * The resize inode (7) maps the reserved GDT blocks, already claimed as metadata, through
         * one double-indirect block: that block is its only own block; every other {@code i_block}
         * slot is 0 (e2fsck's {@code check_resize_inode}).
         */
        private void claimResizeInode(Ext2Inode inode) throws GuestFsException {
            walking = RESIZE_INO;
            for (int slot = 0; slot < Ext2Inode.BLOCK_BYTES / 4; slot++) {
                long b = inode.blockSlot(slot);
                if (slot != DIND_SLOT && b != 0) {
                    throw corrupt("the resize inode 7 has block " + b + " in i_block[" + slot + "]; only the"
                            + " double-indirect slot may be set");
                }
            }
            long dind = inode.blockSlot(DIND_SLOT);
            if (dind != 0) {
                String problem = claim(dind);
                if (problem != null) {
                    throw corrupt(problem);
                }
            }
        }

        /** The block bitmap is exactly the claimed blocks: inodes' and metadata (e2fsck pass 5, "+N" and "-N"). */
        private void requireNoLeakedBlocks() throws GuestFsException {
            long bits = blocksCount - firstDataBlock;
            for (long w = 0; w * 64 < bits; w++) {
                long inBitmap = blockBitmap.get(JAVA_LONG, w * 8);
                long differ = inBitmap ^ claimed.get(JAVA_LONG, w * 8);
                if (w * 64 + 64 > bits) {
                    differ &= (1L << (bits - w * 64)) - 1;
                }
                if (differ != 0) {
                    int bit = Long.numberOfTrailingZeros(differ);
                    long block = firstDataBlock + w * 64 + bit;
                    throw corrupt("block " + block + ((inBitmap >>> bit & 1) != 0
                            ? " is marked in use in the block bitmap, but no inode and no metadata uses it"
                            : " holds the filesystem's own metadata, but the block bitmap says it is free")
                            + " (e2fsck: block bitmap differences)");
                }
            }
        }

        private void claimAttributeBlockOnly(Arena arena, int ino, Ext2Inode inode) throws GuestFsException {
            walking = Integer.toUnsignedLong(ino);
            long acl = LibExt2fs.fileAclBlock(fs.address(), inode.segment());
            if (acl != 0 && (acl < firstDataBlock || acl >= blocksCount)) {
                throw corrupt("inode " + walking + "'s extended-attribute block " + acl + " is outside the filesystem");
            }
            if (acl != 0 && attributeBlocks.add(acl)) {
                requireAttributeBlock(arena, ino, acl);
                String problem = claim(acl);
                if (problem != null) {
                    throw corrupt(problem);
                }
            }
        }

        /** An extended-attribute block: magic and checksum ({@code ext2fs_read_ext_attr3}), one block long. */
        private void requireAttributeBlock(Arena arena, int ino, long block) throws GuestFsException {
            MemorySegment buffer = arena.allocate(blockSize, 8);
            long err = LibExt2fs.readExtAttr3(fs.address(), block, buffer, ino);
            if (err != 0) {
                throw new GuestFsException(Kind.CORRUPT, "census of " + image, null, "corrupt filesystem: inode "
                        + walking + "'s extended-attribute block " + block, err);
            }
            long blocks = Integer.toUnsignedLong(buffer.get(JAVA_INT, EA_OFFSET_H_BLOCKS));
            if (blocks != 1) {
                throw corrupt("inode " + walking + "'s extended-attribute block " + block + " says h_blocks " + blocks
                        + "; it must be 1");
            }
        }

        /** The upcall of {@code ext2fs_block_iterate3}: never throws (that would end the JVM), records the problem. */
        @SuppressWarnings("unused")
        private int blockVisited(MemorySegment fsHandle, MemorySegment blockNumber, long blockCount, long refBlock,
                                 int refOffset, MemorySegment priv) {
            try {
                String problem = claim(blockNumber.reinterpret(8).get(JAVA_LONG, 0));
                if (problem != null) {
                    ownershipProblem = problem;
                    return LibExt2fs.BLOCK_ABORT;
                }
                return 0;
            } catch (RuntimeException e) {
                ownershipProblem = "inode " + walking + ": " + e;
                return LibExt2fs.BLOCK_ABORT;
            }
        }

        /** Claims one block for the inode being walked; the problem, or null. */
        private String claim(long block) {
            if (block < firstDataBlock || block >= blocksCount) {
                return "inode " + walking + " maps block " + Long.toUnsignedString(block) + ", outside the filesystem's"
                        + " blocks " + firstDataBlock + "-" + (blocksCount - 1);
            }
            if (marked(claimed, block)) {
                return "block " + block + " is claimed by inode " + walking + " and by another inode or the"
                        + " filesystem's own metadata (e2fsck: multiply-claimed)";
            }
            if (!marked(blockBitmap, block)) {
                return "inode " + walking + " uses block " + block + ", which the block bitmap says is free";
            }
            long i = block - firstDataBlock;
            claimed.set(JAVA_BYTE, i >>> 3, (byte) (claimed.get(JAVA_BYTE, i >>> 3) | (1 << (i & 7))));
            if (walkingDirectory) {
                if (directoryBlockCount == directoryBlocks.length) {
                    directoryBlocks = Arrays.copyOf(directoryBlocks, directoryBlockCount * 2);
                }
                directoryBlocks[directoryBlockCount++] = block;
            }
            return null;
        }

        private boolean marked(MemorySegment bits, long block) {
            return Ext2Consistency.bit(bits, block - firstDataBlock) != 0;
        }

        /** Reads and parses one directory; returns its "..". */
        private int readDirectory(Arena arena, int dir, int[] sortedDirs) throws GuestFsException {
            String which = "directory inode " + Integer.toUnsignedString(dir);
            Ext2Inode inode = Ext2Inode.allocate(arena);
            checkLib(LibExt2fs.readInode(fs.address(), dir, inode.segment()), "reading " + which);
            long size = inode.size();
            if (size == 0 || size % blockSize != 0) {
                throw corrupt(which + " is " + size + " bytes, not a whole number of " + blockSize + "-byte blocks");
            }
            MemorySegment fileSlot = arena.allocate(ADDRESS);
            checkLib(LibExt2fs.fileOpen(fs.address(), dir, 0, fileSlot), "opening " + which);
            MemorySegment file = fileSlot.get(ADDRESS, 0);
            int dotDot = 0;
            try (Arena buffers = Arena.ofConfined()) {
                int chunk = (int) Math.min(size, IO_CHUNK / blockSize * (long) blockSize);
                MemorySegment buffer = buffers.allocate(chunk);
                MemorySegment got = buffers.allocate(JAVA_INT);
                long block = 0;
                long done = 0;
                while (done < size) {
                    int wanted = (int) Math.min(size - done, chunk);
                    int filled = 0;
                    while (filled < wanted) {
                        long err = LibExt2fs.fileRead(file, buffer.asSlice(filled), wanted - filled, got);
                        if (err != 0) {
                            throw new GuestFsException(Kind.CORRUPT, "census of " + image, null,
                                    "corrupt filesystem: reading " + which, err);
                        }
                        int n = got.get(JAVA_INT, 0);
                        if (n <= 0) {
                            throw corrupt(which + " ended after " + (done + filled) + " of its " + size + " bytes");
                        }
                        filled += n;
                    }
                    for (long start = 0; start < wanted; start += blockSize, block++) {
                        int d = parseBlock(buffer, start, block, dir, which, sortedDirs);
                        if (block == 0) {
                            dotDot = d;
                        }
                    }
                    done += wanted;
                }
            } finally {
                LibExt2fs.fileClose(file);
            }
            return dotDot;
        }

        /** Parses one directory block; for block 0 checks "." and ".." and returns "..". */
        private int parseBlock(MemorySegment bytes, long start, long block, int dir, String which, int[] sortedDirs)
                throws GuestFsException {
            int offset = 0;
            int index = 0;
            int dotDot = 0;
            while (offset < blockSize) {
                Ext2DirEntry e;
                try {
                    e = Ext2DirEntry.read(bytes, start, offset, blockSize, inodesCount);
                } catch (Ext2DirEntry.Invalid invalid) {
                    throw corrupt(which + ", block " + block + ": " + invalid.getMessage());
                }
                if (block == 0 && index == 0) {
                    if (!e.dot() || e.inode() != Integer.toUnsignedLong(dir)) {
                        throw corrupt(which + " does not start with \".\" naming itself");
                    }
                } else if (block == 0 && index == 1) {
                    if (!e.dotDot() || e.inode() == 0) {
                        throw corrupt(which + ": its second entry is not \"..\"");
                    }
                    dotDot = (int) e.inode();
                    requireInUse(e.inode(), which, "\"..\"");
                } else if (e.inode() != 0) {
                    if (e.dot() || e.dotDot()) {
                        throw corrupt(which + ", block " + block + " offset " + offset + ": a second \""
                                + (e.dot() ? "." : "..") + "\" entry");
                    }
                    requireInUse(e.inode(), which, "an entry at block " + block + " offset " + offset);
                    if (!sb.entryMayName(e.inode())) {
                        throw corrupt(which + ", block " + block + " offset " + offset + ": an entry names inode "
                                + e.inode() + ", a reserved, quota or orphan-file inode that no name may reach"
                                + " (e2fsck: \"has invalid inode #\")");
                    }
                    int ino = (int) e.inode();
                    if (namedCount == named.length) {
                        named = Arrays.copyOf(named, named.length * 2);
                    }
                    named[namedCount++] = ino;
                    if (Arrays.binarySearch(sortedDirs, ino) >= 0) {
                        if (dirNameCount == dirNames.length) {
                            dirNames = Arrays.copyOf(dirNames, dirNames.length * 2);
                        }
                        dirNames[dirNameCount++] = (long) ino << 32 | Integer.toUnsignedLong(dir);
                    }
                }
                offset += e.recLen();
                index++;
            }
            return dotDot;
        }

        private void requireInUse(long ino, String which, String entry) throws GuestFsException {
            if (!inUse(ino)) {
                throw corrupt(which + ": " + entry + " names inode " + ino + ", which the inode bitmap says is free");
            }
        }

        private void checkLib(long err, String doing) throws GuestFsException {
            if (err != 0) {
                throw new GuestFsException(Kind.CORRUPT, "census of " + image, null, "corrupt filesystem: " + doing, err);
            }
        }
    }
}
