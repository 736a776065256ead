package io.guestdata.drive.vfat;

/**
 * The three FAT variants. Which one a volume is follows from its count of data clusters and
 * nothing else (Microsoft FAT specification 1.03, "FAT Type Determination"): fewer than 4085
 * clusters is FAT12, fewer than 65525 is FAT16, anything more is FAT32. The string in
 * {@code BS_FilSysType} and the size of the FAT are consequences, never inputs.
 */
enum FatType {
    FAT12(12, 1, 4084, 0xFF8L, 0xFFFL, 0xFFFL, 1),
    FAT16(16, 4085, 65524, 0xFFF8L, 0xFFFFL, 0xFFFFL, 1),
    /** Only the low 28 bits of a FAT32 entry are a cluster number ("FAT Data Structure"). */
    FAT32(32, 65525, 0x0FFFFFF5L, 0x0FFFFFF8L, 0x0FFFFFFFL, 0x0FFFFFFFL, 32);

    private final int entryBits;
    private final long minimumClusters;
    private final long maximumClusters;
    private final long mediaEntry;
    private final long cleanEntry;
    private final long endOfChain;
    private final int minimumReservedSectors;

    FatType(int entryBits, long minimumClusters, long maximumClusters, long mediaEntry, long cleanEntry,
            long endOfChain, int minimumReservedSectors) {
        this.entryBits = entryBits;
        this.minimumClusters = minimumClusters;
        this.maximumClusters = maximumClusters;
        this.mediaEntry = mediaEntry;
        this.cleanEntry = cleanEntry;
        this.endOfChain = endOfChain;
        this.minimumReservedSectors = minimumReservedSectors;
    }

    /** "FAT Type Determination": the type is decided by the count of clusters alone. */
    static FatType forClusterCount(long clusters) {
        if (clusters < 4085) {
            return FAT12;
        }
        if (clusters < 65525) {
            return FAT16;
        }
        return FAT32;
    }

    int entryBits() {
        return entryBits;
    }

    /** True if a volume of {@code clusters} data clusters is of this type. */
    boolean holds(long clusters) {
        return clusters >= minimumClusters && clusters <= maximumClusters;
    }

    /** Bytes a FAT of {@code entries} entries occupies (FAT12 packs two entries in three bytes). */
    long fatBytes(long entries) {
        return (entries * entryBits + 7) / 8;
    }

    /** FAT[0]: the media byte (0xF8) in the low 8 bits, all other bits set ("FAT Data Structure"). */
    long mediaEntry() {
        return mediaEntry;
    }

    /**
     * FAT[1]: end of chain; for FAT16 and FAT32 its two high bits also say "volume clean" and
     * "no disk errors", both set.
     */
    long cleanEntry() {
        return cleanEntry;
    }

    /** The value that marks the last cluster of a chain. */
    long endOfChain() {
        return endOfChain;
    }

    /** {@code BPB_RsvdSecCnt} before alignment: 1 for FAT12/16, 32 for FAT32 (spec, "BPB_RsvdSecCnt"). */
    int minimumReservedSectors() {
        return minimumReservedSectors;
    }

    /** {@code BS_FilSysType}, 8 bytes, informational only. */
    String fileSystemType() {
        return name() + "   ";
    }
}
