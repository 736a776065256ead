package io.guestdata.inject.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a GUID Partition Table (UEFI 2.x §5.3) announced by a protective MBR:
 * <ol>
 *   <li>finds the logical block size from where "EFI PART" is: LBA 1 at byte 512 or at byte
 *       4096 (a 4Kn disk), or, when the primary is gone, the last LBA for either size;</li>
 *   <li>checks the primary header and its entry array (§5.3.2: signature, HeaderCRC32, MyLBA,
 *       PartitionEntryArrayCRC32); then the backup at the primary's AlternateLBA (or at the last
 *       LBA when the primary is bad);</li>
 *   <li>uses the primary when it is valid, else the backup (with a note), else fails;</li>
 *   <li>checks every partition against the disk size.</li>
 * </ol>
 */
final class GuidPartitionTable {
    private GuidPartitionTable() {}

    static PartitionTable read(BlockDevice disk, MasterBootRecord mbr) throws IOException {
        List<String> notes = new ArrayList<>();
        if (mbr.entries().stream().anyMatch(e -> !e.isEmpty() && !e.isGptProtective())) {
            notes.add("the MBR is a hybrid MBR (0xEE plus other entries); the GPT is used, as Linux does");
        }
        int blockSize = findBlockSize(disk);
        long lastLba = disk.size() / blockSize - 1;

        GptHeader primary = null;
        ByteBuffer primaryArray = null;
        String primaryProblem;
        try {
            primary = readHeader(disk, 1, blockSize);
            primaryArray = readArray(disk, primary, blockSize);
            primaryProblem = null;
        } catch (GptHeader.InvalidHeader e) {
            primary = null;
            primaryProblem = e.getMessage();
        }

        long backupLba = primary != null ? primary.alternateLba() : lastLba;
        GptHeader backup = null;
        ByteBuffer backupArray = null;
        String backupProblem;
        try {
            backup = readHeader(disk, backupLba, blockSize);
            backupArray = readArray(disk, backup, blockSize);
            backupProblem = null;
        } catch (GptHeader.InvalidHeader e) {
            backup = null;
            backupProblem = e.getMessage();
        }

        GptHeader used;
        ByteBuffer array;
        if (primary != null) {
            used = primary;
            array = primaryArray;
            if (backup == null) {
                notes.add("the backup GPT header is bad (" + backupProblem + "); the primary is used;"
                        + " repair the backup with sgdisk -e or gdisk");
            } else {
                List<String> differences = primary.differencesFrom(backup);
                if (!differences.isEmpty()) {
                    notes.add("the backup GPT header differs from the primary in " + String.join(", ", differences)
                            + "; the primary is used");
                }
            }
            if (primary.alternateLba() != lastLba) {
                notes.add("the backup GPT header is at LBA " + primary.alternateLba() + ", not at the last LBA "
                        + lastLba + " (the disk was resized?); sgdisk -e moves it");
            }
        } else if (backup != null) {
            used = backup;
            array = backupArray;
            notes.add("the primary GPT header is bad (" + primaryProblem + "); using the backup header at LBA "
                    + backupLba + "; repair the primary with gdisk (recovery menu: use backup GPT header)");
        } else {
            throw new PartitionTableException(disk.path(), "the disk has a protective MBR (GPT) but both GPT headers are"
                    + " unusable: primary: " + primaryProblem + "; backup: " + backupProblem
                    + "; repair the table with gdisk or restore the image; nothing was written");
        }

        List<Partition> partitions = new ArrayList<>();
        for (GptPartitionEntry e : used.entries(array)) {
            partitions.add(toPartition(disk, e, lastLba + 1, blockSize));
        }
        return new PartitionTable(PartitionTable.Scheme.GPT, blockSize, partitions, notes);
    }

    private static Partition toPartition(BlockDevice disk, GptPartitionEntry e, long sectors, int blockSize)
            throws PartitionTableException {
        if (e.startingLba() < 0 || e.endingLba() < e.startingLba()) {
            throw new PartitionTableException(disk.path(), e.number(), "partition " + e.number() + " has StartingLBA " + e.startingLba()
                    + " after EndingLBA " + e.endingLba() + "; the GPT entry is corrupt: repair it with gdisk");
        }
        if (e.endingLba() >= sectors) {
            throw new PartitionTableException(disk.path(), e.number(), "partition " + e.number() + " ends at sector " + e.endingLba()
                    + ", past the end of the disk (" + sectors + " sectors of " + blockSize
                    + " bytes); the image was truncated or the table is wrong: restore the image or fix the table");
        }
        return new Partition(e.number(), e.startingLba() * blockSize, (e.endingLba() - e.startingLba() + 1) * blockSize,
                blockSize, new PartitionType.Gpt(e.partitionTypeGuid()), e.partitionName());
    }

    /** 512 or 4096: where the primary header's signature is, else where a backup's is. */
    private static int findBlockSize(BlockDevice disk) throws IOException {
        for (int size : new int[] {512, 4096}) {
            if (disk.size() >= 2L * size && GptHeader.hasSignature(disk.readBytes(size, GptHeader.SIGNATURE.length))) {
                return size;
            }
        }
        for (int size : new int[] {512, 4096}) {
            long last = disk.size() / size - 1;
            if (last > 1 && GptHeader.hasSignature(disk.readBytes(last * size, GptHeader.SIGNATURE.length))) {
                return size;
            }
        }
        return 512; // neither header has a signature: the error will name LBA 1 and the last LBA
    }

    private static GptHeader readHeader(BlockDevice disk, long lba, int blockSize)
            throws IOException, GptHeader.InvalidHeader {
        if (lba < 1 || lba > disk.size() / blockSize - 1) {
            throw new GptHeader.InvalidHeader("header LBA " + lba + " is outside the disk");
        }
        return GptHeader.parse(disk.readBytes(lba * blockSize, blockSize), lba);
    }

    private static ByteBuffer readArray(BlockDevice disk, GptHeader h, int blockSize)
            throws IOException, GptHeader.InvalidHeader {
        long start = h.partitionEntryLba() * blockSize;
        long bytes = h.entryArrayBytes();
        if (h.partitionEntryLba() < 0 || start > disk.size() || bytes > disk.size() - start) {
            throw new GptHeader.InvalidHeader("partition entry array at LBA " + h.partitionEntryLba()
                    + " of the header at LBA " + h.myLba() + " lies outside the disk");
        }
        ByteBuffer array = disk.readBytes(start, (int) bytes);
        h.checkEntryArray(array);
        return array;
    }
}
