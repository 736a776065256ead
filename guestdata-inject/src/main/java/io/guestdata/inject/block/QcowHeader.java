package io.guestdata.inject.block;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * The header of a QEMU copy-on-write version 1 image ({@code block/qcow.c}, {@code QCowHeader}),
 * 48 bytes, big-endian, checked as {@code qcow_open} checks it:
 *
 * <pre>
 *  0  4  magic                "QFI\xFB"
 *  4  4  version              1
 *  8  8  backing_file_offset  0: no backing file
 * 16  4  backing_file_size    at most 1023
 * 20  4  mtime
 * 24  8  size                 virtual disk size in bytes, at least 2
 * 32  1  cluster_bits         9 .. 16
 * 33  1  l2_bits              6 .. 13
 * 34  2  padding
 * 36  4  crypt_method         0 none, 1 AES
 * 40  8  l1_table_offset
 * </pre>
 *
 * The format records no backing file format: QEMU probes it.
 *
 * @param backingFile the backing file name as stored; empty when there is none
 */
record QcowHeader(long size, int clusterBits, int l2Bits, long cryptMethod, long backingFileOffset,
        Optional<String> backingFile) {
    static final int SIZE = 48;
    static final int MAX_BACKING_NAME = 1023;

    static QcowHeader read(LayerFile f) throws BlockException {
        ByteBuffer h = f.read(0, SIZE, ByteOrder.BIG_ENDIAN);
        if (h.getInt(0) != Qcow2Header.MAGIC || h.getInt(4) != 1) {
            throw new ImageFormatException(f.path(), "has no qcow version 1 header (magic QFI\\xfb, version 1)");
        }
        long size = h.getLong(24);
        int clusterBits = Byte.toUnsignedInt(h.get(32));
        int l2Bits = Byte.toUnsignedInt(h.get(33));
        long crypt = Integer.toUnsignedLong(h.getInt(36));
        if (Long.compareUnsigned(size, 2) < 0) {
            throw corrupt(f, "size " + Long.toUnsignedString(size) + " is below 2 bytes");
        }
        if (clusterBits < 9 || clusterBits > 16 || l2Bits < 6 || l2Bits > 13) {
            throw corrupt(f, "cluster_bits " + clusterBits + " (9..16) or l2_bits " + l2Bits + " (6..13) is invalid");
        }
        if (crypt > 1) {
            throw corrupt(f, "crypt_method " + crypt + " is not 0 (none) or 1 (AES)");
        }
        long backingOffset = h.getLong(8);
        long backingSize = Integer.toUnsignedLong(h.getInt(16));
        Optional<String> backing = Optional.empty();
        if (backingOffset != 0) {
            if (backingSize == 0 || backingSize > MAX_BACKING_NAME) {
                throw corrupt(f, "backing_file_size " + backingSize + " is not 1.." + MAX_BACKING_NAME
                        + " (the backing file name is too long for QEMU, or empty)");
            }
            if (backingOffset < SIZE || backingOffset > f.size() - backingSize) {
                throw corrupt(f, "the backing file name (offset " + Long.toUnsignedString(backingOffset) + ", "
                        + backingSize + " bytes) lies inside the header or past the end of the file (" + f.size()
                        + " bytes)");
            }
            byte[] name = new byte[(int) backingSize];
            f.read(backingOffset, (int) backingSize, ByteOrder.BIG_ENDIAN).get(name);
            backing = Optional.of(StoredFileName.decode(f.path(), name, "qcow backing file name"));
        }
        return new QcowHeader(size, clusterBits, l2Bits, crypt, backingOffset, backing);
    }

    /** Refuses encryption (we take no keys). */
    LayerHeader check(LayerFile f) throws ImageFormatException {
        if (cryptMethod != 0) {
            throw new ImageFormatException(f.path(), "is an encrypted qcow (AES); guestdata takes no keys and cannot"
                    + " inject into encrypted images: decrypt it first (qemu-img convert with a secret object)");
        }
        return new LayerHeader(ImageFormat.QCOW, backingFile, "qcow header field backing_file, at offset "
                + backingFileOffset, Optional.empty());
    }

    private static ImageFormatException corrupt(LayerFile f, String what) {
        return new ImageFormatException(f.path(), "qcow header: " + what + "; the header is corrupt");
    }
}
