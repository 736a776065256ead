package io.guestdata.inject.fs;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import io.guestdata.inject.ffm.NativeLibrary;

import static io.guestdata.inject.ffm.NativeLibrary.unchecked;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Hand-written Foreign Function &amp; Memory bindings to {@code libext2fs.so.2} (e2fsprogs 1.47)
 * and {@code error_message} from {@code libcom_err.so.2}.
 *
 * <p>Prototypes are those of {@code /usr/include/ext2fs/ext2fs.h}: {@code errcode_t} is a C
 * {@code long} (64-bit here), {@code ext2_ino_t} a 32-bit {@code __u32}, {@code blk64_t} and
 * {@code ext2_off64_t} 64-bit. The I/O manager is guestdata's own ({@link WindowIoManager}).
 *
 * <p>The handles and the library are immutable once loaded; the only side effect of loading is
 * {@code initialize_ext2_error_table()}, without which {@code error_message} answers
 * "Unknown code ext2 NN". libext2fs itself takes no lock and is not thread-safe per filesystem
 * handle; {@link Ext2Filesystem} serialises calls on one handle.
 */
// Restricted FFM methods (downcalls, reinterpret) are this class's purpose; the JVM runs
// with --enable-native-access for this module.
@SuppressWarnings("restricted")
final class LibExt2fs {

    /** Error codes from {@code ext2_err.h} (com_err table "ext2", base 2133571328). */
    static final long EXT2_ET_DIR_NO_SPACE = 2133571366L;
    static final long EXT2_ET_FILE_NOT_FOUND = 2133571404L;
    static final long EXT2_ET_SHORT_WRITE = 2133571365L;
    static final long EXT2_ET_INODE_CSUM_INVALID = 2133571474L;
    static final long EXT2_ET_INODE_IS_GARBAGE = 2133571497L;

    static final long EXT2_ET_EXTENT_NO_NEXT = 2133571452L;

    /** {@code ext2fs_extent_get} operation and extent flags, {@code ext2fs.h}. */
    static final int EXT2_EXTENT_NEXT = 0x0009;
    static final int EXT2_EXTENT_FLAGS_LEAF = 0x0001;
    static final int EXT2_EXTENT_FLAGS_SECOND_VISIT = 0x0004;
    /** {@code ext2fs_block_iterate3} flag and callback answer, {@code ext2fs.h}. */
    static final int BLOCK_FLAG_READ_ONLY = 8;
    static final int BLOCK_ABORT = 2;

    /** {@code bg_flags} bits, {@code ext2_fs.h}. */
    static final int EXT2_BG_INODE_UNINIT = 0x0001;
    static final int EXT2_BG_BLOCK_UNINIT = 0x0002;

    /** Open flags, {@code ext2fs.h}. */
    static final int EXT2_FLAG_RW = 0x01;
    static final int EXT2_FLAG_64BITS = 0x20000;

    /** {@code ext2fs_file_open} flags and seek origin, {@code ext2fs.h}. */
    static final int EXT2_FILE_WRITE = 0x0001;
    static final int EXT2_SEEK_SET = 0;

    /** Directory entry file types, {@code ext2_fs.h}. */
    static final int EXT2_FT_REG_FILE = 1;

    private static final NativeLibrary EXT2FS = NativeLibrary.open("libext2fs.so.2", "libext2fs2");
    private static final NativeLibrary COM_ERR = NativeLibrary.open("libcom_err.so.2", "libcom-err2");

    private static final Downcall INITIALIZE_EXT2_ERROR_TABLE =
            ext2fs("initialize_ext2_error_table", FunctionDescriptor.ofVoid());
    private static final Downcall ERROR_MESSAGE = new Downcall(
            COM_ERR.find("error_message"), FunctionDescriptor.of(ADDRESS, JAVA_LONG));

    private static final Downcall OPEN2 = ext2fs("ext2fs_open2", FunctionDescriptor.of(
            JAVA_LONG, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final Downcall CLOSE_FREE = ext2fs("ext2fs_close_free",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS));
    private static final Downcall READ_BITMAPS = ext2fs("ext2fs_read_bitmaps",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS));
    private static final Downcall LOOKUP = ext2fs("ext2fs_lookup", FunctionDescriptor.of(
            JAVA_LONG, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
    private static final Downcall READ_INODE = ext2fs("ext2fs_read_inode",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_INT, ADDRESS));
    private static final Downcall WRITE_INODE = ext2fs("ext2fs_write_inode",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_INT, ADDRESS));
    private static final Downcall WRITE_NEW_INODE = ext2fs("ext2fs_write_new_inode",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_INT, ADDRESS));
    private static final Downcall NEW_INODE = ext2fs("ext2fs_new_inode",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final Downcall INODE_ALLOC_STATS2 = ext2fs("ext2fs_inode_alloc_stats2",
            FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final Downcall LINK = ext2fs("ext2fs_link",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final Downcall MKDIR = ext2fs("ext2fs_mkdir",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
    private static final Downcall EXPAND_DIR = ext2fs("ext2fs_expand_dir",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_INT));
    private static final Downcall EXTENT_OPEN2 = ext2fs("ext2fs_extent_open2",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
    private static final Downcall EXTENT_FREE = ext2fs("ext2fs_extent_free",
            FunctionDescriptor.ofVoid(ADDRESS));
    private static final Downcall FILE_OPEN = ext2fs("ext2fs_file_open",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
    private static final Downcall FILE_CLOSE = ext2fs("ext2fs_file_close",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS));
    private static final Downcall FILE_READ = ext2fs("ext2fs_file_read",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, JAVA_INT, ADDRESS));
    private static final Downcall FILE_WRITE = ext2fs("ext2fs_file_write",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, JAVA_INT, ADDRESS));
    private static final Downcall FILE_LLSEEK = ext2fs("ext2fs_file_llseek",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS));
    private static final Downcall FILE_SET_SIZE2 = ext2fs("ext2fs_file_set_size2",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_LONG));
    private static final Downcall IS_FAST_SYMLINK = ext2fs("ext2fs_is_fast_symlink",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final Downcall CHECK_DESC = ext2fs("ext2fs_check_desc",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS));
    private static final Downcall GROUP_DESC_CSUM_VERIFY = ext2fs("ext2fs_group_desc_csum_verify",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final Downcall BLOCK_BITMAP_LOC = ext2fs("ext2fs_block_bitmap_loc",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_INT));
    private static final Downcall INODE_BITMAP_LOC = ext2fs("ext2fs_inode_bitmap_loc",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_INT));
    private static final Downcall INODE_TABLE_LOC = ext2fs("ext2fs_inode_table_loc",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_INT));
    private static final Downcall BG_FREE_BLOCKS_COUNT = ext2fs("ext2fs_bg_free_blocks_count",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final Downcall BG_FREE_INODES_COUNT = ext2fs("ext2fs_bg_free_inodes_count",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final Downcall BG_USED_DIRS_COUNT = ext2fs("ext2fs_bg_used_dirs_count",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final Downcall BG_ITABLE_UNUSED = ext2fs("ext2fs_bg_itable_unused",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final Downcall BG_FLAGS = ext2fs("ext2fs_bg_flags",
            FunctionDescriptor.of(JAVA_SHORT, ADDRESS, JAVA_INT));
    private static final Downcall GROUP_FIRST_BLOCK2 = ext2fs("ext2fs_group_first_block2",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_INT));
    private static final Downcall GROUP_LAST_BLOCK2 = ext2fs("ext2fs_group_last_block2",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_INT));
    private static final Downcall GET_BLOCK_BITMAP_RANGE2 = ext2fs("ext2fs_get_block_bitmap_range2",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS));
    private static final Downcall GET_INODE_BITMAP_RANGE2 = ext2fs("ext2fs_get_inode_bitmap_range2",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS));
    private static final Downcall OPEN_INODE_SCAN = ext2fs("ext2fs_open_inode_scan",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_INT, ADDRESS));
    private static final Downcall GET_NEXT_INODE_FULL = ext2fs("ext2fs_get_next_inode_full",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, JAVA_INT));
    private static final Downcall CLOSE_INODE_SCAN = ext2fs("ext2fs_close_inode_scan",
            FunctionDescriptor.ofVoid(ADDRESS));
    private static final Downcall EXTENT_GET = ext2fs("ext2fs_extent_get",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_INT, ADDRESS));
    private static final Downcall BLOCK_ITERATE3 = ext2fs("ext2fs_block_iterate3",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    private static final Downcall INODE_HAS_VALID_BLOCKS2 = ext2fs("ext2fs_inode_has_valid_blocks2",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final Downcall FILE_ACL_BLOCK = ext2fs("ext2fs_file_acl_block",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS));
    private static final Downcall ALLOCATE_BLOCK_BITMAP = ext2fs("ext2fs_allocate_block_bitmap",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, ADDRESS));
    private static final Downcall RESERVE_SUPER_AND_BGD = ext2fs("ext2fs_reserve_super_and_bgd",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
    private static final Downcall MARK_BLOCK_BITMAP_RANGE2 = ext2fs("ext2fs_mark_block_bitmap_range2",
            FunctionDescriptor.ofVoid(ADDRESS, JAVA_LONG, JAVA_INT));
    private static final Downcall FREE_BLOCK_BITMAP = ext2fs("ext2fs_free_block_bitmap",
            FunctionDescriptor.ofVoid(ADDRESS));
    private static final Downcall READ_EXT_ATTR3 = ext2fs("ext2fs_read_ext_attr3",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, JAVA_INT));
    private static final Downcall INODE_DATA_BLOCKS2 = ext2fs("ext2fs_inode_data_blocks2",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS));

    static {
        try {
            INITIALIZE_EXT2_ERROR_TABLE.handle().invokeExact();
        } catch (Throwable t) {
            throw new ExceptionInInitializerError(t);
        }
    }

    private LibExt2fs() {
    }

    private static Downcall ext2fs(String name, FunctionDescriptor descriptor) {
        return new Downcall(EXT2FS.find(name), descriptor);
    }

    /**
     * A native function: its address is found when this class loads (a library without it fails then, before
     * anything is opened), its downcall handle is made on its first call. Making all fifty handles up front was
     * ~150 ms of a short {@code guestdata inject}'s start (each new signature is a generated class); one injection
     * calls about half of them.
     */
    private static final class Downcall {
        private final MemorySegment address;
        private final FunctionDescriptor descriptor;
        private volatile MethodHandle handle;

        Downcall(MemorySegment address, FunctionDescriptor descriptor) {
            this.address = address;
            this.descriptor = descriptor;
        }

        MethodHandle handle() {
            MethodHandle h = handle;
            if (h == null) {
                h = NativeLibrary.downcall(address, descriptor);
                handle = h;
            }
            return h;
        }
    }

    /** {@code error_message(code)}: the com_err text, e.g. "Bad magic number in super-block". */
    static String errorMessage(long code) {
        try {
            MemorySegment text = (MemorySegment) ERROR_MESSAGE.handle().invokeExact(code);
            if (text.equals(MemorySegment.NULL)) {
                return "error " + code;
            }
            return text.reinterpret(4096).getString(0);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static long open2(MemorySegment name, MemorySegment ioOptions, int flags,
                      MemorySegment manager, MemorySegment retFs) {
        try {
            return (long) OPEN2.handle().invokeExact(name, ioOptions, flags, 0, 0, manager, retFs);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static long closeFree(MemorySegment fsSlot) {
        try {
            return (long) CLOSE_FREE.handle().invokeExact(fsSlot);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static long readBitmaps(MemorySegment fs) {
        try {
            return (long) READ_BITMAPS.handle().invokeExact(fs);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static long lookup(MemorySegment fs, int dir, MemorySegment name, int nameLength, MemorySegment inoSlot) {
        try {
            return (long) LOOKUP.handle().invokeExact(fs, dir, name, nameLength, MemorySegment.NULL, inoSlot);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static long readInode(MemorySegment fs, int ino, MemorySegment inode) {
        try {
            return (long) READ_INODE.handle().invokeExact(fs, ino, inode);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static long writeInode(MemorySegment fs, int ino, MemorySegment inode) {
        try {
            return (long) WRITE_INODE.handle().invokeExact(fs, ino, inode);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static long writeNewInode(MemorySegment fs, int ino, MemorySegment inode) {
        try {
            return (long) WRITE_NEW_INODE.handle().invokeExact(fs, ino, inode);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static long newInode(MemorySegment fs, int dir, int mode, MemorySegment inoSlot) {
        try {
            return (long) NEW_INODE.handle().invokeExact(fs, dir, mode, MemorySegment.NULL, inoSlot);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static void inodeAllocStats2(MemorySegment fs, int ino, int inUse, int isDir) {
        try {
            INODE_ALLOC_STATS2.handle().invokeExact(fs, ino, inUse, isDir);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static long link(MemorySegment fs, int dir, MemorySegment name, int ino, int flags) {
        try {
            return (long) LINK.handle().invokeExact(fs, dir, name, ino, flags);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static long mkdir(MemorySegment fs, int parent, MemorySegment name) {
        try {
            return (long) MKDIR.handle().invokeExact(fs, parent, 0, name);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static long expandDir(MemorySegment fs, int dir) {
        try {
            return (long) EXPAND_DIR.handle().invokeExact(fs, dir);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static long extentOpen2(MemorySegment fs, int ino, MemorySegment inode, MemorySegment handleSlot) {
        try {
            return (long) EXTENT_OPEN2.handle().invokeExact(fs, ino, inode, handleSlot);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static void extentFree(MemorySegment handle) {
        try {
            EXTENT_FREE.handle().invokeExact(handle);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static long fileOpen(MemorySegment fs, int ino, int flags, MemorySegment fileSlot) {
        try {
            return (long) FILE_OPEN.handle().invokeExact(fs, ino, flags, fileSlot);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static long fileClose(MemorySegment file) {
        try {
            return (long) FILE_CLOSE.handle().invokeExact(file);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static long fileRead(MemorySegment file, MemorySegment buffer, int wanted, MemorySegment gotSlot) {
        try {
            return (long) FILE_READ.handle().invokeExact(file, buffer, wanted, gotSlot);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static long fileWrite(MemorySegment file, MemorySegment buffer, int length, MemorySegment writtenSlot) {
        try {
            return (long) FILE_WRITE.handle().invokeExact(file, buffer, length, writtenSlot);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static long fileLlseek(MemorySegment file, long offset) {
        try {
            return (long) FILE_LLSEEK.handle().invokeExact(file, offset, EXT2_SEEK_SET, MemorySegment.NULL);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static long fileSetSize2(MemorySegment file, long size) {
        try {
            return (long) FILE_SET_SIZE2.handle().invokeExact(file, size);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static boolean isFastSymlink(MemorySegment inode) {
        try {
            return (int) IS_FAST_SYMLINK.handle().invokeExact(inode) != 0;
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /** {@code ext2fs_check_desc}: every group's bitmaps and inode table inside the filesystem, none overlapping. */
    static long checkDesc(MemorySegment fs) {
        try {
            return (long) CHECK_DESC.handle().invokeExact(fs);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /** {@code ext2fs_group_desc_csum_verify}: true without gdt_csum/metadata_csum, else whether the checksum matches. */
    static boolean groupDescCsumVerify(MemorySegment fs, int group) {
        try {
            return (int) GROUP_DESC_CSUM_VERIFY.handle().invokeExact(fs, group) != 0;
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static long blockBitmapLoc(MemorySegment fs, int group) {
        return groupLong(BLOCK_BITMAP_LOC, fs, group);
    }

    static long inodeBitmapLoc(MemorySegment fs, int group) {
        return groupLong(INODE_BITMAP_LOC, fs, group);
    }

    static long inodeTableLoc(MemorySegment fs, int group) {
        return groupLong(INODE_TABLE_LOC, fs, group);
    }

    static long groupFirstBlock(MemorySegment fs, int group) {
        return groupLong(GROUP_FIRST_BLOCK2, fs, group);
    }

    static long groupLastBlock(MemorySegment fs, int group) {
        return groupLong(GROUP_LAST_BLOCK2, fs, group);
    }

    /** {@code bg_free_blocks_count} (lo/hi): free clusters of the group. */
    static long bgFreeBlocksCount(MemorySegment fs, int group) {
        return groupU32(BG_FREE_BLOCKS_COUNT, fs, group);
    }

    static long bgFreeInodesCount(MemorySegment fs, int group) {
        return groupU32(BG_FREE_INODES_COUNT, fs, group);
    }

    static long bgUsedDirsCount(MemorySegment fs, int group) {
        return groupU32(BG_USED_DIRS_COUNT, fs, group);
    }

    static long bgItableUnused(MemorySegment fs, int group) {
        return groupU32(BG_ITABLE_UNUSED, fs, group);
    }

    static int bgFlags(MemorySegment fs, int group) {
        try {
            return Short.toUnsignedInt((short) BG_FLAGS.handle().invokeExact(fs, group));
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    private static long groupLong(Downcall function, MemorySegment fs, int group) {
        try {
            return (long) function.handle().invokeExact(fs, group);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    private static long groupU32(Downcall function, MemorySegment fs, int group) {
        try {
            return Integer.toUnsignedLong((int) function.handle().invokeExact(fs, group));
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /**
     * {@code ext2fs_get_block_bitmap_range2}: {@code count} bits of the block (cluster) bitmap from
     * {@code start}, packed little-endian into {@code out}, in one call.
     */
    static long getBlockBitmapRange(MemorySegment bitmap, long start, long count, MemorySegment out) {
        try {
            return (long) GET_BLOCK_BITMAP_RANGE2.handle().invokeExact(bitmap, start, count, out);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /** {@code ext2fs_get_inode_bitmap_range2}: as {@link #getBlockBitmapRange}, inode numbers from {@code start}. */
    static long getInodeBitmapRange(MemorySegment bitmap, long start, long count, MemorySegment out) {
        try {
            return (long) GET_INODE_BITMAP_RANGE2.handle().invokeExact(bitmap, start, count, out);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /** {@code ext2fs_open_inode_scan} with libext2fs' default buffer; lazy (skips unused table parts) with group checksums. */
    static long openInodeScan(MemorySegment fs, MemorySegment scanSlot) {
        try {
            return (long) OPEN_INODE_SCAN.handle().invokeExact(fs, 0, scanSlot);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /** {@code ext2fs_get_next_inode_full}: the next inode number (0 at the end) and its first {@code size} bytes. */
    static long getNextInodeFull(MemorySegment scan, MemorySegment inoSlot, MemorySegment inode, int size) {
        try {
            return (long) GET_NEXT_INODE_FULL.handle().invokeExact(scan, inoSlot, inode, size);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /** {@code ext2fs_extent_get(handle, op, &extent)}: {@code extent} is a {@link Ext2Extent} buffer. */
    static long extentGet(MemorySegment handle, int op, MemorySegment extent) {
        try {
            return (long) EXTENT_GET.handle().invokeExact(handle, op, extent);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /** {@code ext2fs_block_iterate3(fs, ino, flags, NULL, func, priv)}: {@code func} is an upcall stub. */
    static long blockIterate3(MemorySegment fs, int ino, int flags, MemorySegment func, MemorySegment priv) {
        try {
            return (long) BLOCK_ITERATE3.handle().invokeExact(fs, ino, flags, MemorySegment.NULL, func, priv);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /** Whether {@code i_block} holds block numbers (not a fast symlink, device, or inline data). */
    static boolean inodeHasValidBlocks(MemorySegment fs, MemorySegment inode) {
        try {
            return (int) INODE_HAS_VALID_BLOCKS2.handle().invokeExact(fs, inode) != 0;
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /** {@code ext2fs_file_acl_block}: the extended-attribute block ({@code i_file_acl}, 48 bits with 64bit), or 0. */
    static long fileAclBlock(MemorySegment fs, MemorySegment inode) {
        try {
            return (long) FILE_ACL_BLOCK.handle().invokeExact(fs, inode);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static long allocateBlockBitmap(MemorySegment fs, MemorySegment description, MemorySegment bitmapSlot) {
        try {
            return (long) ALLOCATE_BLOCK_BITMAP.handle().invokeExact(fs, description, bitmapSlot);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /** {@code ext2fs_reserve_super_and_bgd}: marks the group's superblock and descriptor (and reserved GDT) blocks. */
    static void reserveSuperAndBgd(MemorySegment fs, int group, MemorySegment bitmap) {
        try {
            int unused = (int) RESERVE_SUPER_AND_BGD.handle().invokeExact(fs, group, bitmap);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static void markBlockBitmapRange(MemorySegment bitmap, long block, int count) {
        try {
            MARK_BLOCK_BITMAP_RANGE2.handle().invokeExact(bitmap, block, count);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /** {@code ext2fs_read_ext_attr3}: reads an extended-attribute block, verifying its magic and checksum. */
    static long readExtAttr3(MemorySegment fs, long block, MemorySegment buffer, int ino) {
        try {
            return (long) READ_EXT_ATTR3.handle().invokeExact(fs, block, buffer, ino);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static void freeBlockBitmap(MemorySegment bitmap) {
        try {
            FREE_BLOCK_BITMAP.handle().invokeExact(bitmap);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static void closeInodeScan(MemorySegment scan) {
        try {
            CLOSE_INODE_SCAN.handle().invokeExact(scan);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /** Data blocks of an inode in 512-byte units, without its extended-attribute block. */
    static long inodeDataBlocks2(MemorySegment fs, MemorySegment inode) {
        try {
            return (long) INODE_DATA_BLOCKS2.handle().invokeExact(fs, inode);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }
}
