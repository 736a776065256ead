package io.guestdata.inject.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads an MBR ("dos" label) the way Linux's {@code block/partitions/msdos.c} does: the four
 * primary slots are partitions 1–4; each extended container (0x05, 0x0F, 0x85) starts a chain of
 * Extended Boot Records whose data entries become partitions 5, 6, … in chain order.
 */
final class DosPartitionTable {
    /** Linux stops at DISK_MAX_PARTS; a chain longer than this is hostile or broken. */
    static final int MAX_LOGICAL = 251;

    private DosPartitionTable() {}

    static PartitionTable read(BlockDevice disk, MasterBootRecord mbr, int sectorSize) throws IOException {
        long sectors = disk.size() / sectorSize;
        List<Partition> partitions = new ArrayList<>();
        List<PartitionEntry> extended = new ArrayList<>();
        List<Integer> extendedNumbers = new ArrayList<>();
        for (int slot = 0; slot < 4; slot++) {
            PartitionEntry e = mbr.entries().get(slot);
            if (e.isEmpty()) {
                continue;
            }
            partitions.add(checked(disk, slot + 1, e.startingLba(), e.sizeInLba(), sectors, sectorSize,
                    new PartitionType.Mbr(e.type()), "its MBR entry"));
            if (e.isExtended()) {
                extended.add(e);
                extendedNumbers.add(slot + 1);
            }
        }
        int next = 5;
        for (int i = 0; i < extended.size(); i++) {
            next = readLogicals(disk, extended.get(i), extendedNumbers.get(i), next, sectors, sectorSize, partitions);
        }
        return new PartitionTable(PartitionTable.Scheme.MBR, sectorSize, partitions, List.of());
    }

    /** Follows one EBR chain; returns the next free logical number. */
    private static int readLogicals(BlockDevice disk, PartitionEntry container, int containerNumber, int next,
            long sectors, int sectorSize, List<Partition> out) throws IOException {
        long first = container.startingLba();
        long limit = first + container.sizeInLba();
        long ebr = first;
        Set<Long> seen = new HashSet<>();
        while (true) {
            if (!seen.add(ebr)) {
                throw new PartitionTableException(disk.path(), containerNumber,
                        "the chain of logical partitions in extended partition " + containerNumber + " loops back to the EBR at sector " + ebr
                                + "; repair the partition table (fdisk) or set inject_partition to a primary");
            }
            if (next - 5 >= MAX_LOGICAL) {
                throw new PartitionTableException(disk.path(), containerNumber,
                        "more than " + MAX_LOGICAL + " logical partitions in extended partition " + containerNumber
                                + "; the chain is corrupt: repair it with fdisk");
            }
            ByteBuffer sector = disk.readBytes(ebr * sectorSize, MasterBootRecord.SIZE);
            MasterBootRecord record = MasterBootRecord.parse(sector);
            if (!record.hasBootSignature()) {
                // Linux stops the chain quietly at a sector without 0x55AA (an empty extended partition).
                return next;
            }
            PartitionEntry link = null;
            for (PartitionEntry e : record.entries()) {
                if (e.isEmpty()) {
                    continue;
                }
                if (e.isExtended()) {
                    if (link == null) {
                        link = e;
                    }
                    continue;
                }
                long start = ebr + e.startingLba();
                int number = next++;
                if (start < first || start + e.sizeInLba() > limit) {
                    throw new PartitionTableException(disk.path(), number, "logical partition " + number + " at sectors " + start + "+"
                            + e.sizeInLba() + " lies outside its extended partition " + containerNumber + " (sectors "
                            + first + ".." + (limit - 1) + "); repair the partition table with fdisk");
                }
                out.add(checked(disk, number, start, e.sizeInLba(), sectors, sectorSize,
                        new PartitionType.Mbr(e.type()), "its EBR at sector " + ebr));
            }
            if (link == null) {
                return next;
            }
            ebr = first + link.startingLba();
            if (ebr >= limit) {
                throw new PartitionTableException(disk.path(), containerNumber, "the EBR link to sector " + ebr
                        + " points outside extended partition " + containerNumber + "; repair it with fdisk");
            }
        }
    }

    static Partition checked(BlockDevice disk, int number, long first, long count, long sectors, int sectorSize,
            PartitionType type, String source) throws PartitionTableException {
        if (first + count > sectors) {
            throw new PartitionTableException(disk.path(), number, "partition " + number + " ends at sector " + (first + count - 1)
                    + " (from " + source + "), past the end of the disk (" + sectors + " sectors of " + sectorSize
                    + " bytes); the image was truncated or the table is wrong: restore the image or fix the table");
        }
        return new Partition(number, first * sectorSize, count * sectorSize, sectorSize, type, "");
    }
}
