package io.guestdata.inject.block;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The dynamic disk header of a VHD (Microsoft "Virtual Hard Disk Image Format Specification"
 * 1.0, "Dynamic Disk Header Format"), big-endian, 1024 bytes at the footer's data offset:
 *
 * <pre>
 *   0    8  cookie                 "cxsparse"
 *  16    8  table offset           the block allocation table
 *  28    4  max table entries
 *  32    4  block size
 *  40   16  parent unique id       a differencing disk's parent
 *  64  512  parent unicode name    UTF-16BE
 * 576  8×24 parent locator entries platform code (4), data space (4), data length (4),
 *                                  reserved (4), data offset (8): where a parent's path is stored
 * </pre>
 *
 * QEMU never follows a parent, but a dynamic disk that carries one is a differencing disk in
 * disguise: refused.
 */
record VpcDynamicDiskHeader(boolean parentId, boolean parentName, int parentLocators) {
    static final int SIZE = 1024;
    static final int LOCATORS = 8;

    static VpcDynamicDiskHeader read(LayerFile f, long offset) throws BlockException {
        if (offset < 512 || offset > f.size() - SIZE) {
            throw new ImageFormatException(f.path(), "VHD footer's data offset " + Long.toUnsignedString(offset)
                    + " does not point to a dynamic disk header inside the file; the image is corrupt");
        }
        ByteBuffer b = f.read(offset, SIZE, ByteOrder.BIG_ENDIAN);
        if (b.getLong(0) != 0x6378737061727365L) { // "cxsparse"
            throw new ImageFormatException(f.path(), "has no VHD dynamic disk header (cookie cxsparse) at byte "
                    + offset + "; the image is corrupt");
        }
        boolean name = false;
        for (int i = 64; i < 576; i++) {
            name |= b.get(i) != 0;
        }
        int locators = 0;
        for (int i = 0; i < LOCATORS; i++) {
            if (b.getInt(576 + 24 * i) != 0) {
                locators++;
            }
        }
        return new VpcDynamicDiskHeader(!EfiGuid.isZero(b, 40), name, locators);
    }

    void check(LayerFile f) throws ImageFormatException {
        if (parentId || parentName || parentLocators > 0) {
            throw new ImageFormatException(f.path(), "is a VHD whose dynamic disk header names a parent (parent id,"
                    + " name or " + parentLocators + " parent locators); parents are never followed: flatten it with"
                    + " qemu-img convert");
        }
    }
}
