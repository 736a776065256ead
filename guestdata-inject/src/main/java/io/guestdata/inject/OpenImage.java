package io.guestdata.inject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import io.guestdata.inject.block.BlockException;
import io.guestdata.inject.block.DiskImage;
import io.guestdata.inject.block.ImageFormat;
import io.guestdata.inject.block.ImageInUseException;
import io.guestdata.inject.block.ImageLock;
import io.guestdata.inject.block.UndoJournal;

/**
 * Stages 0 and 1 of the safety model (docs/injection.md): an interrupted earlier injection, then the
 * image. Before anything reads the image, a real run rolls back what an interrupted injection left
 * (its undo journal, under the image's lock) and a dry run, which changes nothing, stops there. Then
 * the image is opened ({@link DiskImage}: its container format told by its magic bytes and every
 * layer's header checked before QEMU opens anything): a real run for writing, under its exclusive
 * lock, rolling back the journal of an RBD image or a network disk the same way; a dry run read-only
 * and unlocked, refused all the same when another process holds the image. Every byte this stage
 * writes (a roll-back) goes through a {@link DiskImage} whose format was checked first.
 */
final class OpenImage {

    /**
     * What this stage hands on: the image, open and checked, held by the run's {@link InjectionHandles}.
     *
     * @param notes what the report says so far (a roll-back is said here)
     */
    record Opened(DecideScope.Scope scope, DiskImage disk, List<String> notes) {
        Opened {
            Objects.requireNonNull(scope, "scope");
            Objects.requireNonNull(disk, "disk");
            notes = List.copyOf(notes);
        }
    }

    private final InjectionHandles handles;

    OpenImage(InjectionHandles handles) {
        this.handles = Objects.requireNonNull(handles, "handles");
    }

    /**
     * @throws IOException the image cannot be opened, is in use, or fails a check of its format;
     *                     an interrupted injection's journal stops a dry run
     */
    Opened run(DecideScope.Scope scope) throws IOException {
        Path image = scope.image();
        List<String> notes = new ArrayList<>(scope.notes());
        Path undoDirectory = scope.options().undoDirectory();
        if (scope.source() instanceof InjectionSource.ImageFile) {
            rollBackInterrupted(scope, notes);
        }
        DiskImage disk = handles.hold(scope.source().open(scope.imageOptions()));
        if (scope.dryRun()) {
            refuseIfInUse(image, disk);
            if (!(scope.source() instanceof InjectionSource.ImageFile)) {
                Optional<Path> pending = disk.journalIn(undoDirectory).pending();
                if (pending.isPresent()) {
                    throw interruptedDryRun(image, pending.get());
                }
            }
        } else {
            // the open image rolls back what an interrupted injection left, before anything reads it
            disk.useJournal(disk.journalIn(undoDirectory)).ifPresent(notes::add);
        }
        return new Opened(scope, disk, notes);
    }

    /**
     * Before anything reads the image file: if an earlier injection into it was interrupted while
     * writing, a real run rolls its writes back from the undo journal (under the image's lock), and
     * a dry run, which writes nothing, stops and says so.
     */
    private static void rollBackInterrupted(DecideScope.Scope scope, List<String> notes) throws IOException {
        Path image = scope.image();
        if (!Files.exists(image)) {
            return; // DiskImage.open says so
        }
        UndoJournal journal = UndoJournal.of(scope.options().undoDirectory(), image);
        Optional<Path> pending = journal.pending();
        if (pending.isEmpty()) {
            return;
        }
        if (scope.dryRun()) {
            throw interruptedDryRun(image, pending.get());
        }
        try (DiskImage disk = scope.source().open(scope.imageOptions())) {
            disk.useJournal(journal).ifPresent(notes::add);
        }
    }

    private static BlockException interruptedDryRun(Path image, Path journal) {
        return new BlockException(image, "an earlier injection into it was interrupted while writing and left the"
                + " undo journal " + journal + "; a real run rolls it back before anything else, a dry run"
                + " changes nothing and stops here");
    }

    /**
     * A dry run opens a raw image read-only and takes no lock; it still fails, as the real run
     * would, when another process holds the image.
     */
    private static void refuseIfInUse(Path image, DiskImage disk) throws IOException {
        if (disk.format() == ImageFormat.RAW && disk.export().isEmpty() && disk.rbd().isEmpty() && Files.isWritable(image)
                && ImageLock.isLockedByOthers(image)) {
            throw ImageInUseException.forDryRun(image);
        }
    }
}
