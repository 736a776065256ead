package io.guestdata.inject.block;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One 16-byte partition entry of a Master Boot Record or Extended Boot Record, at offsets
 * 446, 462, 478 and 494 of the sector (the classic IBM PC / MS-DOS layout, as documented in
 * UEFI 2.x §5.2.1 Table "Legacy MBR Partition Record"):
 *
 * <pre>
 *  0  1  BootIndicator   0x80 bootable, 0x00 not; anything else means this is not a partition table
 *  1  3  StartingCHS     ignored (LBA is authoritative)
 *  4  1  OSType          the partition type byte (0x05/0x0F/0x85 extended, 0xEE GPT protective)
 *  5  3  EndingCHS       ignored
 *  8  4  StartingLBA     little-endian, relative to the table's base (see {@link MasterBootRecord})
 * 12  4  SizeInLBA       little-endian sector count
 * </pre>
 */
public record PartitionEntry(int bootIndicator, int type, long startingLba, long sizeInLba) {
    /** Size of an entry in bytes. */
    public static final int SIZE = 16;

    /** Decodes the entry at {@code offset} of {@code sector}. */
    public static PartitionEntry parse(ByteBuffer sector, int offset) {
        ByteBuffer b = sector.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        return new PartitionEntry(
                Byte.toUnsignedInt(b.get(offset)),
                Byte.toUnsignedInt(b.get(offset + 4)),
                Integer.toUnsignedLong(b.getInt(offset + 8)),
                Integer.toUnsignedLong(b.getInt(offset + 12)));
    }

    /** An unused slot: type 0 or no sectors. */
    public boolean isEmpty() {
        return type == 0 || sizeInLba == 0;
    }

    /** An extended-partition container or link (types 0x05, 0x0F, 0x85). */
    public boolean isExtended() {
        return type == 0x05 || type == 0x0f || type == 0x85;
    }

    /** The GPT protective entry (type 0xEE, UEFI 2.x §5.2.3). */
    public boolean isGptProtective() {
        return type == 0xee;
    }

    /** Boot indicator is 0x00 or 0x80, as in every real partition table (Linux block/partitions/msdos.c). */
    public boolean hasValidBootIndicator() {
        return bootIndicator == 0x00 || bootIndicator == 0x80;
    }
}
