package io.guestdata.inject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import io.guestdata.inject.block.DiskImage;
import io.guestdata.inject.block.ImageFormat;
import io.guestdata.inject.block.ImageInUseException;
import io.guestdata.inject.block.ImageInspector;
import io.guestdata.inject.block.ImageLock;
import io.guestdata.inject.fs.GuestFilesystem;
import io.guestdata.inject.fs.GuestFsException;

/**
 * Stage 3 of the safety model (docs/injection.md): the filesystem, opened by the backend chosen for
 * it and checked before anything is planned. An in-process backend (ext2fs, in this process or its
 * sandboxed worker) opens the located window of the open image and checks it as it opens it (the
 * superblock's state, then what a kernel checks before it mounts, and more); a dry run first checks
 * what a writable open would refuse ({@link FilesystemBackend#checkWritable}), then opens read-only.
 * An {@link ImageFileBackend} (guestfs) whose appliance's kernel does the checking gets:
 * <ul>
 *   <li>an image file: our handle closed first (nothing of ours may hold it), the backing chain
 *       inspected again right before (every overlay must record its backing file's format, so that
 *       QEMU probes nothing), and nobody else may hold it (a dry run checks the lock, a real run
 *       takes and drops it; the backend's QEMU then holds QEMU's locks);</li>
 *   <li>an RBD image or a network disk: our handle (and an RBD image's lock) stays open and its whole
 *       disk is served to the backend as an NBD export on a private Unix socket ({@link ExportedDisk}),
 *       read-only for a dry run; what the backend wrote is committed through the undo journal after
 *       it has shut down cleanly ({@link CloseAndReport}).</li>
 * </ul>
 */
final class CheckFilesystem {

    /** What follows the close of the filesystem: the commit of staged writes, if any. */
    @FunctionalInterface
    interface Commit {
        /** Nothing staged: the filesystem's close wrote through. */
        Commit NONE = closed -> Optional.empty();

        /**
         * @param closed whether the filesystem closed cleanly (else nothing may be committed)
         * @return why nothing was written (the image is unchanged); empty when it went through
         */
        Optional<String> run(boolean closed) throws IOException;
    }

    /**
     * What this stage hands on: the filesystem open and checked, held by the run's {@link InjectionHandles}.
     *
     * @param format  the image's container format, as the report names it
     * @param target  where the filesystem is, as the report names it ({@code partition 1 (ext4)})
     * @param backend the backend's name
     * @param commit  what follows the filesystem's close
     * @param notes   what the report says so far
     */
    record Checked(DecideScope.Scope scope, ImageFormat format, GuestFilesystem filesystem, String target,
                   String backend, Commit commit, List<String> notes) {
        Checked {
            Objects.requireNonNull(scope, "scope");
            Objects.requireNonNull(format, "format");
            Objects.requireNonNull(filesystem, "filesystem");
            Objects.requireNonNull(target, "target");
            Objects.requireNonNull(backend, "backend");
            Objects.requireNonNull(commit, "commit");
            notes = List.copyOf(notes);
        }
    }

    private final InjectionHandles handles;

    CheckFilesystem(InjectionHandles handles) {
        this.handles = Objects.requireNonNull(handles, "handles");
    }

    /**
     * @throws GuestFsException the filesystem must not be written (journal needs recovery, unclean,
     *                          unsupported feature) or cannot be opened
     * @throws IOException      the image cannot be read, or is in use
     */
    Checked run(LocateFilesystem.Located located) throws IOException, GuestFsException {
        return switch (located) {
            case LocateFilesystem.InProcess chosen -> inProcess(chosen);
            case LocateFilesystem.ImageFile chosen when chosen.opened().disk().fileless() -> exported(chosen);
            case LocateFilesystem.ImageFile chosen -> imageFile(chosen);
        };
    }

    private Checked inProcess(LocateFilesystem.InProcess chosen) throws IOException, GuestFsException {
        DecideScope.Scope scope = chosen.opened().scope();
        DiskImage disk = chosen.opened().disk();
        InjectionTarget target = new InjectionTarget(disk, chosen.view(), chosen.type());
        if (scope.dryRun()) {
            chosen.backend().checkWritable(target);
        }
        GuestFilesystem fs = handles.hold(chosen.backend().open(target, scope.mode()));
        return new Checked(scope, disk.format(), fs, target.where() + " (" + chosen.type().blkidName() + ")",
                chosen.backend().name(), Commit.NONE, chosen.notes());
    }

    /** The image file handed to its backend: nothing of ours holds it; nobody else may either. */
    private Checked imageFile(LocateFilesystem.ImageFile chosen) throws IOException, GuestFsException {
        DecideScope.Scope scope = chosen.opened().scope();
        Path image = scope.image();
        ImageTarget target = chosen.target();
        handles.close(chosen.opened().disk());
        // libguestfs' QEMU opens the image itself and follows the backing file names in its headers:
        // the chain is inspected again right before (nothing of ours has held the image since the
        // choice), and every overlay must record its backing file's format, so that QEMU probes nothing.
        ImageInspector.inspect(image, Optional.of(target.format()), scope.options().backingFiles())
                .requireRecordedBackingFormats();
        if (scope.dryRun()) {
            if (Files.isWritable(image) && ImageLock.isLockedByOthers(image)) {
                throw ImageInUseException.forDryRun(image);
            }
        } else {
            ImageLock.probe(image);
        }
        ImageFileBackend.Opened opened = chosen.backend().openImage(target, scope.mode());
        GuestFilesystem fs = handles.hold(opened.filesystem());
        return new Checked(scope, target.format(), fs, opened.target(), chosen.backend().name(), Commit.NONE,
                chosen.notes());
    }

    /** An RBD image or a network disk (NBD, iSCSI), served to the backend by an NBD export of ours. */
    private Checked exported(LocateFilesystem.ImageFile chosen) throws IOException, GuestFsException {
        DecideScope.Scope scope = chosen.opened().scope();
        DiskImage disk = chosen.opened().disk();
        boolean dryRun = scope.dryRun();
        ExportedDisk exported = handles.hold(ExportedDisk.serve(disk, !dryRun, scope.options().export().tempRoot()));
        ImageFileBackend.Opened opened = chosen.backend().openImage(chosen.target().servedAt(exported.socket()),
                scope.mode());
        GuestFilesystem fs = handles.hold(opened.filesystem());
        boolean rbd = disk.rbd().isPresent();
        List<String> notes = new ArrayList<>(chosen.notes());
        notes.add("the " + chosen.backend().name() + " backend reached the " + (rbd ? "RBD image" : "network disk")
                + " through an NBD export on a private Unix socket; " + (dryRun ? "a read-only export of"
                + " the image this process opened read-only" : rbd ? "this process held the image under its"
                + " exclusive lock throughout" : "this process's connection to the server served it (no lock of"
                + " ours: the server's exclusivity applies)"));
        return new Checked(scope, disk.format(), fs, opened.target(), chosen.backend().name(),
                dryRun ? Commit.NONE : exported::commit, notes);
    }
}
