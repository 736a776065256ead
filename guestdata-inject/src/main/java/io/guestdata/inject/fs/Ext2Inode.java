package io.guestdata.inject.fs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The on-disk inode, {@code struct ext2_inode} ({@code ext2_fs.h}; the first 128 bytes of every
 * inode, the "good old" inode). libext2fs hands it over in host byte order, so fields are read
 * natively. {@code ext2fs_write_inode} with this 128-byte struct keeps the large-inode tail (extra
 * timestamps, checksum) and recomputes the checksum.
 *
 * <p>Owner and group are 32-bit: the low halves {@code i_uid}/{@code i_gid} plus
 * {@code osd2.linux2.l_i_uid_high}/{@code l_i_gid_high}. Offsets are checked against the installed
 * header by {@code StructLayoutTest}.
 */
final class Ext2Inode {

    static final long SIZE = 128;

    static final long OFFSET_MODE = 0;
    static final long OFFSET_UID = 2;
    static final long OFFSET_SIZE = 4;
    static final long OFFSET_ATIME = 8;
    static final long OFFSET_CTIME = 12;
    static final long OFFSET_MTIME = 16;
    static final long OFFSET_GID = 24;
    static final long OFFSET_LINKS_COUNT = 26;
    static final long OFFSET_FLAGS = 32;
    static final long OFFSET_BLOCK = 40;
    static final long OFFSET_SIZE_HIGH = 108;
    static final long OFFSET_FADDR = 112;
    static final long OFFSET_BLOCKS_HI = 116;
    static final long OFFSET_FILE_ACL_HIGH = 118;
    static final long OFFSET_UID_HIGH = 120;
    static final long OFFSET_GID_HIGH = 122;

    /** {@code EXT2_N_BLOCKS * 4}: the bytes of {@code i_block}, where a fast symlink keeps its target. */
    static final int BLOCK_BYTES = 60;

    /** Header field name → offset this class relies on, for the layout test. */
    static final Map<String, Long> OFFSETS = Map.ofEntries(
            Map.entry("i_mode", OFFSET_MODE),
            Map.entry("i_uid", OFFSET_UID),
            Map.entry("i_size", OFFSET_SIZE),
            Map.entry("i_atime", OFFSET_ATIME),
            Map.entry("i_ctime", OFFSET_CTIME),
            Map.entry("i_mtime", OFFSET_MTIME),
            Map.entry("i_gid", OFFSET_GID),
            Map.entry("i_links_count", OFFSET_LINKS_COUNT),
            Map.entry("i_flags", OFFSET_FLAGS),
            Map.entry("i_block", OFFSET_BLOCK),
            Map.entry("i_size_high", OFFSET_SIZE_HIGH),
            Map.entry("i_faddr", OFFSET_FADDR),
            Map.entry("osd2.linux2.l_i_blocks_hi", OFFSET_BLOCKS_HI),
            Map.entry("osd2.linux2.l_i_file_acl_high", OFFSET_FILE_ACL_HIGH),
            Map.entry("osd2.linux2.l_i_uid_high", OFFSET_UID_HIGH),
            Map.entry("osd2.linux2.l_i_gid_high", OFFSET_GID_HIGH));

    /** {@code i_flags} bits, {@code ext2_fs.h}. */
    static final int EXT2_IMMUTABLE_FL = 0x00000010;
    static final int EXT2_APPEND_FL = 0x00000020;
    static final int EXT4_ENCRYPT_FL = 0x00000800;
    static final int EXT4_VERITY_FL = 0x00100000;
    static final int EXT4_INLINE_DATA_FL = 0x10000000;
    static final int EXT4_EXTENTS_FL = 0x00080000;
    static final int EXT4_CASEFOLD_FL = 0x40000000;

    private final MemorySegment segment;

    private Ext2Inode(MemorySegment segment) {
        this.segment = segment;
    }

    /** A zeroed inode, for {@code ext2fs_write_new_inode}. */
    static Ext2Inode allocate(Arena arena) {
        return new Ext2Inode(arena.allocate(SIZE, 8));
    }

    MemorySegment segment() {
        return segment;
    }

    int mode() {
        return u16(OFFSET_MODE);
    }

    void setMode(int mode) {
        segment.set(JAVA_SHORT, OFFSET_MODE, (short) mode);
    }

    FileType type() {
        return FileType.ofMode(mode());
    }

    int uid() {
        return u16(OFFSET_UID) | u16(OFFSET_UID_HIGH) << 16;
    }

    int gid() {
        return u16(OFFSET_GID) | u16(OFFSET_GID_HIGH) << 16;
    }

    void setOwner(int uid, int gid) {
        segment.set(JAVA_SHORT, OFFSET_UID, (short) uid);
        segment.set(JAVA_SHORT, OFFSET_UID_HIGH, (short) (uid >>> 16));
        segment.set(JAVA_SHORT, OFFSET_GID, (short) gid);
        segment.set(JAVA_SHORT, OFFSET_GID_HIGH, (short) (gid >>> 16));
    }

    /** {@code EXT2_I_SIZE}: {@code i_size | i_size_high << 32}. */
    long size() {
        return Integer.toUnsignedLong(segment.get(JAVA_INT, OFFSET_SIZE))
                | Integer.toUnsignedLong(segment.get(JAVA_INT, OFFSET_SIZE_HIGH)) << 32;
    }

    int linksCount() {
        return u16(OFFSET_LINKS_COUNT);
    }

    void setLinksCount(int links) {
        segment.set(JAVA_SHORT, OFFSET_LINKS_COUNT, (short) links);
    }

    int flags() {
        return segment.get(JAVA_INT, OFFSET_FLAGS);
    }

    /** {@code i_faddr}: the obsolete fragment address, which Linux never sets and e2fsck requires to be 0. */
    long faddr() {
        return Integer.toUnsignedLong(segment.get(JAVA_INT, OFFSET_FADDR));
    }

    /** {@code osd2.linux2.l_i_blocks_hi}: bits 32-47 of {@code i_blocks}, meaningful only with huge_file. */
    int blocksHi() {
        return u16(OFFSET_BLOCKS_HI);
    }

    /** {@code osd2.linux2.l_i_file_acl_high}: bits 32-47 of {@code i_file_acl}, meaningful only with 64bit. */
    int fileAclHigh() {
        return u16(OFFSET_FILE_ACL_HIGH);
    }

    /** {@code i_size_high} alone: a directory uses it only with largedir. */
    long sizeHigh() {
        return Integer.toUnsignedLong(segment.get(JAVA_INT, OFFSET_SIZE_HIGH));
    }

    /** Sets ctime and mtime (and atime when {@code alsoAccess}), seconds since the epoch as {@code __u32}. */
    void touch(long epochSeconds, boolean alsoAccess) {
        int t = (int) epochSeconds;
        segment.set(JAVA_INT, OFFSET_CTIME, t);
        segment.set(JAVA_INT, OFFSET_MTIME, t);
        if (alsoAccess) {
            segment.set(JAVA_INT, OFFSET_ATIME, t);
        }
    }

    /** Sets ctime only (a chmod or chown changes the inode, not the content). */
    void touchChange(long epochSeconds) {
        segment.set(JAVA_INT, OFFSET_CTIME, (int) epochSeconds);
    }

    /** {@code i_block[slot]} as an unsigned block number (block-mapped inodes). */
    long blockSlot(int slot) {
        return Integer.toUnsignedLong(segment.get(JAVA_INT, OFFSET_BLOCK + 4L * slot));
    }

    /** The first {@code length} bytes of {@code i_block} (a fast symlink's target). */
    byte[] blockBytes(int length) {
        if (length < 0 || length > BLOCK_BYTES) {
            throw new IllegalArgumentException("i_block holds " + BLOCK_BYTES + " bytes, asked " + length);
        }
        return segment.asSlice(OFFSET_BLOCK, length).toArray(JAVA_BYTE);
    }

    private int u16(long offset) {
        return Short.toUnsignedInt(segment.get(JAVA_SHORT, offset));
    }
}
