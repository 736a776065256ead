package io.guestdata.inject.block;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The VirtualBox disk image header (QEMU {@code block/vdi.c}, {@code VdiHeader}), little-endian,
 * at byte 0:
 *
 * <pre>
 *   0  64  text           "<<< Oracle VM VirtualBox Disk Image >>>\n" (not checked, as QEMU)
 *  64   4  signature      0xbeda107f
 *  68   4  version        0x00010001 (1.1)
 *  72   4  header_size
 *  76   4  image_type     1 dynamic, 2 static, 3 undo, 4 differencing
 * 368   8  disk_size      virtual disk size in bytes
 * 424  16  uuid_link      the parent's uuid_image in a differencing image
 * 440  16  uuid_parent
 * </pre>
 *
 * QEMU opens only dynamic and static images and never follows a parent; a differencing image
 * read alone would show zeros where its parent has data, so it is refused with a clear message
 * before QEMU would refuse it with a vague one.
 */
record VdiHeader(long version, long imageType, long diskSize, boolean hasParent) {
    static final int SIGNATURE = 0xbeda107f;
    static final int VERSION_1_1 = 0x00010001;
    static final long TYPE_DYNAMIC = 1;
    static final long TYPE_STATIC = 2;

    static VdiHeader read(LayerFile f) throws BlockException {
        ByteBuffer h = f.read(0, 512, ByteOrder.LITTLE_ENDIAN);
        if (h.getInt(64) != SIGNATURE) {
            throw new ImageFormatException(f.path(), "has no VDI header (signature 0xbeda107f at byte 64)");
        }
        return new VdiHeader(Integer.toUnsignedLong(h.getInt(68)), Integer.toUnsignedLong(h.getInt(76)),
                h.getLong(368), !EfiGuid.isZero(h, 424) || !EfiGuid.isZero(h, 440));
    }

    /** Refuses versions other than 1.1, differencing and undo images, and any parent uuid. */
    LayerHeader check(LayerFile f) throws ImageFormatException {
        if (version != VERSION_1_1) {
            throw new ImageFormatException(f.path(), "VDI version 0x" + Long.toHexString(version)
                    + " is not supported (1.1)");
        }
        if (imageType != TYPE_DYNAMIC && imageType != TYPE_STATIC) {
            throw new ImageFormatException(f.path(), "is a VDI of image type " + imageType + (imageType == 4
                    ? " (differencing: its data lives partly in a parent image)" : "") + "; only dynamic and static"
                    + " VDIs are injected: convert it with qemu-img convert");
        }
        if (hasParent) {
            throw new ImageFormatException(f.path(), "is a VDI that names a parent image (uuid_link/uuid_parent);"
                    + " parents are never followed: convert it with qemu-img convert");
        }
        return LayerHeader.standalone(ImageFormat.VDI);
    }
}
