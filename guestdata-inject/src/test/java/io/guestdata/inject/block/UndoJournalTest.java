package io.guestdata.inject.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The undo journal on a real image file: a commit that completes leaves no journal; a commit cut
 * short after the journal was written is rolled back by the next open to the exact original bytes;
 * a journal that does not belong to the disk is never applied.
 */
class UndoJournalTest {

    @TempDir
    Path dir;

    private Path image;
    private Path undo;
    private byte[] original;

    @BeforeEach
    void image() throws IOException {
        image = dir.resolve("disk.img");
        original = new byte[1 << 20];
        new Random(42).nextBytes(original);
        Files.write(image, original);
        undo = dir.resolve("undo");
    }

    private static byte[] filled(int length, int value) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) value);
        return b;
    }

    private List<UndoJournal.Change> changes() {
        return List.of(new UndoJournal.Change(4096, filled(8192, 1)), new UndoJournal.Change(65536 + 100, filled(5000, 2)),
                new UndoJournal.Change((1 << 20) - 4096, filled(4096, 3)));
    }

    private byte[] expectedAfter() {
        byte[] b = original.clone();
        for (UndoJournal.Change c : changes()) {
            System.arraycopy(c.bytes(), 0, b, (int) c.position(), c.bytes().length);
        }
        return b;
    }

    @Test
    void aCompleteCommitWritesEveryChangeAndLeavesNoJournal() throws Exception {
        UndoJournal journal = UndoJournal.of(undo, image);
        try (RawImage disk = RawImage.openWritable(image)) {
            journal.commit(disk, changes());
        }
        assertArrayEquals(expectedAfter(), Files.readAllBytes(image));
        assertTrue(journal.pending().isEmpty());
        try (var files = Files.list(undo)) {
            assertEquals(0, files.count(), "no journal or temporary file is left");
        }
    }

    @Test
    void aCommitCutShortIsRolledBackToTheOriginalBytes() throws Exception {
        UndoJournal journal = UndoJournal.of(undo, image);
        try (RawImage raw = RawImage.openWritable(image)) {
            // The second write dies, as a kill -9 between two writes would leave it.
            BlockDevice dying = new FailingDisk(raw, 1);
            IOException e = assertThrows(IOException.class, () -> journal.commit(dying, changes()));
            assertTrue(e.getMessage().contains("the undo journal"), e.getMessage());
        }
        byte[] torn = Files.readAllBytes(image);
        assertFalse(Arrays.equals(original, torn), "the first change reached the disk");
        assertTrue(journal.pending().isPresent());
        Optional<String> note;
        try (RawImage disk = RawImage.openWritable(image)) {
            note = UndoJournal.of(undo, image).rollBack(disk);
        }
        assertTrue(note.orElseThrow().contains("rolled back"), note::toString);
        assertArrayEquals(original, Files.readAllBytes(image));
        assertTrue(journal.pending().isEmpty());
    }

    @Test
    void aJournalWrittenButNotAppliedRollsBackToTheSameBytes() throws Exception {
        UndoJournal journal = UndoJournal.of(undo, image);
        try (RawImage raw = RawImage.openWritable(image)) {
            assertThrows(IOException.class, () -> journal.commit(new FailingDisk(raw, 0), changes()));
        }
        assertArrayEquals(original, Files.readAllBytes(image), "nothing reached the disk");
        try (RawImage disk = RawImage.openWritable(image)) {
            assertTrue(journal.rollBack(disk).isPresent());
        }
        assertArrayEquals(original, Files.readAllBytes(image));
    }

    @Test
    void aNetworkDisksJournalIsFoundByItsUriAndRollsBackACommitCutShort() throws Exception {
        String uri = "nbd://127.0.0.1:10809/disk0";
        UndoJournal journal = UndoJournal.ofNetwork(undo, Path.of("nbd:127.0.0.1:10809/disk0"), uri);
        assertTrue(journal.file().getFileName().toString().matches("net-[0-9a-f]{32}\\.undo"), journal.file()::toString);
        assertEquals(journal.file(), UndoJournal.ofNetwork(undo, Path.of("other name"), uri).file());
        assertFalse(journal.file().equals(UndoJournal.ofNetwork(undo, Path.of("x"), "nbd://127.0.0.1:10810/disk0").file()));
        try (RawImage raw = RawImage.openWritable(image)) {
            assertThrows(IOException.class, () -> journal.commit(new FailingDisk(raw, 1), changes()));
        }
        assertFalse(Arrays.equals(original, Files.readAllBytes(image)), "the first change reached the disk");
        // another URI of the same disk does not find it (a server shows no identity of the disk behind it)
        assertTrue(UndoJournal.ofNetwork(undo, Path.of("x"), "nbd://localhost:10809/disk0").pending().isEmpty());
        try (RawImage disk = RawImage.openWritable(image)) {
            assertTrue(UndoJournal.ofNetwork(undo, Path.of("again"), uri).rollBack(disk).orElseThrow().contains("rolled back"));
        }
        assertArrayEquals(original, Files.readAllBytes(image));
    }

    @Test
    void rollingBackTwiceIsHarmless() throws Exception {
        UndoJournal journal = UndoJournal.of(undo, image);
        Path copy = dir.resolve("journal-copy");
        try (RawImage raw = RawImage.openWritable(image)) {
            assertThrows(IOException.class, () -> journal.commit(new FailingDisk(raw, 2), changes()));
        }
        Path file = journal.pending().orElseThrow();
        Files.copy(file, copy);
        try (RawImage disk = RawImage.openWritable(image)) {
            journal.rollBack(disk);
        }
        assertArrayEquals(original, Files.readAllBytes(image));
        Files.move(copy, file); // as if the process died after restoring, before deleting the journal
        try (RawImage disk = RawImage.openWritable(image)) {
            assertTrue(journal.rollBack(disk).isPresent(), "a second roll-back of the same journal still applies");
        }
        assertArrayEquals(original, Files.readAllBytes(image));
        assertTrue(journal.pending().isEmpty());
    }

    @Test
    void aDamagedJournalIsRefusedAndTheImageNotTouched() throws Exception {
        UndoJournal journal = UndoJournal.of(undo, image);
        try (RawImage raw = RawImage.openWritable(image)) {
            assertThrows(IOException.class, () -> journal.commit(new FailingDisk(raw, 1), changes()));
        }
        byte[] torn = Files.readAllBytes(image);
        Path file = journal.pending().orElseThrow();
        byte[] bytes = Files.readAllBytes(file);
        bytes[100] ^= 0x40;
        Files.write(file, bytes);
        try (RawImage disk = RawImage.openWritable(image)) {
            BlockException e = assertThrows(BlockException.class, () -> journal.rollBack(disk));
            assertTrue(e.getMessage().contains("is damaged (its checksum does not match)"), e.getMessage());
        }
        assertArrayEquals(torn, Files.readAllBytes(image));
    }

    @Test
    void aJournalWhoseBytesAreNotOnTheDiskIsSetAsideNotApplied() throws Exception {
        UndoJournal journal = UndoJournal.of(undo, image);
        try (RawImage raw = RawImage.openWritable(image)) {
            assertThrows(IOException.class, () -> journal.commit(new FailingDisk(raw, 1), changes()));
        }
        // Someone else rewrote a changed range since: neither the original nor the new bytes are there.
        try (RawImage raw = RawImage.openWritable(image)) {
            raw.write(4096, ByteBuffer.wrap(filled(4096, 9)));
        }
        byte[] now = Files.readAllBytes(image);
        try (RawImage disk = RawImage.openWritable(image)) {
            BlockException e = assertThrows(BlockException.class, () -> journal.rollBack(disk));
            assertTrue(e.getMessage().contains("does not match the disk: the bytes at offset 4096"), e.getMessage());
        }
        assertArrayEquals(now, Files.readAllBytes(image));
        assertTrue(journal.pending().isEmpty(), "set aside as .stale");
    }

    @Test
    void aLeftOverTemporaryJournalMeansTheDiskWasNeverTouched() throws Exception {
        UndoJournal journal = UndoJournal.of(undo, image);
        Path temp = undoFile(journal).resolveSibling(undoFile(journal).getFileName() + ".tmp");
        Files.write(temp, new byte[] {1, 2, 3});
        try (RawImage disk = RawImage.openWritable(image)) {
            assertTrue(journal.rollBack(disk).isEmpty());
        }
        assertFalse(Files.exists(temp));
        assertArrayEquals(original, Files.readAllBytes(image));
    }

    private static Path undoFile(UndoJournal journal) {
        return journal.file();
    }
}
