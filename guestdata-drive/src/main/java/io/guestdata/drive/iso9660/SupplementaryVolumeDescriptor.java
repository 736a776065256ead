package io.guestdata.drive.iso9660;

/**
 * The Joliet Supplementary Volume Descriptor (ECMA-119 §8.5; Joliet specification §3) at logical
 * block 17: escape sequence {@code %/E} (UCS-2 level 3), identifiers in UCS-2 big-endian, pointing
 * to the Joliet hierarchy's path tables and root. Layout in {@link VolumeDescriptor}.
 */
final class SupplementaryVolumeDescriptor {
    /** Joliet UCS-2 level 3 (ISO 2022 escape sequence, §8.5.6). */
    static final byte[] JOLIET_LEVEL_3 = {0x25, 0x2F, 0x45};

    private SupplementaryVolumeDescriptor() {
    }

    static byte[] bytes(VolumeDescriptor.Fields fields) {
        byte[] escapes = new byte[32];
        System.arraycopy(JOLIET_LEVEL_3, 0, escapes, 0, JOLIET_LEVEL_3.length);
        return VolumeDescriptor.write(VolumeDescriptor.TYPE_SUPPLEMENTARY, escapes, fields, VolumeDescriptor::putUcs2);
    }
}
