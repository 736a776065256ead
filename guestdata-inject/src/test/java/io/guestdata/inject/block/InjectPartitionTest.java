package io.guestdata.inject.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.testkit.ToolTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Nova's inject_partition semantics (nova-compat.md §7) on disks made by sfdisk and mkfs. */
@ToolTest
class InjectPartitionTest {
    @TempDir
    Path dir;
    Path img;

    /** "Is an OS root" for tests: any Linux filesystem. The real predicate (the fs layer) reads /etc. */
    static final Predicate<BlockDevice> LINUX_FS = d -> {
        try {
            return FilesystemType.probe(d).isLinuxFilesystem();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    };

    /** 1 = vfat (ESP-like), 2 = ext4, 3 = swap, 4 = extended, 5 = ext4, 6 = nothing. */
    @BeforeEach
    void disk() throws IOException {
        img = Tools.rawImage(dir, "disk.img", 96);
        Tools.sfdisk(img, "label: dos\n,8M,c\n,16M,83\n,8M,82\n,,5\n,16M,83\n,,83\n");
        try (RawImage disk = RawImage.openReadOnly(img)) {
            PartitionTable t = PartitionTable.read(disk);
            Tools.mkfsFat(img, t.partition(1).orElseThrow().start(), t.partition(1).orElseThrow().length());
            Tools.mkfsExt("ext4", img, t.partition(2).orElseThrow().start(), t.partition(2).orElseThrow().length());
            Tools.mkfsExt("ext4", img, t.partition(5).orElseThrow().start(), t.partition(5).orElseThrow().length());
        }
        Path swap = Tools.rawImage(dir, "swap.part", 8);
        Tools.run(null, "mkswap", swap.toString());
        Tools.run(null, "dd", "if=" + swap, "of=" + img, "bs=512", "seek=" + (2048 + 16384 + 32768), "conv=notrunc", "status=none");
    }

    @Test
    void novaValues() {
        assertInstanceOf(InjectPartition.Disabled.class, InjectPartition.of(-2));
        assertInstanceOf(InjectPartition.Find.class, InjectPartition.of(-1));
        assertInstanceOf(InjectPartition.WholeDisk.class, InjectPartition.of(0));
        assertEquals(new InjectPartition.Number(3), InjectPartition.of(3));
        assertEquals(3, InjectPartition.of(3).novaValue());
        assertThrows(IllegalArgumentException.class, () -> InjectPartition.of(-3));
        assertTrue(!InjectPartition.of(-2).enabled());
    }

    @Test
    void aKernelIdForcesTheWholeDiskUnlessInjectionIsOff() {
        assertInstanceOf(InjectPartition.WholeDisk.class, InjectPartition.effective(-1, true));
        assertInstanceOf(InjectPartition.WholeDisk.class, InjectPartition.effective(2, true));
        assertInstanceOf(InjectPartition.Disabled.class, InjectPartition.effective(-2, true));
        assertEquals(new InjectPartition.Number(2), InjectPartition.effective(2, false));
    }

    @Test
    void numberSelectsThatPartitionWithItsOffsetForLibext2fs() throws IOException {
        try (RawImage disk = RawImage.openReadOnly(img)) {
            PartitionView v = InjectPartition.of(5).select(disk, LINUX_FS);
            assertEquals(5, v.number());
            Partition p5 = PartitionTable.read(disk).partition(5).orElseThrow();
            assertEquals(p5.start(), v.offset());
            assertEquals(p5.length(), v.size());
            assertEquals(img, v.path());
        }
    }

    @Test
    void aMissingNumberNamesThePartitionsThatExist() throws IOException {
        Tools.sfdisk(img, "label: dos\n,8M,c\n,16M,83\n,,5\n,16M,83\n"); // 1, 2, 3 (extended), 4? no: 1, 2, 3, 5
        try (RawImage disk = RawImage.openReadOnly(img)) {
            PartitionSelectionException e = assertThrows(PartitionSelectionException.class,
                    () -> InjectPartition.of(4).select(disk, LINUX_FS));
            assertEquals(img + ": partition 4 not found; the disk has partitions 1, 2, 3, 5", e.getMessage());
            assertEquals(4, e.partition().orElseThrow());
        }
    }

    @Test
    void theExtendedContainerIsRefused() throws IOException {
        try (RawImage disk = RawImage.openReadOnly(img)) {
            PartitionSelectionException e = assertThrows(PartitionSelectionException.class,
                    () -> InjectPartition.of(4).select(disk, LINUX_FS));
            assertTrue(e.getMessage().contains("partition 4 is an extended partition"), e.getMessage());
            assertTrue(e.getMessage().contains("pick a logical partition: 5, 6"), e.getMessage());
        }
    }

    @Test
    void aSwapOrEmptyPartitionIsRefusedBeforeAnyWrite() throws IOException {
        try (RawImage disk = RawImage.openReadOnly(img)) {
            assertTrue(assertThrows(PartitionSelectionException.class, () -> InjectPartition.of(3).select(disk, LINUX_FS))
                    .getMessage().contains("partition 3 is swap space"));
            assertTrue(assertThrows(PartitionSelectionException.class, () -> InjectPartition.of(6).select(disk, LINUX_FS))
                    .getMessage().contains("partition 6 holds no recognised filesystem"));
        }
    }

    @Test
    void findPicksTheOneOsRoot() throws IOException {
        try (RawImage disk = RawImage.openReadOnly(img)) {
            Predicate<BlockDevice> onlyLogical = d -> ((PartitionView) d).number() == 5;
            assertEquals(5, InjectPartition.of(-1).select(disk, onlyLogical).number());
        }
    }

    @Test
    void findWithTwoRootsIsMultiBoot() throws IOException {
        try (RawImage disk = RawImage.openReadOnly(img)) {
            PartitionSelectionException e = assertThrows(PartitionSelectionException.class,
                    () -> InjectPartition.of(-1).select(disk, LINUX_FS));
            assertEquals(img + ": multi-boot operating system found: partition 2 (ext4), partition 5 (ext4) each look"
                    + " like an OS root; set inject_partition to the one to inject into", e.getMessage());
        }
    }

    @Test
    void findWithNoRootListsTheCandidates() throws IOException {
        try (RawImage disk = RawImage.openReadOnly(img)) {
            PartitionSelectionException e = assertThrows(PartitionSelectionException.class,
                    () -> InjectPartition.of(-1).select(disk, d -> false));
            assertTrue(e.getMessage().startsWith(img + ": no operating system found (candidates: partition 2 (ext4),"
                    + " partition 5 (ext4))"), e.getMessage());
        }
    }

    @Test
    void findOnADiskWithoutLinuxFilesystemsSaysWhatIsThere() throws IOException {
        Path fat = Tools.rawImage(dir, "fat.img", 32);
        Tools.sfdisk(fat, "label: gpt\n,,U\n");
        try (RawImage disk = RawImage.openReadOnly(fat)) {
            Partition p = PartitionTable.read(disk).partition(1).orElseThrow();
            Tools.mkfsFat(fat, p.start(), p.length());
            PartitionSelectionException e = assertThrows(PartitionSelectionException.class,
                    () -> InjectPartition.of(-1).select(disk, LINUX_FS));
            assertTrue(e.getMessage().contains("no operating system found (candidates: none; no Linux filesystem on"
                    + " partition 1 (vfat))"), e.getMessage());
        }
    }

    @Test
    void findAndZeroOnAnUnpartitionedDiskUseTheWholeDisk() throws IOException {
        Path whole = Tools.rawImage(dir, "whole.img", 16);
        Tools.mkfsExt("ext4", whole, 0, 16 << 20);
        try (RawImage disk = RawImage.openReadOnly(whole)) {
            PartitionView v = InjectPartition.of(-1).select(disk, LINUX_FS);
            assertEquals(0, v.number());
            assertEquals(0, v.offset());
            assertEquals(disk.size(), v.size());
            assertEquals(0, InjectPartition.of(0).select(disk, LINUX_FS).number());
            assertEquals(whole + ": partition 1 not found; the disk has no partitions; set inject_partition to 0"
                    + " (whole disk) or -1", assertThrows(PartitionSelectionException.class,
                            () -> InjectPartition.of(1).select(disk, LINUX_FS)).getMessage());
        }
    }

    @Test
    void zeroOnAPartitionedDiskIsRefused() throws IOException {
        try (RawImage disk = RawImage.openReadOnly(img)) {
            PartitionSelectionException e = assertThrows(PartitionSelectionException.class,
                    () -> InjectPartition.of(0).select(disk, LINUX_FS));
            assertEquals(img + ": the whole disk holds no recognised filesystem (it holds an MBR partition table); the"
                    + " disk has partitions 1, 2, 3, 4, 5, 6: set inject_partition to one of them or to -1", e.getMessage());
        }
    }

    @Test
    void disabledSelectsNothing() throws IOException {
        try (RawImage disk = RawImage.openReadOnly(img)) {
            assertThrows(PartitionSelectionException.class, () -> InjectPartition.of(-2).select(disk, LINUX_FS));
        }
    }
}
