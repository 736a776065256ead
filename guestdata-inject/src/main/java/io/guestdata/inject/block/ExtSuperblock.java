package io.guestdata.inject.block;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The ext2/ext3/ext4 superblock (e2fsprogs {@code lib/ext2fs/ext2_fs.h}, {@code struct
 * ext2_super_block}), 1024 bytes at byte 1024 of the filesystem, decoded only as far as needed
 * to name the filesystem:
 *
 * <pre>
 * 0x38  2  s_magic             0xEF53
 * 0x3A  2  s_state
 * 0x4C  4  s_rev_level         0: no feature fields
 * 0x5C  4  s_feature_compat
 * 0x60  4  s_feature_incompat
 * 0x64  4  s_feature_ro_compat
 * </pre>
 *
 * ext2, ext3 and ext4 share the structure; which one it "is" follows libblkid's rule
 * ({@code superblocks/ext.c}): a journal makes ext3, and any feature beyond what the ext2/ext3
 * drivers supported makes ext4.
 */
record ExtSuperblock(int magic, int state, long revLevel, long featureCompat, long featureIncompat, long featureRoCompat) {
    static final int OFFSET = 1024;
    static final int SIZE = 1024;
    static final int MAGIC = 0xef53;
    static final long COMPAT_HAS_JOURNAL = 0x0004;
    static final long INCOMPAT_FILETYPE = 0x0002;
    static final long INCOMPAT_RECOVER = 0x0004;
    static final long INCOMPAT_JOURNAL_DEV = 0x0008;
    static final long INCOMPAT_META_BG = 0x0010;
    static final long RO_COMPAT_SPARSE_SUPER = 0x0001;
    static final long RO_COMPAT_LARGE_FILE = 0x0002;
    static final long RO_COMPAT_BTREE_DIR = 0x0004;
    /** What the ext2/ext3 drivers understood; anything else is an ext4 feature. */
    static final long EXT2_INCOMPAT_SUPP = INCOMPAT_FILETYPE | INCOMPAT_META_BG;
    static final long EXT3_INCOMPAT_SUPP = INCOMPAT_FILETYPE | INCOMPAT_RECOVER | INCOMPAT_META_BG;
    static final long EXT23_RO_COMPAT_SUPP = RO_COMPAT_SPARSE_SUPER | RO_COMPAT_LARGE_FILE | RO_COMPAT_BTREE_DIR;

    static ExtSuperblock parse(ByteBuffer superblock) {
        ByteBuffer b = superblock.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long rev = Integer.toUnsignedLong(b.getInt(0x4c));
        return new ExtSuperblock(Short.toUnsignedInt(b.getShort(0x38)), Short.toUnsignedInt(b.getShort(0x3a)), rev,
                rev == 0 ? 0 : Integer.toUnsignedLong(b.getInt(0x5c)),
                rev == 0 ? 0 : Integer.toUnsignedLong(b.getInt(0x60)),
                rev == 0 ? 0 : Integer.toUnsignedLong(b.getInt(0x64)));
    }

    /** EXT2, EXT3, EXT4, or UNKNOWN for a bad magic or an external journal device. */
    FilesystemType type() {
        if (magic != MAGIC || (featureIncompat & INCOMPAT_JOURNAL_DEV) != 0) {
            return FilesystemType.UNKNOWN;
        }
        boolean journal = (featureCompat & COMPAT_HAS_JOURNAL) != 0;
        long incompatSupported = journal ? EXT3_INCOMPAT_SUPP : EXT2_INCOMPAT_SUPP;
        if ((featureIncompat & ~incompatSupported) != 0 || (featureRoCompat & ~EXT23_RO_COMPAT_SUPP) != 0) {
            return FilesystemType.EXT4;
        }
        return journal ? FilesystemType.EXT3 : FilesystemType.EXT2;
    }
}
