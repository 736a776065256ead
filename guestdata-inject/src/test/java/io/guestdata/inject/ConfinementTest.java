package io.guestdata.inject;

import io.guestdata.inject.fs.Ext2Tools;
import io.guestdata.testkit.ToolTest;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.random.RandomGenerator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.guestdata.inject.InjectionReport.Outcome;
import io.guestdata.inject.block.BlockException;
import io.guestdata.inject.block.UndoJournal;
import io.guestdata.inject.fs.GuestFsException;

import static io.guestdata.inject.GuestImages.assertClean;
import static io.guestdata.inject.GuestImages.cat;
import static io.guestdata.inject.GuestImages.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Injection stays inside the filesystem's partition whatever its metadata says, and a crash while
 * writing is rolled back by the next run (issue 10, cases 3 and 4).
 */
@ToolTest
class ConfinementTest {

    @TempDir
    Path dir;

    private final DiskInjector injector = new DiskInjector(FilesystemBackends.thisBuild(),
            RandomGenerator.of("L64X128MixRandom"));

    private InjectionOptions options() {
        return GuestImages.options(dir);
    }

    /** The skeleton guest plus a 17 MiB file, so that new blocks come from the filesystem's last megabytes, past 16 MiB. */
    private Path fullTree() throws IOException {
        Path t = GuestImages.skeleton(dir);
        byte[] filler = new byte[17 << 20];
        RandomGenerator.of("L64X128MixRandom").nextBytes(filler);
        Files.write(t.resolve("filler.bin"), filler);
        return t;
    }

    private static String sha256Range(Path file, long from, long to) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(1 << 20);
            for (long at = from; at < to; ) {
                b.clear().limit((int) Math.min(b.capacity(), to - at));
                int n = ch.read(b, at);
                if (n < 0) {
                    break;
                }
                md.update(b.flip());
                at += n;
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    @Test
    void aFilesystemLargerThanItsPartitionNeverWritesIntoTheNextPartition() throws Exception {
        // Partition 1 is 16 MiB at 1 MiB; its filesystem claims 24 MiB and so reaches 8 MiB into partition 2.
        Path img = GuestImages.mbrDisk(dir, "disk.img", null, null);
        Ext2Tools.mke2fs(img, 2048L * 512, 24 << 10, fullTree(), "-t", "ext4");
        try (RandomAccessFile raf = new RandomAccessFile(img.toFile(), "rw")) {
            byte[] pattern = new byte[1 << 20];
            RandomGenerator.of("L64X128MixRandom").nextBytes(pattern);
            for (long at = 17L << 20; at < 64L << 20; at += pattern.length) {
                raf.seek(at);
                raf.write(pattern);
            }
        }
        String partition2 = sha256Range(img, 17L << 20, 64L << 20);
        String whole = sha256(img);
        Outcome outcome;
        try {
            outcome = injector.inject(img, Instances.full(), options().withPartition(1)).outcome();
        } catch (GuestFsException | IOException e) {
            outcome = null; // refused before the plan: also fine, as long as nothing moved
            assertTrue(e.getMessage().contains("partition 1"), e.getMessage());
        }
        assertNotEquals(Outcome.DONE, outcome, "a filesystem that does not fit its partition is not written");
        assertEquals(partition2, sha256Range(img, 17L << 20, 64L << 20), "partition 2 is untouched");
        assertEquals(whole, sha256(img), "nothing was committed at all");
        assertEquals(64L << 20, Files.size(img));
    }

    @Test
    void aFilesystemLargerThanTheImageNeverGrowsTheImageFile() throws Exception {
        Path img = dir.resolve("disk.img");
        Ext2Tools.mke2fs(img, 0, 24 << 10, fullTree(), "-t", "ext4");
        try (RandomAccessFile raf = new RandomAccessFile(img.toFile(), "rw")) {
            raf.setLength(16L << 20);
        }
        String before = sha256(img);
        Outcome outcome;
        try {
            outcome = injector.inject(img, Instances.full(), options().withPartition(0)).outcome();
        } catch (GuestFsException | IOException e) {
            outcome = null;
        }
        assertNotEquals(Outcome.DONE, outcome);
        assertEquals(16L << 20, Files.size(img), "the image file did not grow");
        assertEquals(before, sha256(img));
    }

    @Test
    void aDryRunStopsAtAnInterruptedInjectionAndARealRunRollsItBackFirst() throws Exception {
        Path img = GuestImages.wholeDisk(dir, "disk.img", GuestImages.skeleton(dir), 32, "-t", "ext4");
        String pristine = sha256(img);
        // An injection whose commit died after its journal was written and one range reached the disk.
        UndoJournal journal = UndoJournal.of(dir.resolve("undo"), img);
        try (var disk = io.guestdata.inject.block.RawImage.openWritable(img)) {
            byte[] junk = new byte[4096];
            java.util.Arrays.fill(junk, (byte) 0x5a);
            var dying = new io.guestdata.inject.block.FailingDisk(disk, 1);
            assertThrows(IOException.class, () -> journal.commit(dying, List.of(
                    new UndoJournal.Change(1024, junk), new UndoJournal.Change(8192, junk))));
        }
        assertNotEquals(pristine, sha256(img), "the superblock was overwritten: the filesystem is broken now");

        BlockException dry = assertThrows(BlockException.class,
                () -> injector.inject(img, Instances.full(), options().withDryRun(true)));
        assertTrue(dry.getMessage().contains("was interrupted while writing and left the undo journal"), dry.getMessage());

        InjectionReport report = injector.inject(img, Instances.full(), options());
        assertEquals(Outcome.DONE, report.outcome(), report::toString);
        assertTrue(report.notes().stream().anyMatch(n -> n.contains("were rolled back from the undo journal")),
                report::toString);
        assertTrue(journal.pending().isEmpty());
        assertClean(img, 0);
        assertTrue(cat(img, 0, "/meta.js").contains("webservers"));
    }
}
