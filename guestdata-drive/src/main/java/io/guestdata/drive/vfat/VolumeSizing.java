package io.guestdata.drive.vfat;

import io.guestdata.drive.ImageException;
import io.guestdata.drive.vfat.DirectoryTree.Directory;

/**
 * How big the volume is and how it is formatted.
 *
 * <p><b>Size.</b> The image is the smallest size, in whole 4 KiB, that is at least the requested
 * minimum ({@link FatOptions#minimumSizeBytes()}, by default Nova's 64 MiB) and leaves free at least
 * 1/16 of the space the content takes, and never less than 1 MiB. The content is what it is;
 * the free space lets a guest that mounts the drive read-write (Nova mounts it so, and some tools
 * write a file back) find room, and costs nothing, since the image is sparse. Growth is searched
 * from the minimum upwards by the exact shortfall in clusters, so a volume is as small as the rule
 * allows to within a few sectors at the edges of the cluster-size bands.
 *
 * <p><b>Format.</b> For a given size the cluster size comes from the tables of the Microsoft FAT
 * specification 1.03, "FAT Volume Initialization" (DskTableFAT16 up to 2 GiB, DskTableFAT32 above;
 * under 4.1 MB, where the FAT16 table refuses, FAT12 with the smallest cluster that keeps the count
 * below 4085). The FAT type then follows from the resulting cluster count alone ("FAT Type
 * Determination"). Where the tables' round sizes and the exact count disagree (a FAT16 table entry
 * that yields 65525 clusters or more at just under 2 GiB, or a FAT12/16 root directory grown so
 * large that too few clusters remain) the next layout whose count agrees with its type is taken:
 * FAT32 with its table's cluster size, then FAT16, then FAT12, each from the smallest cluster up.
 *
 * <p><b>Limit.</b> The largest volume is {@link #MAX_IMAGE_BYTES}, 2 TiB − 4 KiB: FAT32 counts
 * sectors in 32 bits ({@code BPB_TotSec32}) and the sector size is 512 bytes.
 */
final class VolumeSizing {
    static final long SECTOR = BiosParameterBlock.BYTES_PER_SECTOR;
    static final long GRANULE_SECTORS = 4096 / SECTOR;
    static final long MAX_SECTORS = 0xFFFF_FFFFL / GRANULE_SECTORS * GRANULE_SECTORS;
    /** 2 TiB − 4 KiB. */
    static final long MAX_IMAGE_BYTES = MAX_SECTORS * SECTOR;
    static final long MINIMUM_FREE_BYTES = 1L << 20;
    static final int FREE_FRACTION = 16;
    /** Fixed root directory size for FAT12/16 unless the root needs more ("BPB_RootEntCnt"). */
    static final int DEFAULT_ROOT_ENTRIES = 512;
    private static final int[] SECTORS_PER_CLUSTER = {1, 2, 4, 8, 16, 32, 64};

    private VolumeSizing() {
    }

    /** The boot parameters of the volume for {@code root} (see the class comment). */
    static BiosParameterBlock choose(Directory root, long minimumBytes) throws ImageException {
        int rootEntries = rootEntriesFor(root);
        long sectors = Math.max(GRANULE_SECTORS, Math.ceilDiv(minimumBytes, 4096) * GRANULE_SECTORS);
        while (sectors <= MAX_SECTORS) {
            BiosParameterBlock bpb = geometryFor(sectors, rootEntries);
            long shortfall;
            if (bpb == null) {
                shortfall = sectors;
            } else {
                long used = VolumeLayout.clustersNeeded(root, bpb.type(), bpb.clusterBytes());
                long free = Math.max(MINIMUM_FREE_BYTES, used * bpb.clusterBytes() / FREE_FRACTION);
                long wanted = used + Math.ceilDiv(free, bpb.clusterBytes());
                if (wanted <= bpb.clusterCount()) {
                    return bpb;
                }
                long missing = (wanted - bpb.clusterCount()) * bpb.sectorsPerCluster();
                // More clusters also need a larger FAT: at most 4 bytes per cluster in each of 2 FATs.
                shortfall = missing + Math.ceilDiv((wanted - bpb.clusterCount()) * 8, SECTOR) + GRANULE_SECTORS;
            }
            if (sectors == MAX_SECTORS) {
                break;
            }
            sectors = Math.min(MAX_SECTORS, Math.ceilDiv(sectors + shortfall, GRANULE_SECTORS) * GRANULE_SECTORS);
        }
        throw new ImageException("files", "the content needs a volume larger than " + MAX_IMAGE_BYTES
                + " bytes (2 TiB − 4 KiB), the largest FAT32 volume this writer makes (32-bit sector count, 512-byte sectors)");
    }

    /** Root directory region size for FAT12/16: 512 entries, or more, in whole sectors, if the root needs it. */
    static int rootEntriesFor(Directory root) {
        return Math.max(DEFAULT_ROOT_ENTRIES, Math.ceilDiv(root.slots(), 16) * 16);
    }

    /** The layout for a volume of {@code totalSectors}, or null if none fits (too small). */
    static BiosParameterBlock geometryFor(long totalSectors, int rootEntries) {
        BiosParameterBlock preferred;
        if (totalSectors < 8400) {
            preferred = smallestCluster(FatType.FAT12, totalSectors, rootEntries);
        } else if (totalSectors <= 4_194_304) {
            preferred = BiosParameterBlock.layout(FatType.FAT16, totalSectors, fat16SectorsPerCluster(totalSectors),
                    rootEntries);
        } else {
            preferred = BiosParameterBlock.layout(FatType.FAT32, totalSectors, fat32SectorsPerCluster(totalSectors),
                    rootEntries);
        }
        if (preferred != null) {
            return preferred;
        }
        BiosParameterBlock fat32 = BiosParameterBlock.layout(FatType.FAT32, totalSectors,
                fat32SectorsPerCluster(totalSectors), rootEntries);
        if (fat32 != null) {
            return fat32;
        }
        BiosParameterBlock fat16 = smallestCluster(FatType.FAT16, totalSectors, rootEntries);
        return fat16 != null ? fat16 : smallestCluster(FatType.FAT12, totalSectors, rootEntries);
    }

    private static BiosParameterBlock smallestCluster(FatType type, long totalSectors, int rootEntries) {
        for (int spc : SECTORS_PER_CLUSTER) {
            BiosParameterBlock bpb = BiosParameterBlock.layout(type, totalSectors, spc, rootEntries);
            if (bpb != null) {
                return bpb;
            }
        }
        return null;
    }

    /** DskTableFAT16 ("FAT Volume Initialization"), for 512-byte sectors. */
    static int fat16SectorsPerCluster(long totalSectors) {
        if (totalSectors <= 32_680) {
            return 2;
        }
        if (totalSectors <= 262_144) {
            return 4;
        }
        if (totalSectors <= 524_288) {
            return 8;
        }
        if (totalSectors <= 1_048_576) {
            return 16;
        }
        if (totalSectors <= 2_097_152) {
            return 32;
        }
        return 64;
    }

    /** DskTableFAT32 ("FAT Volume Initialization"), for 512-byte sectors; its "error" row (under 32.5 MB) as 1. */
    static int fat32SectorsPerCluster(long totalSectors) {
        if (totalSectors <= 532_480) {
            return 1;
        }
        if (totalSectors <= 16_777_216) {
            return 8;
        }
        if (totalSectors <= 33_554_432) {
            return 16;
        }
        if (totalSectors <= 67_108_864) {
            return 32;
        }
        return 64;
    }
}
