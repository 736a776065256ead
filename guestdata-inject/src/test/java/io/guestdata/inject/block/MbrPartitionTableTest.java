package io.guestdata.inject.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.testkit.ToolTest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MBR tables made by sfdisk, read by us, compared with sfdisk --json. */
@ToolTest
class MbrPartitionTableTest {
    @TempDir
    Path dir;

    static final String THREE_PRIMARIES_TWO_LOGICALS = """
            label: dos
            ,8M,83
            ,8M,c
            ,8M,82
            ,,5
            ,10M,83
            ,,83
            """;

    @Test
    void threePrimariesAndAnExtendedWithTwoLogicalsAreNumberedAsLinuxDoes() throws IOException {
        Path img = Tools.rawImage(dir, "mbr.img", 64);
        Tools.sfdisk(img, THREE_PRIMARIES_TWO_LOGICALS);
        try (RawImage disk = RawImage.openReadOnly(img)) {
            PartitionTable table = PartitionTable.read(disk);
            Tools.assertSameAsSfdisk(Tools.sfdiskJson(img), table);
            assertEquals("1, 2, 3, 4, 5, 6", table.numbers());
            assertTrue(table.partition(4).orElseThrow().type().isExtendedContainer());
            assertEquals(new PartitionType.Mbr(0x0c), table.partition(2).orElseThrow().type());
            assertEquals(List.of(), table.notes());
        }
    }

    @Test
    void aPartitionPastTheEndOfTheDiskIsAnErrorNamingIt() throws IOException {
        Path img = Tools.rawImage(dir, "trunc.img", 64);
        Tools.sfdisk(img, THREE_PRIMARIES_TWO_LOGICALS);
        Tools.run(null, "truncate", "-s", "20M", img.toString()); // partitions 3.. now end past the end
        try (RawImage disk = RawImage.openReadOnly(img)) {
            PartitionTableException e = assertThrows(PartitionTableException.class, () -> PartitionTable.read(disk));
            assertEquals(3, e.partition().orElseThrow());
            assertTrue(e.getMessage().startsWith(img + ": partition 3 ends at sector 51199"), e.getMessage());
            assertTrue(e.getMessage().contains("past the end of the disk (40960 sectors"), e.getMessage());
        }
    }

    @Test
    void anExtendedChainThatLoopsIsAnError() throws IOException {
        Path img = Tools.rawImage(dir, "loop.img", 64);
        Tools.sfdisk(img, THREE_PRIMARIES_TWO_LOGICALS);
        PartitionTable good;
        try (RawImage disk = RawImage.openReadOnly(img)) {
            good = PartitionTable.read(disk);
        }
        // The second EBR's link entry (slot 2) points back to the first EBR (offset 0 from the container).
        long container = good.partition(4).orElseThrow().firstSector();
        long secondEbr = good.partition(6).orElseThrow().firstSector() - 2048; // sfdisk leaves 1 MiB before each logical
        writeLink(img, secondEbr, 0x05, 0, 2048);
        try (RawImage disk = RawImage.openReadOnly(img)) {
            PartitionTableException e = assertThrows(PartitionTableException.class, () -> PartitionTable.read(disk));
            assertTrue(e.getMessage().contains("loops back to the EBR at sector " + container), e.getMessage());
            assertEquals(4, e.partition().orElseThrow());
        }
    }

    @Test
    void aFatFilesystemOnTheWholeDiskIsNotAPartitionTable() throws IOException {
        Path img = Tools.rawImage(dir, "fat.img", 32);
        Tools.run(null, "mkfs.fat", img.toString());
        try (RawImage disk = RawImage.openReadOnly(img)) {
            PartitionTable table = PartitionTable.read(disk);
            assertEquals(PartitionTable.Scheme.NONE, table.scheme());
            assertEquals(FilesystemType.VFAT, FilesystemType.probe(disk));
        }
    }

    @Test
    void anEmptyOrUnlabelledDiskHasNoPartitions() throws IOException {
        Path img = Tools.rawImage(dir, "empty.img", 8);
        try (RawImage disk = RawImage.openReadOnly(img)) {
            assertEquals(PartitionTable.Scheme.NONE, PartitionTable.read(disk).scheme());
        }
        Tools.sfdisk(img, "label: dos\n");
        try (RawImage disk = RawImage.openReadOnly(img)) {
            PartitionTable t = PartitionTable.read(disk);
            assertEquals(PartitionTable.Scheme.MBR, t.scheme());
            assertTrue(t.isUnpartitioned());
        }
    }

    @Test
    void bootIndicatorsOtherThan0And80MeanNoPartitionTable() throws IOException {
        Path img = Tools.rawImage(dir, "junk.img", 8);
        Tools.sfdisk(img, "label: dos\n,,83\n");
        Tools.poke(img, 446, new byte[] {0x12});
        try (RawImage disk = RawImage.openReadOnly(img)) {
            assertEquals(PartitionTable.Scheme.NONE, PartitionTable.read(disk).scheme());
        }
    }

    /** Writes entry slot 1 (the link) of the EBR at {@code ebrLba}. */
    private static void writeLink(Path img, long ebrLba, int type, long relStart, long count) throws IOException {
        ByteBuffer e = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        e.put(0, (byte) 0).put(4, (byte) type).putInt(8, (int) relStart).putInt(12, (int) count);
        try (FileChannel ch = FileChannel.open(img, StandardOpenOption.WRITE)) {
            ch.write(e, ebrLba * 512 + 446 + 16);
        }
    }
}
