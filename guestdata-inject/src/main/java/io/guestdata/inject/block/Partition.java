package io.guestdata.inject.block;

/**
 * One partition as the partition table describes it, checked to lie inside the disk.
 *
 * @param number Linux's number: MBR primaries 1–4 by slot, logicals from 5 in chain order; GPT
 *     entry index + 1
 * @param start byte offset of the first sector on the disk
 * @param length length in bytes
 * @param sectorSize the table's logical sector size (512 or 4096)
 * @param type MBR type byte or GPT type GUID
 * @param name the GPT partition name; empty for MBR
 */
public record Partition(int number, long start, long length, int sectorSize, PartitionType type, String name) {
    public Partition {
        if (number < 1 || start < 0 || length < 0 || sectorSize <= 0) {
            throw new IllegalArgumentException("invalid partition " + number + " at " + start + " +" + length);
        }
    }

    /** First sector (LBA) of the partition. */
    public long firstSector() {
        return start / sectorSize;
    }

    /** Number of sectors. */
    public long sectorCount() {
        return length / sectorSize;
    }

    /** One byte past the end of the partition. */
    public long end() {
        return start + length;
    }

    @Override
    public String toString() {
        return "partition " + number + " (" + type.label() + (name.isEmpty() ? "" : " \"" + name + "\"")
                + ", sectors " + firstSector() + "+" + sectorCount() + ")";
    }
}
