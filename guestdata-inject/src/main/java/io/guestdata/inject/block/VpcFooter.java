package io.guestdata.inject.block;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The hard disk footer of a Virtual PC / VHD image (Microsoft "Virtual Hard Disk Image Format
 * Specification" 1.0, "Hard Disk Footer Format"), big-endian, 512 bytes. A dynamic or
 * differencing disk has a copy at byte 0, which is how {@link ImageFormat#detect} knows the
 * format (a fixed disk has the footer only at its end and is read as raw):
 *
 * <pre>
 *  0  8  cookie        "conectix"
 *  8  4  features
 * 12  4  version       0x00010000
 * 16  8  data offset   the dynamic disk header; 0xffffffffffffffff for a fixed disk
 * 48  8  current size  virtual disk size in bytes
 * 60  4  disk type     2 fixed, 3 dynamic, 4 differencing
 * </pre>
 */
record VpcFooter(long dataOffset, long currentSize, long diskType) {
    static final long TYPE_FIXED = 2;
    static final long TYPE_DYNAMIC = 3;
    static final long TYPE_DIFFERENCING = 4;

    static VpcFooter read(LayerFile f) throws BlockException {
        ByteBuffer b = f.read(0, 512, ByteOrder.BIG_ENDIAN);
        if (b.getLong(0) != 0x636f6e6563746978L) { // "conectix"
            throw new ImageFormatException(f.path(), "has no VHD footer copy at byte 0 (cookie conectix)");
        }
        return new VpcFooter(b.getLong(16), b.getLong(48), Integer.toUnsignedLong(b.getInt(60)));
    }

    /**
     * Refuses a differencing disk (its parent is named by the dynamic header's parent locators)
     * and unknown disk types; a dynamic disk's header is read and checked too.
     */
    LayerHeader check(LayerFile f) throws BlockException {
        if (diskType == TYPE_DIFFERENCING) {
            throw new ImageFormatException(f.path(), "is a differencing VHD: its data lives partly in a parent image"
                    + " named by its parent locators, which are never followed: flatten it with qemu-img convert");
        }
        if (diskType == TYPE_DYNAMIC) {
            VpcDynamicDiskHeader.read(f, dataOffset).check(f);
        } else if (diskType != TYPE_FIXED) {
            throw new ImageFormatException(f.path(), "VHD disk type " + diskType + " is not fixed (2) or dynamic (3)");
        }
        return LayerHeader.standalone(ImageFormat.VPC);
    }
}
