package io.guestdata.drive.iso9660;

import java.nio.ByteBuffer;

/** The Volume Descriptor Set Terminator (ECMA-119 §8.3): type 255, "CD001", version 1, zeros. */
final class VolumeDescriptorSetTerminator {
    private VolumeDescriptorSetTerminator() {
    }

    static byte[] bytes() {
        ByteBuffer b = ByteBuffer.allocate(IsoImage.BLOCK);
        b.put((byte) VolumeDescriptor.TYPE_TERMINATOR).put(VolumeDescriptor.STANDARD_IDENTIFIER).put((byte) 1);
        return b.array();
    }
}
