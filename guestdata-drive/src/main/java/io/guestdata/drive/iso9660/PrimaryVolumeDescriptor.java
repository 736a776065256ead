package io.guestdata.drive.iso9660;

/**
 * The Primary Volume Descriptor (ECMA-119 §8.4) at logical block 16: identifiers in ASCII as given
 * (genisoimage records {@code config-2} in lower case), no escape sequences, pointing to the
 * primary hierarchy's path tables and root. Layout in {@link VolumeDescriptor}.
 */
final class PrimaryVolumeDescriptor {
    private PrimaryVolumeDescriptor() {
    }

    static byte[] bytes(VolumeDescriptor.Fields fields) {
        return VolumeDescriptor.write(VolumeDescriptor.TYPE_PRIMARY, new byte[32], fields, VolumeDescriptor::putAscii);
    }
}
