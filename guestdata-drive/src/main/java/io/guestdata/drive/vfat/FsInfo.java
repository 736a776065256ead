package io.guestdata.drive.vfat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The FAT32 FSInfo sector (Microsoft FAT specification 1.03, "FAT32 FSInfo Sector Structure and
 * Backup Boot Sector"): a hint of the free cluster count and of the next free cluster, so a driver
 * need not scan the FAT. Written exactly (fsck.fat compares the count with the FAT), in sector 1
 * and again in sector 7 beside the backup boot sector.
 *
 * @param freeCount {@code FSI_Free_Count}
 * @param nextFree  {@code FSI_Nxt_Free}, or 0xFFFFFFFF when there is no hint
 */
record FsInfo(long freeCount, long nextFree) {
    private static final int LEAD_SIGNATURE = 0x41615252;
    private static final int STRUCTURE_SIGNATURE = 0x61417272;
    private static final int TRAIL_SIGNATURE = 0xAA550000;

    ByteBuffer encode() {
        ByteBuffer b = ByteBuffer.allocate(BiosParameterBlock.BYTES_PER_SECTOR).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, LEAD_SIGNATURE);
        b.putInt(484, STRUCTURE_SIGNATURE);
        b.putInt(488, (int) freeCount);
        b.putInt(492, (int) nextFree);
        b.putInt(508, TRAIL_SIGNATURE);
        return b;
    }
}
