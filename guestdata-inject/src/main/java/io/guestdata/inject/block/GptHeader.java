package io.guestdata.inject.block;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.zip.CRC32;

/**
 * The GPT header (UEFI 2.x §5.3.2 "GPT Header", Table "GPT Header"), at LBA 1 (primary) and at
 * the last LBA of the disk (backup):
 *
 * <pre>
 *  0  8  Signature                "EFI PART"
 *  8  4  Revision                 0x00010000
 * 12  4  HeaderSize               92 .. logical block size
 * 16  4  HeaderCRC32              CRC32 of HeaderSize bytes with this field zeroed
 * 20  4  Reserved                 0
 * 24  8  MyLBA                    the LBA holding this header
 * 32  8  AlternateLBA             the LBA of the other header
 * 40  8  FirstUsableLBA
 * 48  8  LastUsableLBA
 * 56 16  DiskGUID
 * 72  8  PartitionEntryLBA        start of the partition entry array
 * 80  4  NumberOfPartitionEntries
 * 84  4  SizeOfPartitionEntry     128 × 2^n
 * 88  4  PartitionEntryArrayCRC32
 * </pre>
 *
 * §5.3.2 "GPT Header" validity: signature, HeaderCRC32, MyLBA equal to the LBA read, and the
 * partition entry array's CRC32 must all check; {@link #parse} checks the first three, the array
 * CRC is checked by {@link #checkEntryArray}.
 */
public record GptHeader(
        long revision,
        int headerSize,
        long myLba,
        long alternateLba,
        long firstUsableLba,
        long lastUsableLba,
        UUID diskGuid,
        long partitionEntryLba,
        int numberOfPartitionEntries,
        int sizeOfPartitionEntry,
        long partitionEntryArrayCrc32) {

    /** "EFI PART". */
    public static final byte[] SIGNATURE = "EFI PART".getBytes(StandardCharsets.US_ASCII);
    /** Minimum HeaderSize (§5.3.2). */
    public static final int MIN_HEADER_SIZE = 92;
    /** Largest entry array we read: a hostile header must not make us allocate gigabytes. */
    public static final long MAX_ENTRY_ARRAY_BYTES = 4L << 20;

    /** Whether {@code block} starts with the GPT signature. */
    public static boolean hasSignature(ByteBuffer block) {
        for (int i = 0; i < SIGNATURE.length; i++) {
            if (block.get(i) != SIGNATURE[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Decodes and checks the header in {@code block} (one logical block) read from {@code lba}.
     *
     * @return the header, or throws with what is wrong
     * @throws InvalidHeader if signature, size, CRC32, MyLBA or the entry geometry is wrong
     */
    public static GptHeader parse(ByteBuffer block, long lba) throws InvalidHeader {
        ByteBuffer b = block.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (!hasSignature(b)) {
            throw new InvalidHeader("no \"EFI PART\" signature at LBA " + lba);
        }
        int headerSize = b.getInt(12);
        if (headerSize < MIN_HEADER_SIZE || headerSize > b.capacity()) {
            throw new InvalidHeader("HeaderSize " + Integer.toUnsignedString(headerSize) + " at LBA " + lba
                    + " is outside 92.." + b.capacity());
        }
        long stored = Integer.toUnsignedLong(b.getInt(16));
        CRC32 crc = new CRC32();
        byte[] bytes = new byte[headerSize];
        b.get(0, bytes);
        bytes[16] = bytes[17] = bytes[18] = bytes[19] = 0;
        crc.update(bytes);
        if (crc.getValue() != stored) {
            throw new InvalidHeader(String.format("HeaderCRC32 mismatch at LBA %d (stored %08x, computed %08x)",
                    lba, stored, crc.getValue()));
        }
        GptHeader h = new GptHeader(
                Integer.toUnsignedLong(b.getInt(8)), headerSize, b.getLong(24), b.getLong(32), b.getLong(40),
                b.getLong(48), EfiGuid.read(b, 56), b.getLong(72), b.getInt(80), b.getInt(84),
                Integer.toUnsignedLong(b.getInt(88)));
        if (h.myLba != lba) {
            throw new InvalidHeader("MyLBA " + h.myLba + " does not match the LBA it was read from (" + lba + ")");
        }
        int entrySize = h.sizeOfPartitionEntry;
        if (entrySize < GptPartitionEntry.MIN_SIZE || Integer.bitCount(entrySize) != 1) {
            throw new InvalidHeader("SizeOfPartitionEntry " + Integer.toUnsignedString(entrySize) + " at LBA " + lba
                    + " is not 128 × 2^n");
        }
        if (h.numberOfPartitionEntries < 0 || h.entryArrayBytes() > MAX_ENTRY_ARRAY_BYTES) {
            throw new InvalidHeader("partition entry array of " + Integer.toUnsignedString(h.numberOfPartitionEntries)
                    + " × " + entrySize + " bytes at LBA " + lba + " is larger than " + MAX_ENTRY_ARRAY_BYTES);
        }
        if (h.firstUsableLba < 0 || h.lastUsableLba < h.firstUsableLba - 1 || h.partitionEntryLba < 0) {
            throw new InvalidHeader("usable LBA range " + h.firstUsableLba + ".." + h.lastUsableLba
                    + " or PartitionEntryLBA " + h.partitionEntryLba + " at LBA " + lba + " is invalid");
        }
        return h;
    }

    /** Size of the partition entry array in bytes. */
    public long entryArrayBytes() {
        return (long) numberOfPartitionEntries * sizeOfPartitionEntry;
    }

    /** Checks the array's CRC32 against PartitionEntryArrayCRC32 (§5.3.2). */
    public void checkEntryArray(ByteBuffer array) throws InvalidHeader {
        CRC32 crc = new CRC32();
        crc.update(array.duplicate());
        if (crc.getValue() != partitionEntryArrayCrc32) {
            throw new InvalidHeader(String.format(
                    "PartitionEntryArrayCRC32 mismatch for the array at LBA %d of the header at LBA %d"
                            + " (stored %08x, computed %08x)", partitionEntryLba, myLba, partitionEntryArrayCrc32,
                    crc.getValue()));
        }
    }

    /** Decodes the used entries (non-zero type GUID) of a checked array. */
    public List<GptPartitionEntry> entries(ByteBuffer array) {
        List<GptPartitionEntry> used = new ArrayList<>();
        for (int i = 0; i < numberOfPartitionEntries; i++) {
            int at = i * sizeOfPartitionEntry;
            if (!EfiGuid.isZero(array, at)) {
                used.add(GptPartitionEntry.parse(array, at, i + 1));
            }
        }
        return used;
    }

    /**
     * The fields that the primary and the backup must agree on, and where they disagree
     * (empty when they are consistent mirrors of each other).
     */
    public List<String> differencesFrom(GptHeader other) {
        List<String> d = new ArrayList<>();
        if (!diskGuid.equals(other.diskGuid)) {
            d.add("DiskGUID");
        }
        if (firstUsableLba != other.firstUsableLba || lastUsableLba != other.lastUsableLba) {
            d.add("usable LBA range");
        }
        if (numberOfPartitionEntries != other.numberOfPartitionEntries || sizeOfPartitionEntry != other.sizeOfPartitionEntry) {
            d.add("partition entry array geometry");
        }
        if (partitionEntryArrayCrc32 != other.partitionEntryArrayCrc32) {
            d.add("partition entries");
        }
        if (alternateLba != other.myLba || other.alternateLba != myLba) {
            d.add("MyLBA/AlternateLBA cross references");
        }
        return d;
    }

    /** Why a GPT header at some LBA cannot be used. */
    public static final class InvalidHeader extends Exception {
        private static final long serialVersionUID = 1L;

        public InvalidHeader(String message) {
            super(message);
        }
    }
}
