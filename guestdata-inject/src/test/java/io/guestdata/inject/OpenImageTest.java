package io.guestdata.inject;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.guestdata.inject.block.BlockException;
import io.guestdata.inject.block.FailingDisk;
import io.guestdata.inject.block.ImageFormat;
import io.guestdata.inject.block.ImageFormatException;
import io.guestdata.inject.block.ImageLock;
import io.guestdata.inject.block.RawImage;
import io.guestdata.inject.block.UndoJournal;
import io.guestdata.testkit.ToolTest;

import static io.guestdata.inject.GuestImages.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The image stage (safety model 0 and 1): the image's format is checked before the first byte is
 * changed, even the roll-back of an interrupted injection; a dry run opens read-only and unlocked.
 */
@ToolTest
class OpenImageTest {

    @TempDir
    Path dir;

    private final DecideScope decide = new DecideScope(new FilesystemBackends(List.of(new Ext2fsBackend())));

    private DecideScope.Scope scope(Path img, InjectionOptions options) throws BackendUnavailableException {
        return assertInstanceOf(DecideScope.Scope.class,
                decide.run(new InjectionSource.ImageFile(img), Instances.full(), options));
    }

    /** An injection whose commit died after its journal was written and one range reached the disk. */
    private static UndoJournal interrupted(Path img, Path undo) throws IOException {
        UndoJournal journal = UndoJournal.of(undo, img);
        try (RawImage disk = RawImage.openWritable(img)) {
            byte[] junk = new byte[4096];
            Arrays.fill(junk, (byte) 0x5a);
            assertThrows(IOException.class, () -> journal.commit(new FailingDisk(disk, 1), List.of(
                    new UndoJournal.Change(1024, junk), new UndoJournal.Change(8192, junk))));
        }
        assertTrue(journal.pending().isPresent());
        return journal;
    }

    @Test
    void theFormatIsCheckedBeforeAnInterruptedInjectionIsRolledBack() throws Exception {
        Path img = GuestImages.wholeDisk(dir, "disk.img", GuestImages.skeleton(dir), 32, "-t", "ext4");
        String pristine = sha256(img);
        InjectionOptions options = GuestImages.options(dir);
        UndoJournal journal = interrupted(img, options.undoDirectory());
        String left = sha256(img);
        assertNotEquals(pristine, left);

        InjectionHandles refused = new InjectionHandles();
        DecideScope.Scope wrongFormat = scope(img, options.withImageFormat(Optional.of(ImageFormat.QCOW2)));
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> new OpenImage(refused).run(wrongFormat));
        assertEquals(img + ": was asked to be qcow2 but its magic bytes say raw; use --image-format raw or auto",
                e.getMessage());
        assertEquals(left, sha256(img), "not a byte rolled back before the format was accepted");
        assertTrue(journal.pending().isPresent(), "the journal is kept for a run that can open the image");
        assertFalse(refused.holdsAny());

        try (InjectionHandles handles = new InjectionHandles()) {
            OpenImage.Opened opened = new OpenImage(handles).run(scope(img, options));
            assertTrue(opened.notes().stream().anyMatch(n -> n.contains("were rolled back from the undo journal")),
                    opened.notes()::toString);
            assertTrue(opened.disk().writable());
            assertTrue(ImageLock.isLockedByOthers(img), "a real run holds the image under its lock");
        }
        assertEquals(pristine, sha256(img));
        assertTrue(journal.pending().isEmpty());
    }

    @Test
    void aDryRunStopsAtAnInterruptedInjectionWithoutOpeningTheImage() throws Exception {
        Path img = GuestImages.wholeDisk(dir, "disk.img", GuestImages.skeleton(dir), 32, "-t", "ext4");
        InjectionOptions options = GuestImages.options(dir);
        interrupted(img, options.undoDirectory());
        String left = sha256(img);
        InjectionHandles handles = new InjectionHandles();
        DecideScope.Scope dry = scope(img, options.withDryRun(true));
        BlockException e = assertThrows(BlockException.class, () -> new OpenImage(handles).run(dry));
        assertTrue(e.getMessage().contains("a dry run changes nothing and stops here"), e.getMessage());
        assertFalse(handles.holdsAny());
        assertEquals(left, sha256(img));
    }

    @Test
    void aDryRunOpensReadOnlyAndTakesNoLock() throws Exception {
        Path img = GuestImages.wholeDisk(dir, "disk.img", GuestImages.skeleton(dir), 32, "-t", "ext4");
        String before = sha256(img);
        try (InjectionHandles handles = new InjectionHandles()) {
            OpenImage.Opened opened = new OpenImage(handles).run(scope(img, GuestImages.options(dir).withDryRun(true)));
            assertFalse(opened.disk().writable());
            assertFalse(ImageLock.isLockedByOthers(img));
            assertTrue(handles.holdsAny());
        }
        assertEquals(before, sha256(img));
    }
}
