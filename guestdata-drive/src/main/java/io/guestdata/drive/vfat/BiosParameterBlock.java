package io.guestdata.drive.vfat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The BIOS Parameter Block: the geometry of a FAT volume, at offsets 11 to 63 of the boot sector
 * (Microsoft FAT specification 1.03, "Boot Sector and BPB": "BPB structure common to FAT12, FAT16,
 * and FAT32 implementations" and, for FAT32, the first fields of "Extended BPB structure for FAT32
 * volumes"). The extended boot record that follows (drive number, serial, label) belongs to
 * {@link BootSector}.
 *
 * <p>Fixed choices: 512-byte sectors (the only size every reader takes), two FATs, media 0xF8
 * (fixed disk), FAT32 root directory at cluster 2, FSInfo in sector 1, backup boot sector in
 * sector 6. The first data sector is aligned to the larger of the cluster size and 4 KiB by adding
 * reserved sectors, as mkfs.fat aligns it (so Nova's drives had 4 reserved sectors, not 1): every
 * cluster of 4 KiB or more then starts on a 4 KiB boundary of the image file, which keeps the holes
 * of the sparse image and the blocks of the host file system in step.
 *
 * @param type              FAT12, FAT16 or FAT32, as the cluster count decides
 * @param sectorsPerCluster {@code BPB_SecPerClus}
 * @param reservedSectors   {@code BPB_RsvdSecCnt}
 * @param rootEntryCount    {@code BPB_RootEntCnt}; 0 for FAT32
 * @param totalSectors      {@code BPB_TotSec16} or {@code BPB_TotSec32}
 * @param fatSectors        {@code BPB_FATSz16} or {@code BPB_FATSz32}
 */
record BiosParameterBlock(FatType type, int sectorsPerCluster, int reservedSectors, int rootEntryCount,
        long totalSectors, long fatSectors) {
    static final int BYTES_PER_SECTOR = 512;
    static final int NUMBER_OF_FATS = 2;
    static final int MEDIA = 0xF8;
    static final int FSINFO_SECTOR = 1;
    static final int BACKUP_BOOT_SECTOR = 6;
    static final long FAT32_ROOT_CLUSTER = 2;
    /** CHS geometry is not used by LBA readers; 63 sectors and 255 heads is the usual LBA-assist value. */
    private static final int SECTORS_PER_TRACK = 63;
    private static final int NUMBER_OF_HEADS = 255;
    private static final int ALIGNMENT_SECTORS = 4096 / BYTES_PER_SECTOR;

    /**
     * Lays out a volume of {@code totalSectors} sectors as {@code type} with clusters of
     * {@code sectorsPerCluster}, or returns null if that is impossible: too small, or its cluster
     * count would make it another FAT type ("FAT Type Determination").
     *
     * <p>The FAT is the smallest that holds an entry for every cluster plus the two reserved entries
     * ("FAT Data Structure"); the spec's "FAT Volume Initialization" formula gives the same or a
     * sector or two more.
     *
     * @param rootEntries for FAT12/16 the size of the fixed root directory region in entries, a
     *                    multiple of 16 so the region fills whole sectors; ignored for FAT32
     */
    static BiosParameterBlock layout(FatType type, long totalSectors, int sectorsPerCluster, int rootEntries) {
        int rootEntryCount = type == FatType.FAT32 ? 0 : rootEntries;
        long rootSectors = (long) rootEntryCount * DirectoryEntry.SIZE / BYTES_PER_SECTOR;
        long reserved = type.minimumReservedSectors();
        long available = totalSectors - reserved - rootSectors;
        if (available <= 0) {
            return null;
        }
        long fat = fatSectorsFor(type, available / sectorsPerCluster);
        while (fat > 1) {
            long clusters = (available - NUMBER_OF_FATS * (fat - 1)) / sectorsPerCluster;
            if (clusters < 0 || fatSectorsFor(type, clusters) > fat - 1) {
                break;
            }
            fat--;
        }
        long alignment = Math.max(sectorsPerCluster, ALIGNMENT_SECTORS);
        long metadata = reserved + NUMBER_OF_FATS * fat + rootSectors;
        reserved += (alignment - metadata % alignment) % alignment;
        long firstData = reserved + NUMBER_OF_FATS * fat + rootSectors;
        if (firstData >= totalSectors) {
            return null;
        }
        long clusters = (totalSectors - firstData) / sectorsPerCluster;
        if (FatType.forClusterCount(clusters) != type || !type.holds(clusters)) {
            return null;
        }
        return new BiosParameterBlock(type, sectorsPerCluster, (int) reserved, rootEntryCount, totalSectors, fat);
    }

    private static long fatSectorsFor(FatType type, long clusters) {
        return Math.ceilDiv(type.fatBytes(clusters + 2), BYTES_PER_SECTOR);
    }

    int clusterBytes() {
        return sectorsPerCluster * BYTES_PER_SECTOR;
    }

    long imageBytes() {
        return totalSectors * BYTES_PER_SECTOR;
    }

    /** Byte offset of FAT number {@code index} (0 or 1). */
    long fatOffset(int index) {
        return (reservedSectors + index * fatSectors) * BYTES_PER_SECTOR;
    }

    long fatBytes() {
        return fatSectors * BYTES_PER_SECTOR;
    }

    /** Byte offset of the FAT12/16 root directory region ("FAT Directory Structure"). */
    long rootDirectoryOffset() {
        return fatOffset(NUMBER_OF_FATS);
    }

    long rootDirectoryBytes() {
        return (long) rootEntryCount * DirectoryEntry.SIZE;
    }

    long firstDataSector() {
        return reservedSectors + NUMBER_OF_FATS * fatSectors + rootDirectoryBytes() / BYTES_PER_SECTOR;
    }

    /** {@code CountofClusters}: data clusters, numbered 2 to count + 1. */
    long clusterCount() {
        return (totalSectors - firstDataSector()) / sectorsPerCluster;
    }

    /** Byte offset of data cluster {@code cluster} (the first is cluster 2). */
    long clusterOffset(long cluster) {
        return (firstDataSector() + (cluster - 2) * sectorsPerCluster) * BYTES_PER_SECTOR;
    }

    /** Writes offsets 11 to 35 (all types) and 36 to 63 (FAT32) of {@code bootSector}. */
    void encode(ByteBuffer bootSector) {
        ByteBuffer b = bootSector.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(11, (short) BYTES_PER_SECTOR);
        b.put(13, (byte) sectorsPerCluster);
        b.putShort(14, (short) reservedSectors);
        b.put(16, (byte) NUMBER_OF_FATS);
        b.putShort(17, (short) rootEntryCount);
        // BPB_TotSec16 when the count fits in 16 bits, else 0 and BPB_TotSec32 (spec, "BPB_TotSec16").
        b.putShort(19, (short) (totalSectors < 0x10000 ? totalSectors : 0));
        b.put(21, (byte) MEDIA);
        b.putShort(22, (short) (type == FatType.FAT32 ? 0 : fatSectors));
        b.putShort(24, (short) SECTORS_PER_TRACK);
        b.putShort(26, (short) NUMBER_OF_HEADS);
        b.putInt(28, 0);
        b.putInt(32, (int) (totalSectors < 0x10000 ? 0 : totalSectors));
        if (type == FatType.FAT32) {
            b.putInt(36, (int) fatSectors);
            b.putShort(40, (short) 0); // BPB_ExtFlags: FAT mirrored to both copies at run time
            b.putShort(42, (short) 0); // BPB_FSVer 0.0
            b.putInt(44, (int) FAT32_ROOT_CLUSTER);
            b.putShort(48, (short) FSINFO_SECTOR);
            b.putShort(50, (short) BACKUP_BOOT_SECTOR);
            // 52..63 BPB_Reserved: zero
        }
    }
}
