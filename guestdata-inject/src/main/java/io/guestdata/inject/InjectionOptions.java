package io.guestdata.inject;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

import io.guestdata.inject.block.BackingFilePolicy;
import io.guestdata.inject.block.ImageFormat;
import io.guestdata.inject.block.QemuStorageExport;
import io.guestdata.inject.block.UndoJournal;

/**
 * How to inject.
 *
 * @param imageFormat   the image's container format; empty to detect it ({@code auto})
 * @param partition     Nova's {@code inject_partition}: -2 off, -1 find the OS root, 0 whole disk, N partition N
 * @param backend       which filesystem backend ({@code auto} picks by filesystem type)
 * @param request       what to inject
 * @param dryRun        open read-only, plan, report, write nothing
 * @param bestEffort    continue past a refused or failed item
 * @param export        how qemu-storage-daemon is run for non-raw images
 * @param backingFiles  which backing files the image may name (none by default; files below the base image
 *                      directories, {@code --base-image-dir})
 * @param undoDirectory where the undo journals of interrupted injections are kept ({@link UndoJournal})
 */
public record InjectionOptions(Optional<ImageFormat> imageFormat, int partition, FilesystemBackends.Choice backend,
                               InjectionRequest request, boolean dryRun, boolean bestEffort,
                               QemuStorageExport.Settings export, BackingFilePolicy backingFiles, Path undoDirectory) {

    public InjectionOptions {
        Objects.requireNonNull(imageFormat, "imageFormat");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(export, "export");
        Objects.requireNonNull(backingFiles, "backingFiles");
        Objects.requireNonNull(undoDirectory, "undoDirectory");
    }

    /**
     * Auto format, partition -1, auto backend, everything, SHA-512, writing, all-or-nothing, no backing files,
     * journals in the default undo directory.
     */
    public static InjectionOptions defaults() {
        return new InjectionOptions(Optional.empty(), -1, FilesystemBackends.Choice.AUTO, InjectionRequest.everything(),
                false, false, QemuStorageExport.Settings.defaults(), BackingFilePolicy.refuseAll(),
                UndoJournal.defaultDirectory(System.getenv()));
    }

    public InjectionOptions withImageFormat(Optional<ImageFormat> f) {
        return new InjectionOptions(f, partition, backend, request, dryRun, bestEffort, export, backingFiles, undoDirectory);
    }

    public InjectionOptions withPartition(int p) {
        return new InjectionOptions(imageFormat, p, backend, request, dryRun, bestEffort, export, backingFiles, undoDirectory);
    }

    public InjectionOptions withBackend(FilesystemBackends.Choice b) {
        return new InjectionOptions(imageFormat, partition, b, request, dryRun, bestEffort, export, backingFiles, undoDirectory);
    }

    public InjectionOptions withRequest(InjectionRequest r) {
        return new InjectionOptions(imageFormat, partition, backend, r, dryRun, bestEffort, export, backingFiles, undoDirectory);
    }

    public InjectionOptions withDryRun(boolean d) {
        return new InjectionOptions(imageFormat, partition, backend, request, d, bestEffort, export, backingFiles, undoDirectory);
    }

    public InjectionOptions withBestEffort(boolean b) {
        return new InjectionOptions(imageFormat, partition, backend, request, dryRun, b, export, backingFiles, undoDirectory);
    }

    public InjectionOptions withExport(QemuStorageExport.Settings s) {
        return new InjectionOptions(imageFormat, partition, backend, request, dryRun, bestEffort, s, backingFiles, undoDirectory);
    }

    public InjectionOptions withBackingFiles(BackingFilePolicy policy) {
        return new InjectionOptions(imageFormat, partition, backend, request, dryRun, bestEffort, export, policy, undoDirectory);
    }

    public InjectionOptions withUndoDirectory(Path dir) {
        return new InjectionOptions(imageFormat, partition, backend, request, dryRun, bestEffort, export, backingFiles, dir);
    }
}
