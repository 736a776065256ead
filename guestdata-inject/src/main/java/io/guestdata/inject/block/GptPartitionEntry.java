package io.guestdata.inject.block;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * One GPT partition entry (UEFI 2.x §5.3.3 "GPT Partition Entry Array", Table "GPT Partition
 * Entry"), SizeOfPartitionEntry bytes of which the first 128 are defined:
 *
 * <pre>
 *   0 16  PartitionTypeGUID    all zero: unused entry
 *  16 16  UniquePartitionGUID
 *  32  8  StartingLBA
 *  40  8  EndingLBA            inclusive
 *  48  8  Attributes
 *  56 72  PartitionName        UTF-16LE, NUL-padded
 * </pre>
 *
 * @param number Linux's partition number: entry index + 1
 */
public record GptPartitionEntry(
        int number, UUID partitionTypeGuid, UUID uniquePartitionGuid, long startingLba, long endingLba,
        long attributes, String partitionName) {

    /** The smallest entry size the spec allows. */
    public static final int MIN_SIZE = 128;

    /** Decodes the entry at {@code offset} of the array. */
    public static GptPartitionEntry parse(ByteBuffer array, int offset, int number) {
        ByteBuffer b = array.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        byte[] name = new byte[72];
        b.get(offset + 56, name);
        int len = 0;
        while (len + 1 < name.length && (name[len] != 0 || name[len + 1] != 0)) {
            len += 2;
        }
        return new GptPartitionEntry(number, EfiGuid.read(b, offset), EfiGuid.read(b, offset + 16),
                b.getLong(offset + 32), b.getLong(offset + 40), b.getLong(offset + 48),
                new String(name, 0, len, StandardCharsets.UTF_16LE));
    }
}
