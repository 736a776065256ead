package io.guestdata.drive.vfat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One 32-byte short directory entry (Microsoft FAT specification 1.03, "FAT 32 Byte Directory
 * Entry Structure"): the 8.3 name, attributes, time stamps, first cluster and size of a file, a
 * directory, the {@code .}/{@code ..} entries of a directory or the volume label.
 *
 * <p>{@code DIR_NTRes} is documented as reserved for Windows NT; Windows NT and later (and Linux,
 * mtools) use bits 3 and 4 to say that the base name or the extension is lower case, so
 * {@code ec2} can be stored as the short name {@code EC2} alone and still read as {@code ec2}.
 *
 * @param name        the 11 bytes of {@code DIR_Name} (8 base, 3 extension, space padded)
 * @param attributes  {@code DIR_Attr}
 * @param caseFlags   {@code DIR_NTRes}: {@link #LOWER_CASE_BASE} | {@link #LOWER_CASE_EXTENSION}
 * @param timestamp   used for creation, last access (date only) and last write
 * @param firstCluster {@code DIR_FstClusHI}:{@code DIR_FstClusLO}; 0 for an empty file, for the
 *                    label and for {@code ..} when the parent is the root directory
 * @param size        {@code DIR_FileSize}; 0 for directories
 */
record DirectoryEntry(byte[] name, int attributes, int caseFlags, FatTimestamp timestamp, long firstCluster,
        long size) {
    static final int SIZE = 32;
    static final int ATTR_VOLUME_ID = 0x08;
    static final int ATTR_DIRECTORY = 0x10;
    /** Set on every file Linux or Windows creates; backup tools clear it. */
    static final int ATTR_ARCHIVE = 0x20;
    /** {@code ATTR_READ_ONLY | ATTR_HIDDEN | ATTR_SYSTEM | ATTR_VOLUME_ID}: marks a {@link LongNameEntry}. */
    static final int ATTR_LONG_NAME = 0x0F;
    static final int LOWER_CASE_BASE = 0x08;
    static final int LOWER_CASE_EXTENSION = 0x10;

    DirectoryEntry {
        if (name.length != 11) {
            throw new IllegalArgumentException("DIR_Name is 11 bytes");
        }
    }

    static DirectoryEntry file(ShortName name, FatTimestamp t, long firstCluster, long size) {
        return new DirectoryEntry(name.bytes(), ATTR_ARCHIVE, name.caseFlags(), t, firstCluster, size);
    }

    static DirectoryEntry directory(ShortName name, FatTimestamp t, long firstCluster) {
        return new DirectoryEntry(name.bytes(), ATTR_DIRECTORY, name.caseFlags(), t, firstCluster, 0);
    }

    /** "FAT Directory Structure": the first entry of every directory but the root, pointing at itself. */
    static DirectoryEntry dot(FatTimestamp t, long ownCluster) {
        return new DirectoryEntry(padded("."), ATTR_DIRECTORY, 0, t, ownCluster, 0);
    }

    /** The second entry: the parent's first cluster, or 0 when the parent is the root (also on FAT32). */
    static DirectoryEntry dotDot(FatTimestamp t, long parentCluster) {
        return new DirectoryEntry(padded(".."), ATTR_DIRECTORY, 0, t, parentCluster, 0);
    }

    /** The volume label entry in the root directory; only {@code DIR_Name} and the times are used. */
    static DirectoryEntry volumeLabel(byte[] label, FatTimestamp t) {
        return new DirectoryEntry(label, ATTR_VOLUME_ID, 0, t, 0, 0);
    }

    private static byte[] padded(String s) {
        byte[] b = new byte[11];
        Arrays.fill(b, (byte) ' ');
        byte[] src = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(src, 0, b, 0, src.length);
        return b;
    }

    /** Writes the 32 bytes at the buffer's position and advances it. */
    void encode(ByteBuffer out) {
        ByteBuffer b = out.slice(out.position(), SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, name);
        b.put(11, (byte) attributes);
        b.put(12, (byte) caseFlags);
        b.put(13, (byte) timestamp.tenths());
        b.putShort(14, (short) timestamp.time());
        b.putShort(16, (short) timestamp.date());
        b.putShort(18, (short) timestamp.date());
        b.putShort(20, (short) (firstCluster >>> 16));
        b.putShort(22, (short) timestamp.time());
        b.putShort(24, (short) timestamp.date());
        b.putShort(26, (short) firstCluster);
        b.putInt(28, (int) size);
        out.position(out.position() + SIZE);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DirectoryEntry e && Arrays.equals(name, e.name) && attributes == e.attributes
                && caseFlags == e.caseFlags && timestamp.equals(e.timestamp) && firstCluster == e.firstCluster
                && size == e.size;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(name) * 31 + Long.hashCode(firstCluster);
    }

    @Override
    public String toString() {
        return "DirectoryEntry[" + new String(name, StandardCharsets.ISO_8859_1) + ", attr=" + attributes
                + ", cluster=" + firstCluster + ", size=" + size + "]";
    }
}
