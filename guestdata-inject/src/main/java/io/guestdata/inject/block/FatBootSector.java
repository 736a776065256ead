package io.guestdata.inject.block;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The FAT boot sector and its BIOS Parameter Block (Microsoft "FAT: General Overview of On-Disk
 * Format" 1.03, §3 "Boot Sector and BPB"), decoded only as far as needed to tell a FAT volume
 * from an MBR:
 *
 * <pre>
 *  0  3  BS_jmpBoot       EB xx 90 or E9 xx xx
 * 11  2  BPB_BytsPerSec   512, 1024, 2048 or 4096
 * 13  1  BPB_SecPerClus   a power of two, 1..128
 * 14  2  BPB_RsvdSecCnt   non-zero
 * 16  1  BPB_NumFATs      non-zero
 * 21  1  BPB_Media        0xF0 or 0xF8..0xFF
 * 54  8  BS_FilSysType    "FAT12   ", "FAT16   ", "FAT     " (FAT12/16)
 * 82  8  BS_FilSysType    "FAT32   " (FAT32)
 * 510 2  0x55 0xAA
 * </pre>
 *
 * The spec says BS_FilSysType is informational only; like libblkid we still require it (or the
 * "MSWIN"/"MSDOS" OEM marks) so that boot code is not mistaken for a BPB.
 */
final class FatBootSector {
    private FatBootSector() {}

    static boolean isFatBootSector(ByteBuffer sector) {
        ByteBuffer b = sector.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (b.capacity() < 512 || Byte.toUnsignedInt(b.get(510)) != 0x55 || Byte.toUnsignedInt(b.get(511)) != 0xaa) {
            return false;
        }
        int jump = Byte.toUnsignedInt(b.get(0));
        if (!(jump == 0xe9 || (jump == 0xeb && Byte.toUnsignedInt(b.get(2)) == 0x90))) {
            return false;
        }
        int bytesPerSector = Short.toUnsignedInt(b.getShort(11));
        int sectorsPerCluster = Byte.toUnsignedInt(b.get(13));
        int reserved = Short.toUnsignedInt(b.getShort(14));
        int fats = Byte.toUnsignedInt(b.get(16));
        int media = Byte.toUnsignedInt(b.get(21));
        boolean bpb = (bytesPerSector == 512 || bytesPerSector == 1024 || bytesPerSector == 2048 || bytesPerSector == 4096)
                && sectorsPerCluster != 0 && Integer.bitCount(sectorsPerCluster) == 1
                && reserved != 0 && fats != 0 && (media == 0xf0 || media >= 0xf8);
        return bpb && (ascii(b, 54, 8).startsWith("FAT") || ascii(b, 82, 8).equals("FAT32   ")
                || ascii(b, 54, 5).equals("MSDOS") || ascii(b, 82, 5).equals("MSWIN"));
    }

    private static String ascii(ByteBuffer b, int offset, int length) {
        byte[] s = new byte[length];
        b.get(offset, s);
        return new String(s, StandardCharsets.ISO_8859_1);
    }
}
