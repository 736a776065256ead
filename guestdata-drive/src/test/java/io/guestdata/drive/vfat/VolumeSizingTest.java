package io.guestdata.drive.vfat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.drive.ImageFile;
import io.guestdata.drive.vfat.DirectoryTree.Directory;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class VolumeSizingTest {
    private static final Directory EMPTY = tree(List.of());

    private static Directory tree(List<ImageFile> files) {
        try {
            return DirectoryTree.build(files, "config-2   ".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        } catch (io.guestdata.drive.ImageException e) {
            throw new AssertionError(e);
        }
    }

    /** Every layout must be of the type its cluster count says, and its FAT must cover every cluster. */
    private static void assertConsistent(BiosParameterBlock bpb) {
        long clusters = bpb.clusterCount();
        assertEquals(FatType.forClusterCount(clusters), bpb.type(), bpb + " has " + clusters + " clusters");
        assertTrue(bpb.type().fatBytes(clusters + 2) <= bpb.fatBytes(), bpb + ": FAT too small");
        assertTrue(bpb.type().fatBytes(clusters + 2) > bpb.fatBytes() - 512 * 2, bpb + ": FAT needlessly large");
        assertEquals(0, bpb.firstDataSector() % Math.max(8, bpb.sectorsPerCluster()), bpb + ": data not aligned");
        assertTrue(bpb.firstDataSector() + clusters * bpb.sectorsPerCluster() <= bpb.totalSectors());
    }

    @Test
    void novaSizeIsFat16WithTwoKibClustersLikeMkfs() throws Exception {
        BiosParameterBlock bpb = VolumeSizing.choose(EMPTY, FatOptions.NOVA_SIZE_BYTES);
        assertEquals(FatType.FAT16, bpb.type());
        assertEquals(4, bpb.sectorsPerCluster());
        assertEquals(64L << 20, bpb.imageBytes());
        assertEquals(512, bpb.rootEntryCount());
        assertConsistent(bpb);
    }

    @Test
    void everySizeGetsAConsistentLayout() {
        SplittableRandom random = new SplittableRandom(1);
        // Dense near the type and table boundaries, sparse elsewhere.
        long[] edges = {64, 4_096, 8_400, 32_680, 66_600, 262_144, 524_288, 1_048_576, 2_097_152, 4_194_304,
            16_777_216, 33_554_432, 67_108_864, VolumeSizing.MAX_SECTORS};
        for (long edge : edges) {
            for (long s = Math.max(64, edge - 800); s <= Math.min(VolumeSizing.MAX_SECTORS, edge + 800); s += 8) {
                check(s, 512);
            }
        }
        for (int i = 0; i < 20_000; i++) {
            check(random.nextLong(64, VolumeSizing.MAX_SECTORS) & ~7L, 512);
        }
        for (int i = 0; i < 2_000; i++) {
            check(random.nextLong(64, 8_388_608) & ~7L, 16 * (1 + random.nextInt(4095)));
        }
    }

    private static void check(long sectors, int rootEntries) {
        BiosParameterBlock bpb = VolumeSizing.geometryFor(sectors, rootEntries);
        if (sectors < 256 && bpb == null) {
            return; // too small for a 512-entry root; the sizing grows it
        }
        assertNotNull(bpb, () -> "no layout for " + sectors + " sectors, root " + rootEntries);
        assertEquals(sectors, bpb.totalSectors());
        assertConsistent(bpb);
    }

    @Test
    void justUnderTwoGibTheTableSaysFat16ButTheClusterCountSaysFat32() {
        BiosParameterBlock bpb = VolumeSizing.geometryFor(4_194_304, 512);
        // DskTableFAT16 gives 64 sectors per cluster, which yields 65527 clusters: FAT32 by count.
        assertEquals(FatType.FAT32, bpb.type());
        assertEquals(8, bpb.sectorsPerCluster());
        assertEquals(FatType.FAT16, VolumeSizing.geometryFor(4_194_304 - 2048, 512).type());
    }

    @Test
    void aSmallMinimumGivesFat12AndLargeMinimumsFat32() throws Exception {
        BiosParameterBlock small = VolumeSizing.choose(EMPTY, 0);
        assertEquals(FatType.FAT12, small.type());
        assertTrue(small.imageBytes() <= 1_200_000, "smallest volume " + small.imageBytes());
        assertTrue(small.clusterCount() * small.clusterBytes() >= VolumeSizing.MINIMUM_FREE_BYTES);
        BiosParameterBlock big = VolumeSizing.choose(EMPTY, (2L << 30) + 4096);
        assertEquals(FatType.FAT32, big.type());
        assertEquals(8, big.sectorsPerCluster());
        assertConsistent(big);
    }

    @Test
    void theVolumeGrowsToFitContentWithHeadroom() throws Exception {
        List<ImageFile> files = List.of(new ImageFile("big/a.bin", 100L << 20, () -> {
            throw new AssertionError("not opened for sizing");
        }), new ImageFile("big/b.bin", 900L << 20, () -> {
            throw new AssertionError("not opened for sizing");
        }));
        BiosParameterBlock bpb = VolumeSizing.choose(tree(files), FatOptions.NOVA_SIZE_BYTES);
        long content = 1000L << 20;
        long free = bpb.clusterCount() * bpb.clusterBytes() - content - 3L * bpb.clusterBytes();
        assertTrue(free >= content / 16, "free " + free);
        assertTrue(free <= content / 16 + (4L << 20), "free " + free + " is more than the rule asks");
        assertEquals(0, bpb.imageBytes() % 4096);
        assertEquals(FatType.FAT16, bpb.type());
        assertConsistent(bpb);
    }

    @Test
    void theLargestVolumeIsTwoTebibytesLessFourKibibytes() throws Exception {
        BiosParameterBlock max = VolumeSizing.choose(EMPTY, VolumeSizing.MAX_IMAGE_BYTES);
        assertEquals((2L << 40) - 4096, max.imageBytes());
        assertEquals(FatType.FAT32, max.type());
        assertEquals(64, max.sectorsPerCluster());
        assertConsistent(max);
    }
}
