package io.guestdata.inject;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

import io.guestdata.inject.block.DiskImage;
import io.guestdata.inject.block.FilesystemType;
import io.guestdata.inject.block.ImageFormat;
import io.guestdata.inject.block.InjectPartition;
import io.guestdata.inject.block.PartitionSelectionException;
import io.guestdata.inject.block.PartitionView;

/**
 * Stage 2 of the safety model (docs/injection.md): the partition, and the backend for its
 * filesystem, chosen once from the open image. The partition table is parsed by guestdata
 * ({@link InjectPartition#select}); {@code -1} opens every Linux candidate read-only and needs
 * exactly one OS root ({@link OsRootProbe}); candidates only an {@link ImageFileBackend} can look
 * into (XFS, Btrfs, LVM) leave the choice to that backend ({@code inspect_os}) when it can be used,
 * and make the choice refuse to guess when it cannot. From here on the filesystem is a window of the
 * disk: the chosen partition's bytes, or the whole disk's. Nothing is written.
 */
final class LocateFilesystem {

    /** What this stage hands on: where the filesystem is and which backend opens it. */
    sealed interface Located permits InProcess, ImageFile {
        OpenImage.Opened opened();

        /** What the report says so far. */
        List<String> notes();
    }

    /** A partition view of the open disk, read by an in-process backend. */
    record InProcess(OpenImage.Opened opened, PartitionView view, FilesystemType type, FilesystemBackend backend,
                     List<String> notes) implements Located {
        InProcess {
            notes = List.copyOf(notes);
        }
    }

    /** The image (file, or the open disk served to it), for a backend that opens it itself. */
    record ImageFile(OpenImage.Opened opened, ImageFileBackend backend, ImageTarget target, List<String> notes)
            implements Located {
        ImageFile {
            notes = List.copyOf(notes);
        }
    }

    private final FilesystemBackends backends;

    LocateFilesystem(FilesystemBackends backends) {
        this.backends = Objects.requireNonNull(backends, "backends");
    }

    /**
     * Chooses the partition and the backend, reading the open disk (and, for -1, the candidates'
     * files with the in-process backends).
     *
     * @throws IOException                 the partition cannot be chosen ({@link PartitionSelectionException})
     * @throws BackendUnavailableException its filesystem needs a backend this build lacks or cannot use
     */
    Located run(OpenImage.Opened opened) throws IOException, BackendUnavailableException {
        DecideScope.Scope scope = opened.scope();
        Path image = scope.image();
        DiskImage disk = opened.disk();
        InjectPartition partition = scope.partition();
        FilesystemBackends.Choice choice = scope.options().backend();
        List<String> notes = new ArrayList<>(opened.notes());
        if (partition instanceof InjectPartition.Find && backends.named(choice).orElse(null) instanceof ImageFileBackend b) {
            // --backend guestfs -1: libguestfs inspects, as in Nova; no appliance per candidate here
            return imageFile(opened, b, new ImageTarget(image, disk.format(), partition, Optional.empty()), notes);
        }
        OsRootProbe probe = new OsRootProbe(disk, backends, choice);
        PartitionView view;
        try {
            view = partition.select(disk, probe);
        } catch (PartitionSelectionException e) {
            if (scope.partitionOverridden()) {
                throw new PartitionSelectionException(image, 0, withoutImage(image, e) + " (the instance has a"
                        + " kernel_id, so Nova injects into the whole disk whatever the partition option says)");
            }
            Optional<Located> deferred = deferred(opened, probe, notes);
            if (deferred.isPresent()) {
                return deferred.get();
            }
            if (probe.undecided().isEmpty()) {
                throw e;
            }
            throw new PartitionSelectionException(image, -1, withoutImage(image, e) + "; not inspected: "
                    + String.join("; ", probe.undecided()));
        }
        if (partition instanceof InjectPartition.Find) {
            Optional<Located> deferred = deferred(opened, probe, notes);
            if (deferred.isPresent()) {
                return deferred.get();
            }
            if (!probe.undecided().isEmpty()) {
                throw new PartitionSelectionException(image, -1, (view.number() == 0 ? "the whole disk" : "partition "
                        + view.number()) + " holds an OS root, but other candidates could not be inspected ("
                        + String.join("; ", probe.undecided()) + "), so it may not be the only one; choose with"
                        + " --partition " + view.number());
            }
        }
        FilesystemType type = FilesystemType.probe(view);
        String where = view.number() == 0 ? "the whole disk" : "partition " + view.number();
        FilesystemBackend backend = backends.forFilesystem(choice, type, where + " of " + image);
        if (backend instanceof ImageFileBackend b) {
            InjectPartition target = view.number() == 0 ? new InjectPartition.WholeDisk()
                    : new InjectPartition.Number(view.number());
            return imageFile(opened, b, new ImageTarget(image, disk.format(), target, Optional.of(type)), notes);
        }
        return new InProcess(opened, view, type, backend, notes);
    }

    /**
     * -1 with candidates only an image-file backend can inspect (XFS, Btrfs, LVM) and at most one
     * root among the others: that backend finds the root among all of them ({@code inspect_os}).
     * Empty when there is nothing to defer, a candidate could not be inspected at all, or there
     * are already two roots.
     */
    private static Optional<Located> deferred(OpenImage.Opened opened, OsRootProbe probe, List<String> notes)
            throws IOException, BackendUnavailableException {
        InjectPartition partition = opened.scope().partition();
        if (!(partition instanceof InjectPartition.Find) || probe.roots() > 1) {
            return Optional.empty();
        }
        DiskImage disk = opened.disk();
        probe.deferLvmMembers(disk);
        if (probe.deferredTo().isEmpty() || !probe.undecided().isEmpty()) {
            return Optional.empty();
        }
        ImageFileBackend backend = probe.deferredTo().get();
        List<String> withNote = new ArrayList<>(notes);
        withNote.add("partition -1: " + String.join(", ", probe.deferred()) + (probe.deferred().size() == 1 ? " is" : " are")
                + " inspected by the " + backend.name() + " backend, which found the OS root among all candidates"
                + " (libguestfs inspect_os) and mounted every filesystem of its fstab, as Nova does");
        return Optional.of(imageFile(opened, backend, new ImageTarget(opened.scope().image(), disk.format(), partition,
                Optional.empty()), withNote));
    }

    private static Located imageFile(OpenImage.Opened opened, ImageFileBackend backend, ImageTarget target,
                                     List<String> notes) throws BackendUnavailableException {
        if (!backend.formats().contains(target.format())) {
            throw new BackendUnavailableException(target.image() + " is a " + target.format().qemuName() + " image; the "
                    + backend.name() + " backend opens " + backend.formats().stream().map(ImageFormat::qemuName)
                            .sorted().collect(Collectors.joining(" and ")) + " images only: convert it (qemu-img"
                    + " convert -O qcow2) or choose another backend");
        }
        return new ImageFile(opened, backend, target, notes);
    }

    private static String withoutImage(Path image, Exception e) {
        String m = e.getMessage();
        String prefix = image + ": ";
        return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
    }
}
