package io.guestdata.inject.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The partitions of a disk as Linux would see them: an MBR (primaries 1–4, logicals from 5),
 * a GPT (announced by a protective MBR, header CRCs and the backup header checked), or none.
 *
 * @param scheme which kind of table was found
 * @param sectorSize the logical sector size the table was read with (512, or 4096 for a GPT
 *     whose header sits at byte 4096)
 * @param partitions every partition, in Linux number order; the MBR extended container is
 *     listed too (as the kernel and {@code sfdisk} list it) and is recognised by
 *     {@link PartitionType#isExtendedContainer()}
 * @param notes what was noticed but tolerated, e.g. "primary GPT header is bad … using the backup"
 */
public record PartitionTable(Scheme scheme, int sectorSize, List<Partition> partitions, List<String> notes) {
    /** The kind of partition table. */
    public enum Scheme {
        /** No partition table: the whole disk is one filesystem (or empty). */
        NONE,
        /** Master Boot Record, with an optional chain of Extended Boot Records. */
        MBR,
        /** GUID Partition Table (UEFI 2.x §5.3). */
        GPT
    }

    public PartitionTable {
        partitions = List.copyOf(partitions);
        notes = List.copyOf(notes);
    }

    /**
     * Reads the partition table; an MBR is read with the device's logical sector size (a block
     * device's own, 512 for image files and exports).
     *
     * @throws PartitionTableException when a table is present but unusable: both GPT headers
     *     bad, a partition past the end of the disk, a looping extended-partition chain
     */
    public static PartitionTable read(BlockDevice disk) throws IOException {
        return read(disk, disk instanceof RawImage raw ? raw.logicalSectorSize() : 512);
    }

    /**
     * Reads the partition table, reading an MBR with {@code mbrSectorSize}-byte sectors (the
     * logical sector size of a block device; image files have 512). A GPT's sector size is
     * found from where its header is.
     */
    public static PartitionTable read(BlockDevice disk, int mbrSectorSize) throws IOException {
        if (disk.size() < MasterBootRecord.SIZE) {
            return new PartitionTable(Scheme.NONE, 512, List.of(), List.of());
        }
        ByteBuffer sector0 = disk.readBytes(0, MasterBootRecord.SIZE);
        MasterBootRecord mbr = MasterBootRecord.parse(sector0);
        if (!mbr.isPartitionTable() || FatBootSector.isFatBootSector(sector0) || FilesystemType.isNtfsBootSector(sector0)) {
            // libblkid (partitions/dos.c) treats a valid FAT boot sector as "no partition table".
            return new PartitionTable(Scheme.NONE, 512, List.of(), List.of());
        }
        if (mbr.isProtective()) {
            return GuidPartitionTable.read(disk, mbr);
        }
        return DosPartitionTable.read(disk, mbr, mbrSectorSize);
    }

    /** The partition with Linux number {@code number}. */
    public Optional<Partition> partition(int number) {
        return partitions.stream().filter(p -> p.number() == number).findFirst();
    }

    /** "1, 2, 5" — the numbers present, for error messages. */
    public String numbers() {
        return partitions.stream().map(p -> Integer.toString(p.number())).collect(Collectors.joining(", "));
    }

    /** Whether the disk has no partitions (no table, or an empty one). */
    public boolean isUnpartitioned() {
        return partitions.isEmpty();
    }
}
