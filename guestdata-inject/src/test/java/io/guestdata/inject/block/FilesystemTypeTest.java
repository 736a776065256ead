package io.guestdata.inject.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.guestdata.testkit.ToolTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Superblock magics of filesystems made by the real mkfs tools, on partitions and whole images. */
@ToolTest
class FilesystemTypeTest {
    @TempDir
    Path dir;

    @Test
    void extFamilyAndFatOnPartitionsOfOneMbrDisk() throws IOException {
        Path img = Tools.rawImage(dir, "disk.img", 96);
        Tools.sfdisk(img, "label: dos\n,16M,83\n,16M,83\n,16M,83\n,,c\n");
        try (RawImage disk = RawImage.openReadOnly(img)) {
            PartitionTable t = PartitionTable.read(disk);
            Partition p1 = t.partition(1).orElseThrow();
            Partition p2 = t.partition(2).orElseThrow();
            Partition p3 = t.partition(3).orElseThrow();
            Partition p4 = t.partition(4).orElseThrow();
            Tools.mkfsExt("ext2", img, p1.start(), p1.length());
            Tools.mkfsExt("ext3", img, p2.start(), p2.length());
            Tools.mkfsExt("ext4", img, p3.start(), p3.length());
            Tools.mkfsFat(img, p4.start(), p4.length());
            assertEquals(FilesystemType.EXT2, FilesystemType.probe(PartitionView.of(disk, p1)));
            assertEquals(FilesystemType.EXT3, FilesystemType.probe(PartitionView.of(disk, p2)));
            assertEquals(FilesystemType.EXT4, FilesystemType.probe(PartitionView.of(disk, p3)));
            assertEquals(FilesystemType.VFAT, FilesystemType.probe(PartitionView.of(disk, p4)));
            assertEquals(FilesystemType.UNKNOWN, FilesystemType.probe(disk), "the MBR itself is no filesystem");
            for (Partition p : t.partitions()) {
                String blkid = Tools.run(null, "blkid", "-p", "-O", Long.toString(p.start()), "-S", Long.toString(p.length()),
                        "-s", "TYPE", "-o", "value", img.toString()).strip();
                assertEquals(blkid, FilesystemType.probe(PartitionView.of(disk, p)).blkidName(), "partition " + p.number());
            }
        }
    }

    @Test
    void ext4WithoutJournalIsStillExt4() throws IOException {
        Path img = Tools.rawImage(dir, "nojournal.img", 16);
        Tools.run(null, "mke2fs", "-q", "-F", "-t", "ext4", "-O", "^has_journal", img.toString());
        try (RawImage disk = RawImage.openReadOnly(img)) {
            assertEquals(FilesystemType.EXT4, FilesystemType.probe(disk));
        }
    }

    @Test
    void swapOnAWholeImage() throws IOException {
        Path img = Tools.rawImage(dir, "swap.img", 16);
        Tools.run(null, "mkswap", img.toString());
        try (RawImage disk = RawImage.openReadOnly(img)) {
            assertEquals(FilesystemType.SWAP, FilesystemType.probe(disk));
        }
    }

    @Test
    void xfs() throws IOException {
        assumeTrue(Tools.installed("mkfs.xfs"), "xfsprogs not installed");
        Path img = Tools.rawImage(dir, "xfs.img", 320);
        Tools.run(null, "mkfs.xfs", "-q", "-f", img.toString());
        try (RawImage disk = RawImage.openReadOnly(img)) {
            assertEquals(FilesystemType.XFS, FilesystemType.probe(disk));
        }
    }

    @Test
    void btrfs() throws IOException {
        assumeTrue(Tools.installed("mkfs.btrfs"), "btrfs-progs not installed");
        Path img = Tools.rawImage(dir, "btrfs.img", 256);
        Tools.run(null, "mkfs.btrfs", "-q", "-f", img.toString());
        try (RawImage disk = RawImage.openReadOnly(img)) {
            assertEquals(FilesystemType.BTRFS, FilesystemType.probe(disk));
        }
    }

    /**
     * pvcreate needs a block device (no loop devices here): the two magics are written where LVM2
     * puts its label (sector 1). blkid also checks the label's CRC, so it is not asked.
     */
    @Test
    void lvm2PhysicalVolumeLabel() throws IOException {
        Path img = Tools.rawImage(dir, "pv.img", 8);
        Tools.poke(img, 512, "LABELONE".getBytes(StandardCharsets.US_ASCII));
        Tools.poke(img, 512 + 24, "LVM2 001".getBytes(StandardCharsets.US_ASCII));
        try (RawImage disk = RawImage.openReadOnly(img)) {
            assertEquals(FilesystemType.LVM2_PV, FilesystemType.probe(disk));
        }
    }

    /** cryptsetup is not installed: the LUKS magic is written by hand (blkid needs more, so it is not asked). */
    @Test
    void luksMagic() throws IOException {
        Path img = Tools.rawImage(dir, "luks.img", 8);
        Tools.poke(img, 0, new byte[] {'L', 'U', 'K', 'S', (byte) 0xba, (byte) 0xbe, 0, 2});
        try (RawImage disk = RawImage.openReadOnly(img)) {
            assertEquals(FilesystemType.LUKS, FilesystemType.probe(disk));
        }
    }

    @Test
    void zerosAreUnknown() throws IOException {
        Path img = Tools.rawImage(dir, "zero.img", 1);
        try (RawImage disk = RawImage.openReadOnly(img)) {
            assertEquals(FilesystemType.UNKNOWN, FilesystemType.probe(disk));
        }
    }
}
