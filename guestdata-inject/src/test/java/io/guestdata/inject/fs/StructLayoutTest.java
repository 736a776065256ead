package io.guestdata.inject.fs;

import io.guestdata.testkit.ToolTest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every struct offset and every constant the Java side relies on, checked against the installed
 * {@code ext2fs/ext2fs.h} by compiling a C program with gcc that prints {@code offsetof},
 * {@code sizeof} and the macro values. The program is generated from the Java tables, so a new
 * offset or constant is checked as soon as it is added there; a changed header fails here loudly.
 */
@ToolTest
class StructLayoutTest {

    @TempDir
    static Path dir;

    private static Map<String, Long> native_;

    /** C expression → value the Java code uses. */
    private static Map<String, Long> expected() {
        Map<String, Long> e = new LinkedHashMap<>();
        Ext2SuperBlock.OFFSETS.forEach((f, o) -> e.put("offsetof(struct ext2_super_block, " + f + ")", o));
        Ext2Inode.OFFSETS.forEach((f, o) -> e.put("offsetof(struct ext2_inode, " + f + ")", o));
        Ext2Filsys.OFFSETS.forEach((f, o) -> e.put("offsetof(struct struct_ext2_filsys, " + f + ")", o));
        WindowIoManager.MANAGER_OFFSETS.forEach((f, o) -> e.put("offsetof(struct struct_io_manager, " + f + ")", o));
        WindowIoManager.CHANNEL_OFFSETS.forEach((f, o) -> e.put("offsetof(struct struct_io_channel, " + f + ")", o));
        e.put("sizeof(struct struct_io_manager)", WindowIoManager.MANAGER_SIZE);
        e.put("sizeof(struct struct_io_channel)", WindowIoManager.CHANNEL_SIZE);
        e.put("EXT2_ET_MAGIC_IO_CHANNEL", WindowIoManager.EXT2_ET_MAGIC_IO_CHANNEL);
        e.put("EXT2_ET_MAGIC_IO_MANAGER", WindowIoManager.EXT2_ET_MAGIC_IO_MANAGER);
        e.put("EXT2_ET_RO_FILSYS", WindowIoManager.EXT2_ET_RO_FILSYS);
        e.put("EXT2_ET_SHORT_READ", WindowIoManager.EXT2_ET_SHORT_READ);
        e.put("EXT2_ET_BAD_DEVICE_NAME", WindowIoManager.EXT2_ET_BAD_DEVICE_NAME);
        e.put("EXT2_ET_INVALID_ARGUMENT", WindowIoManager.EXT2_ET_INVALID_ARGUMENT);
        e.put("IO_FLAG_RW", (long) WindowIoManager.IO_FLAG_RW);
        Ext2DirEntry.OFFSETS.forEach((f, o) -> e.put("offsetof(struct ext2_dir_entry_2, " + f + ")", o));
        Ext2Extent.OFFSETS.forEach((f, o) -> e.put("offsetof(struct ext2fs_extent, " + f + ")", o));
        e.put("sizeof(struct ext2fs_extent)", Ext2Extent.SIZE);
        e.put("EXT2_DIR_ENTRY_HEADER_LEN", (long) Ext2DirEntry.HEADER_LEN);
        e.put("EXT2_DIR_PAD", (long) Ext2DirEntry.PAD);
        e.put("EXT2_JOURNAL_INO", (long) Ext2SuperBlock.EXT2_JOURNAL_INO);
        e.put("EXT3_FEATURE_COMPAT_HAS_JOURNAL", (long) Ext2SuperBlock.COMPAT_HAS_JOURNAL_FEATURE);
        e.put("EXT4_EXTENTS_FL", (long) Ext2Inode.EXT4_EXTENTS_FL);
        e.put("EXT2_ET_EXTENT_NO_NEXT", LibExt2fs.EXT2_ET_EXTENT_NO_NEXT);
        e.put("EXT2_EXTENT_NEXT", (long) LibExt2fs.EXT2_EXTENT_NEXT);
        e.put("EXT2_EXTENT_FLAGS_LEAF", (long) LibExt2fs.EXT2_EXTENT_FLAGS_LEAF);
        e.put("EXT2_EXTENT_FLAGS_SECOND_VISIT", (long) LibExt2fs.EXT2_EXTENT_FLAGS_SECOND_VISIT);
        e.put("BLOCK_FLAG_READ_ONLY", (long) LibExt2fs.BLOCK_FLAG_READ_ONLY);
        e.put("BLOCK_ABORT", (long) LibExt2fs.BLOCK_ABORT);
        e.put("EXT2_DIND_BLOCK", (long) Ext2Census.DIND_SLOT);
        e.put("offsetof(struct ext2_ext_attr_header, h_blocks)", Ext2Census.EA_OFFSET_H_BLOCKS);
        e.put("EXT2_LIB_FEATURE_COMPAT_SUPP", (long) Ext2FeatureCheck.COMPAT_KNOWN);
        e.put("sizeof(struct ext2_super_block)", Ext2SuperBlock.SIZE);
        e.put("sizeof(struct ext2_inode)", Ext2Inode.SIZE);
        e.put("sizeof(((struct ext2_inode *)0)->i_block)", (long) Ext2Inode.BLOCK_BYTES);
        e.put("sizeof(errcode_t)", 8L);
        e.put("sizeof(ext2_ino_t)", 4L);
        e.put("sizeof(blk64_t)", 8L);
        e.put("sizeof(ext2_off64_t)", 8L);
        e.put("EXT2_SUPER_MAGIC", (long) Ext2SuperBlock.EXT2_SUPER_MAGIC);
        e.put("SUPERBLOCK_OFFSET", Ext2SuperBlock.BYTE_OFFSET);
        e.put("EXT2_ROOT_INO", (long) Ext2SuperBlock.EXT2_ROOT_INO);
        e.put("EXT4_USR_QUOTA_INO", (long) Ext2Consistency.USR_QUOTA_INO);
        e.put("EXT4_GRP_QUOTA_INO", (long) Ext2Consistency.GRP_QUOTA_INO);
        e.put("EXT4_FEATURE_COMPAT_ORPHAN_FILE", (long) Ext2SuperBlock.COMPAT_ORPHAN_FILE);
        e.put("EXT2_VALID_FS", (long) Ext2SuperBlock.EXT2_VALID_FS);
        e.put("EXT2_ERROR_FS", (long) Ext2SuperBlock.EXT2_ERROR_FS);
        e.put("EXT3_ORPHAN_FS", (long) Ext2SuperBlock.EXT3_ORPHAN_FS);
        e.put("EXT4_FC_REPLAY", (long) Ext2SuperBlock.EXT4_FC_REPLAY);
        e.put("EXT2_OS_HURD", (long) Ext2SuperBlock.EXT2_OS_HURD);
        e.put("EXT2_ET_DIR_NO_SPACE", LibExt2fs.EXT2_ET_DIR_NO_SPACE);
        e.put("EXT2_ET_FILE_NOT_FOUND", LibExt2fs.EXT2_ET_FILE_NOT_FOUND);
        e.put("EXT2_ET_SHORT_WRITE", LibExt2fs.EXT2_ET_SHORT_WRITE);
        e.put("EXT2_ET_INODE_CSUM_INVALID", LibExt2fs.EXT2_ET_INODE_CSUM_INVALID);
        e.put("EXT2_ET_INODE_IS_GARBAGE", LibExt2fs.EXT2_ET_INODE_IS_GARBAGE);
        e.put("EXT2_BG_INODE_UNINIT", (long) LibExt2fs.EXT2_BG_INODE_UNINIT);
        e.put("EXT2_BG_BLOCK_UNINIT", (long) LibExt2fs.EXT2_BG_BLOCK_UNINIT);
        e.put("EXT2_GOOD_OLD_REV", (long) Ext2SuperBlock.EXT2_GOOD_OLD_REV);
        e.put("EXT2_BAD_INO", (long) Ext2Consistency.EXT2_BAD_INO);
        e.put("EXT2_GOOD_OLD_FIRST_INO", (long) Ext2SuperBlock.EXT2_GOOD_OLD_FIRST_INO);
        e.put("EXT2_GOOD_OLD_INODE_SIZE", (long) Ext2SuperBlock.EXT2_GOOD_OLD_INODE_SIZE);
        e.put("EXT2_MIN_DESC_SIZE", (long) Ext2SuperBlock.EXT2_MIN_DESC_SIZE);
        e.put("EXT2_FLAG_RW", (long) LibExt2fs.EXT2_FLAG_RW);
        e.put("EXT2_FLAG_64BITS", (long) LibExt2fs.EXT2_FLAG_64BITS);
        e.put("EXT2_FILE_WRITE", (long) LibExt2fs.EXT2_FILE_WRITE);
        e.put("EXT2_SEEK_SET", (long) LibExt2fs.EXT2_SEEK_SET);
        e.put("EXT2_FT_REG_FILE", (long) LibExt2fs.EXT2_FT_REG_FILE);
        e.put("EXT2_IMMUTABLE_FL", (long) Ext2Inode.EXT2_IMMUTABLE_FL);
        e.put("EXT2_APPEND_FL", (long) Ext2Inode.EXT2_APPEND_FL);
        e.put("EXT4_ENCRYPT_FL", (long) Ext2Inode.EXT4_ENCRYPT_FL);
        e.put("EXT4_VERITY_FL", (long) Ext2Inode.EXT4_VERITY_FL);
        e.put("EXT4_INLINE_DATA_FL", (long) Ext2Inode.EXT4_INLINE_DATA_FL);
        e.put("EXT4_CASEFOLD_FL", (long) Ext2Inode.EXT4_CASEFOLD_FL);
        e.put("LINUX_S_IFMT", (long) FileType.S_IFMT);
        e.put("LINUX_S_IFREG", (long) FileType.REGULAR.bits());
        e.put("LINUX_S_IFDIR", (long) FileType.DIRECTORY.bits());
        e.put("LINUX_S_IFLNK", (long) FileType.SYMLINK.bits());
        e.put("LINUX_S_IFCHR", (long) FileType.CHARACTER_DEVICE.bits());
        e.put("LINUX_S_IFBLK", (long) FileType.BLOCK_DEVICE.bits());
        e.put("LINUX_S_IFIFO", (long) FileType.FIFO.bits());
        e.put("LINUX_S_IFSOCK", (long) FileType.SOCKET.bits());
        e.put("EXT2_NAME_LEN", (long) GuestPath.NAME_MAX);
        String[][] features = {
                {"EXT2_FEATURE_INCOMPAT_COMPRESSION", "" + Ext2FeatureCheck.INCOMPAT_COMPRESSION},
                {"EXT2_FEATURE_INCOMPAT_FILETYPE", "" + Ext2FeatureCheck.INCOMPAT_FILETYPE},
                {"EXT3_FEATURE_INCOMPAT_RECOVER", "" + Ext2FeatureCheck.INCOMPAT_RECOVER},
                {"EXT3_FEATURE_INCOMPAT_JOURNAL_DEV", "" + Ext2FeatureCheck.INCOMPAT_JOURNAL_DEV},
                {"EXT2_FEATURE_INCOMPAT_META_BG", "" + Ext2FeatureCheck.INCOMPAT_META_BG},
                {"EXT3_FEATURE_INCOMPAT_EXTENTS", "" + Ext2FeatureCheck.INCOMPAT_EXTENTS},
                {"EXT4_FEATURE_INCOMPAT_64BIT", "" + Ext2FeatureCheck.INCOMPAT_64BIT},
                {"EXT4_FEATURE_INCOMPAT_MMP", "" + Ext2FeatureCheck.INCOMPAT_MMP},
                {"EXT4_FEATURE_INCOMPAT_FLEX_BG", "" + Ext2FeatureCheck.INCOMPAT_FLEX_BG},
                {"EXT4_FEATURE_INCOMPAT_EA_INODE", "" + Ext2FeatureCheck.INCOMPAT_EA_INODE},
                {"EXT4_FEATURE_INCOMPAT_DIRDATA", "" + Ext2FeatureCheck.INCOMPAT_DIRDATA},
                {"EXT4_FEATURE_INCOMPAT_CSUM_SEED", "" + Ext2FeatureCheck.INCOMPAT_CSUM_SEED},
                {"EXT4_FEATURE_INCOMPAT_LARGEDIR", "" + Ext2FeatureCheck.INCOMPAT_LARGEDIR},
                {"EXT4_FEATURE_INCOMPAT_INLINE_DATA", "" + Ext2FeatureCheck.INCOMPAT_INLINE_DATA},
                {"EXT4_FEATURE_INCOMPAT_ENCRYPT", "" + Ext2FeatureCheck.INCOMPAT_ENCRYPT},
                {"EXT4_FEATURE_INCOMPAT_CASEFOLD", "" + Ext2FeatureCheck.INCOMPAT_CASEFOLD},
                {"EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER", "" + Ext2FeatureCheck.RO_COMPAT_SPARSE_SUPER},
                {"EXT2_FEATURE_RO_COMPAT_LARGE_FILE", "" + Ext2FeatureCheck.RO_COMPAT_LARGE_FILE},
                {"EXT4_FEATURE_RO_COMPAT_HUGE_FILE", "" + Ext2FeatureCheck.RO_COMPAT_HUGE_FILE},
                {"EXT4_FEATURE_RO_COMPAT_GDT_CSUM", "" + Ext2FeatureCheck.RO_COMPAT_GDT_CSUM},
                {"EXT4_FEATURE_RO_COMPAT_DIR_NLINK", "" + Ext2FeatureCheck.RO_COMPAT_DIR_NLINK},
                {"EXT4_FEATURE_RO_COMPAT_EXTRA_ISIZE", "" + Ext2FeatureCheck.RO_COMPAT_EXTRA_ISIZE},
                {"EXT4_FEATURE_RO_COMPAT_HAS_SNAPSHOT", "" + Ext2FeatureCheck.RO_COMPAT_HAS_SNAPSHOT},
                {"EXT4_FEATURE_RO_COMPAT_QUOTA", "" + Ext2FeatureCheck.RO_COMPAT_QUOTA},
                {"EXT4_FEATURE_RO_COMPAT_BIGALLOC", "" + Ext2FeatureCheck.RO_COMPAT_BIGALLOC},
                {"EXT4_FEATURE_RO_COMPAT_METADATA_CSUM", "" + Ext2FeatureCheck.RO_COMPAT_METADATA_CSUM},
                {"EXT4_FEATURE_RO_COMPAT_REPLICA", "" + Ext2FeatureCheck.RO_COMPAT_REPLICA},
                {"EXT4_FEATURE_RO_COMPAT_READONLY", "" + Ext2FeatureCheck.RO_COMPAT_READONLY},
                {"EXT4_FEATURE_RO_COMPAT_PROJECT", "" + Ext2FeatureCheck.RO_COMPAT_PROJECT},
                {"EXT4_FEATURE_RO_COMPAT_SHARED_BLOCKS", "" + Ext2FeatureCheck.RO_COMPAT_SHARED_BLOCKS},
                {"EXT4_FEATURE_RO_COMPAT_VERITY", "" + Ext2FeatureCheck.RO_COMPAT_VERITY},
                {"EXT4_FEATURE_RO_COMPAT_ORPHAN_PRESENT", "" + Ext2FeatureCheck.RO_COMPAT_ORPHAN_PRESENT},
        };
        for (String[] f : features) {
            e.put(f[0], Long.parseLong(f[1]));
        }
        return e;
    }

    @BeforeAll
    static void compileAndRun() throws IOException {
        native_ = CHeaderValues.of(List.of("ext2fs/ext2fs.h"), expected().keySet(), dir);
    }

    @Test
    void everyOffsetSizeAndConstantMatchesTheInstalledHeaders() {
        Map<String, Long> expected = expected();
        assertEquals(expected.keySet(), native_.keySet());
        expected.forEach((expr, value) -> assertEquals(value, native_.get(expr), expr));
    }

    @Test
    void tablesListEveryOffsetConstantTheCodeUses() throws IllegalAccessException {
        // An OFFSET_ constant missing from its class's table would escape the header check.
        for (Class<?> type : List.of(Ext2SuperBlock.class, Ext2Inode.class, Ext2Filsys.class, Ext2DirEntry.class,
                Ext2Extent.class)) {
            java.util.Set<Long> declared = new java.util.TreeSet<>();
            for (java.lang.reflect.Field f : type.getDeclaredFields()) {
                if (f.getName().startsWith("OFFSET_")) {
                    f.setAccessible(true);
                    declared.add(f.getLong(null));
                }
            }
            Map<?, ?> table = type == Ext2SuperBlock.class ? Ext2SuperBlock.OFFSETS
                    : type == Ext2Inode.class ? Ext2Inode.OFFSETS : type == Ext2DirEntry.class ? Ext2DirEntry.OFFSETS
                    : type == Ext2Extent.class ? Ext2Extent.OFFSETS : Ext2Filsys.OFFSETS;
            assertEquals(declared, new java.util.TreeSet<>(table.values()), type.getSimpleName());
        }
    }
}
