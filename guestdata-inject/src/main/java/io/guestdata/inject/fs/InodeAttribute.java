package io.guestdata.inject.fs;

import java.util.EnumSet;
import java.util.Set;

/**
 * The inode flags ({@code chattr}/{@code lsattr}, Linux {@code FS_*_FL}) that decide whether a write
 * may touch a file or directory at all. ext2/3/4 keep them in {@code i_flags} ({@code ext2_fs.h});
 * libguestfs reports them as {@code lsattr} letters ({@code get_e2attrs}), also for XFS and Btrfs,
 * which implement the same ioctl.
 */
public enum InodeAttribute {
    /** {@code i}: no change at all, not even by root: content, mode, owner, links, entries of a directory. */
    IMMUTABLE('i', Ext2Inode.EXT2_IMMUTABLE_FL),
    /**
     * {@code a}: a file may only grow by O_APPEND writes (no truncate, no rewrite, no chmod/chown:
     * Linux {@code notify_change} refuses attribute changes with EPERM); a directory may get new
     * entries but lose none. guestdata refuses new entries too, as its writes through libext2fs
     * may rewrite the directory's blocks.
     */
    APPEND_ONLY('a', Ext2Inode.EXT2_APPEND_FL),
    /** {@code E}: fscrypt; names and content are ciphertext without the key. */
    ENCRYPTED('E', Ext2Inode.EXT4_ENCRYPT_FL),
    /** {@code V}: fs-verity; the content is sealed by a Merkle tree. */
    VERITY('V', Ext2Inode.EXT4_VERITY_FL),
    /** {@code N}: ext4 inline data; the content lives in the inode. */
    INLINE_DATA('N', Ext2Inode.EXT4_INLINE_DATA_FL),
    /** {@code F}: a case-insensitive directory. */
    CASEFOLD('F', Ext2Inode.EXT4_CASEFOLD_FL);

    private final char letter;
    private final int ext2Flag;

    InodeAttribute(char letter, int ext2Flag) {
        this.letter = letter;
        this.ext2Flag = ext2Flag;
    }

    /** The {@code lsattr} letter. */
    public char letter() {
        return letter;
    }

    /** The attributes set in an ext2/3/4 {@code i_flags}. */
    static Set<InodeAttribute> ofExt2Flags(int flags) {
        Set<InodeAttribute> set = EnumSet.noneOf(InodeAttribute.class);
        for (InodeAttribute a : values()) {
            if ((flags & a.ext2Flag) != 0) {
                set.add(a);
            }
        }
        return set;
    }

    /** The attributes among {@code lsattr} letters (as libguestfs' {@code get_e2attrs} returns them). */
    public static Set<InodeAttribute> ofLetters(String letters) {
        Set<InodeAttribute> set = EnumSet.noneOf(InodeAttribute.class);
        for (InodeAttribute a : values()) {
            if (letters.indexOf(a.letter) >= 0) {
                set.add(a);
            }
        }
        return set;
    }
}
