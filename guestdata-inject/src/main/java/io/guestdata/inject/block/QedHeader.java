package io.guestdata.inject.block;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * The QEMU enhanced disk header ({@code block/qed.h}, {@code QEDHeader}), 64 bytes,
 * little-endian, checked as {@code bdrv_qed_do_open} checks it:
 *
 * <pre>
 *  0  4  magic                    "QED\0"
 *  4  4  cluster_size             power of two, 4 KiB .. 64 MiB
 *  8  4  table_size               in clusters, power of two, 1 .. 16
 * 12  4  header_size              in clusters, at least 1
 * 16  8  features                 bit 0 backing file, 1 needs check, 2 backing format is raw
 *                                 (do not probe); any other bit unknown
 * 24  8  compat_features
 * 32  8  autoclear_features
 * 40  8  l1_table_offset
 * 48  8  image_size               virtual disk size in bytes
 * 56  4  backing_filename_offset  from the start of the file, within the header clusters
 * 60  4  backing_filename_size
 * </pre>
 *
 * The backing file fields mean something only when feature bit 0 is set.
 *
 * @param backingFile the backing file name as stored; empty when feature bit 0 is clear
 */
record QedHeader(long clusterSize, long tableSize, long headerSize, long features, long imageSize,
        long backingFilenameOffset, Optional<String> backingFile) {
    static final int SIZE = 64;
    static final int MAGIC = 'Q' | 'E' << 8 | 'D' << 16;
    static final long F_BACKING_FILE = 0x01;
    static final long F_NEED_CHECK = 0x02;
    static final long F_BACKING_FORMAT_NO_PROBE = 0x04;
    static final long FEATURE_MASK = F_BACKING_FILE | F_NEED_CHECK | F_BACKING_FORMAT_NO_PROBE;
    /** QEMU reads the name into a 4096-byte buffer with its NUL. */
    static final int MAX_BACKING_NAME = 4095;

    static QedHeader read(LayerFile f) throws BlockException {
        ByteBuffer h = f.read(0, SIZE, ByteOrder.LITTLE_ENDIAN);
        if (h.getInt(0) != MAGIC) {
            throw new ImageFormatException(f.path(), "has no QED header (magic QED\\0)");
        }
        long clusterSize = Integer.toUnsignedLong(h.getInt(4));
        long tableSize = Integer.toUnsignedLong(h.getInt(8));
        long headerSize = Integer.toUnsignedLong(h.getInt(12));
        long features = h.getLong(16);
        if (Long.bitCount(clusterSize) != 1 || clusterSize < 4096 || clusterSize > (64L << 20)) {
            throw corrupt(f, "cluster_size " + clusterSize + " is not a power of two in 4 KiB..64 MiB");
        }
        if (Long.bitCount(tableSize) != 1 || tableSize > 16) {
            throw corrupt(f, "table_size " + tableSize + " is not a power of two in 1..16");
        }
        if (headerSize == 0) {
            throw corrupt(f, "header_size is 0 clusters");
        }
        if ((features & ~FEATURE_MASK) != 0) {
            throw new ImageFormatException(f.path(), "sets QED feature bits 0x" + Long.toHexString(features & ~FEATURE_MASK)
                    + " that QEMU does not know; it is not injected");
        }
        long nameOffset = Integer.toUnsignedLong(h.getInt(56));
        long nameSize = Integer.toUnsignedLong(h.getInt(60));
        Optional<String> backing = Optional.empty();
        if ((features & F_BACKING_FILE) != 0) {
            long headerBytes = headerSize * clusterSize;
            if (nameSize == 0 || nameSize > MAX_BACKING_NAME) {
                throw corrupt(f, "backing_filename_size " + nameSize + " is not 1.." + MAX_BACKING_NAME);
            }
            if (nameOffset < SIZE || nameOffset + nameSize > headerBytes || nameOffset + nameSize > f.size()) {
                throw corrupt(f, "the backing file name (offset " + nameOffset + ", " + nameSize + " bytes) lies"
                        + " inside the header fields, past the header's " + headerBytes + " bytes or past the end"
                        + " of the file (" + f.size() + " bytes)");
            }
            byte[] name = new byte[(int) nameSize];
            f.read(nameOffset, (int) nameSize, ByteOrder.LITTLE_ENDIAN).get(name);
            backing = Optional.of(StoredFileName.decode(f.path(), name, "QED backing file name"));
        }
        return new QedHeader(clusterSize, tableSize, headerSize, features, h.getLong(48), nameOffset, backing);
    }

    /** QED has no encryption and no data files: only the backing file is reported. */
    LayerHeader check() {
        Optional<String> format = (features & F_BACKING_FORMAT_NO_PROBE) != 0 ? Optional.of("raw") : Optional.empty();
        return new LayerHeader(ImageFormat.QED, backingFile, "QED header field backing_filename, at offset "
                + backingFilenameOffset, format);
    }

    private static ImageFormatException corrupt(LayerFile f, String what) {
        return new ImageFormatException(f.path(), "QED header: " + what + "; the header is corrupt");
    }
}
