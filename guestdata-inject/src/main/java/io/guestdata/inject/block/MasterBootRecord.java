package io.guestdata.inject.block;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The Master Boot Record, sector 0 of an MBR-partitioned disk (UEFI 2.x §5.2.1 "Legacy Master
 * Boot Record"); the same 512-byte layout is used by every Extended Boot Record in the chain of
 * logical partitions:
 *
 * <pre>
 *   0  440  BootCode
 * 440    4  UniqueMBRDiskSignature
 * 444    2  Unknown
 * 446   64  PartitionRecord[4]   (see {@link PartitionEntry})
 * 510    2  Signature 0x55 0xAA
 * </pre>
 *
 * In an MBR the entries' StartingLBA are absolute. In an EBR the first entry's StartingLBA is
 * relative to that EBR, and the link entry's is relative to the start of the extended partition.
 */
public record MasterBootRecord(long diskSignature, List<PartitionEntry> entries, boolean hasBootSignature) {
    /** Offset of the first partition entry. */
    public static final int PARTITION_TABLE_OFFSET = 446;
    /** Bytes read for the structure. */
    public static final int SIZE = 512;

    public MasterBootRecord {
        entries = List.copyOf(entries);
    }

    /** Decodes the 512 bytes at the buffer's position 0. */
    public static MasterBootRecord parse(ByteBuffer sector) {
        ByteBuffer b = sector.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        List<PartitionEntry> entries = new ArrayList<>(4);
        for (int i = 0; i < 4; i++) {
            entries.add(PartitionEntry.parse(b, PARTITION_TABLE_OFFSET + i * PartitionEntry.SIZE));
        }
        boolean signature = Byte.toUnsignedInt(b.get(510)) == 0x55 && Byte.toUnsignedInt(b.get(511)) == 0xaa;
        return new MasterBootRecord(Integer.toUnsignedLong(b.getInt(440)), entries, signature);
    }

    /**
     * Whether the sector is a partition table at all: the 0x55AA signature is present and every
     * entry's boot indicator is 0x00 or 0x80. A FAT boot sector also ends in 0x55AA but carries
     * boot code where the entries would be (Linux {@code msdos_partition()} makes the same test).
     */
    public boolean isPartitionTable() {
        return hasBootSignature && entries.stream().allMatch(PartitionEntry::hasValidBootIndicator);
    }

    /** Whether any entry is the GPT protective type 0xEE (a protective or hybrid MBR). */
    public boolean isProtective() {
        return entries.stream().anyMatch(PartitionEntry::isGptProtective);
    }
}
