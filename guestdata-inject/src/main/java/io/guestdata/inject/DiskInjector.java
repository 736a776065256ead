package io.guestdata.inject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;

import io.guestdata.core.Instance;
import io.guestdata.inject.InjectionReport.Entry;
import io.guestdata.inject.InjectionReport.Outcome;
import io.guestdata.inject.InjectionReport.Status;
import io.guestdata.inject.block.BlockException;
import io.guestdata.inject.block.DiskImage;
import io.guestdata.inject.block.FilesystemType;
import io.guestdata.inject.block.ImageFormat;
import io.guestdata.inject.block.ImageInUseException;
import io.guestdata.inject.block.ImageInspector;
import io.guestdata.inject.block.ImageLock;
import io.guestdata.inject.block.InjectPartition;
import io.guestdata.inject.block.PartitionSelectionException;
import io.guestdata.inject.block.PartitionView;
import io.guestdata.inject.block.UndoJournal;
import io.guestdata.inject.fs.GuestFilesystem;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.fs.OpenMode;
import io.guestdata.inject.net.ChapPassword;
import io.guestdata.inject.net.NetworkDisk;
import io.guestdata.inject.rbd.RbdImage;
import io.guestdata.inject.rbd.RbdTarget;

/**
 * Disk injection end to end, as Nova's {@code inject_data} (nova-compat.md §7) but safe:
 *
 * <ol>
 *   <li>roll back what an interrupted injection left (its undo journal), then open the image
 *       ({@link DiskImage}: its format inspected, raw in place, qcow2 and other formats through
 *       qemu-storage-daemon): a real run for writing, under its exclusive lock, a dry run read-only
 *       and unlocked; choose the partition ({@link InjectPartition}, -1 with {@link OsRootProbe})
 *       and the backend for its filesystem ({@link FilesystemBackends}), once;</li>
 *   <li>an in-process backend (ext2fs, in this process or its sandboxed worker) goes on with that
 *       handle;</li>
 *   <li>an {@link ImageFileBackend} (guestfs): our handle is closed, nobody else may hold the
 *       image, and the backend opens the original image file with its format and the partition
 *       ({@link InjectPartition.Find} when -1 left candidates only it can inspect); an RBD image
 *       stays open under our lock instead, and the backend opens it as an NBD export of ours
 *       ({@link ExportedDisk}), whose writes are committed through the undo journal;</li>
 *   <li>plan ({@link InjectionPlanner}): every write computed and every precondition checked
 *       before the first write;</li>
 *   <li>apply in Nova's order, then flush and close; the {@link InjectionReport} says what was
 *       written and what was not.</li>
 * </ol>
 *
 * Failures before the plan (the image, the partition, the filesystem, the backend) are thrown and
 * nothing was written. From the plan on, the result is a report, whatever happened.
 */
public final class DiskInjector {

    private final FilesystemBackends backends;
    private final RandomGenerator random;

    /** The backends of this build and a SecureRandom for password salts. */
    public DiskInjector() {
        this(FilesystemBackends.thisBuild(), new SecureRandom());
    }

    public DiskInjector(FilesystemBackends backends, RandomGenerator random) {
        this.backends = Objects.requireNonNull(backends, "backends");
        this.random = Objects.requireNonNull(random, "random");
    }

    /** What the read-only look at the image chose. */
    private sealed interface Choice {
    }

    /** A partition view of the open disk, read by an in-process backend. */
    private record InProcess(PartitionView view, FilesystemType type, FilesystemBackend backend) implements Choice {
    }

    /** The image file, for a backend that opens it itself. */
    private record ImageFile(ImageFileBackend backend, ImageTarget target) implements Choice {
    }

    /**
     * The disk an injection opens: a local image file (or block device), an RBD image read
     * through librbd in this process, or a network disk QEMU opens (NBD, iSCSI).
     */
    private sealed interface Source {
        /** How messages and the report name it. */
        Path name();

        DiskImage open(InjectionOptions options, boolean writable) throws BlockException;
    }

    private record ImageFileSource(Path image) implements Source {
        @Override
        public Path name() {
            return image;
        }

        @Override
        public DiskImage open(InjectionOptions options, boolean writable) throws BlockException {
            return DiskImage.open(image, new DiskImage.Options(options.imageFormat(), writable, options.backingFiles(),
                    options.export()));
        }
    }

    private record RbdSource(RbdTarget target, RbdImage.Settings settings) implements Source {
        @Override
        public Path name() {
            return RbdImage.nameOf(target);
        }

        @Override
        public DiskImage open(InjectionOptions options, boolean writable) throws BlockException {
            return DiskImage.openRbd(target, writable, settings);
        }
    }

    private record NetworkSource(NetworkDisk disk, Optional<ChapPassword> password) implements Source {
        @Override
        public Path name() {
            return disk.name();
        }

        @Override
        public DiskImage open(InjectionOptions options, boolean writable) throws BlockException {
            return DiskImage.openNetwork(disk, password, writable, options.export());
        }
    }

    /**
     * Injects the instance's data into a network disk QEMU opens (an NBD export, an iSCSI LUN;
     * {@link DiskImage#openNetwork}), as into a raw image file: the same partition rules, the in-process
     * ext2/3/4 backend, the undo journal (found by the disk's canonical URI). No lock: the server's
     * exclusivity applies. Filesystems only the libguestfs backend writes (XFS, Btrfs, LVM) reach its
     * appliance through an NBD export of the open disk, as for RBD images.
     *
     * @param password the iSCSI CHAP password, exactly when the URI names a user
     * @throws IOException the disk cannot be reached or opened (the server's or QEMU's words), QEMU's
     *                     driver for it is not installed; nothing written
     * @see #inject(Path, Instance, InjectionOptions)
     */
    public InjectionReport inject(NetworkDisk disk, Optional<ChapPassword> password, Instance instance,
                                  InjectionOptions options) throws IOException, GuestFsException, BackendUnavailableException {
        Objects.requireNonNull(disk, "disk");
        Objects.requireNonNull(password, "password");
        return injectInNewSession(new NetworkSource(disk, password), instance, options);
    }

    /**
     * Injects the instance's data into an RBD image, as into a raw image file: the same partition
     * rules, the in-process ext2/3/4 backend, the undo journal (found by the cluster, pool and image
     * id). A real run holds the image under librbd's exclusive lock and refuses it while anyone else
     * watches it ({@link RbdImage}); a dry run opens it read-only. Filesystems only the libguestfs
     * backend writes (XFS, Btrfs, LVM, and -1 when it must inspect) are served to its appliance as an
     * NBD export on a private Unix socket while this process keeps the image open under its lock
     * ({@link ExportedDisk}); QEMU is given the socket only, never a key or the cluster.
     *
     * @throws IOException the cluster, pool or image cannot be used, or it is in use; nothing written
     * @see #inject(Path, Instance, InjectionOptions)
     */
    public InjectionReport inject(RbdTarget target, RbdImage.Settings settings, Instance instance,
                                  InjectionOptions options) throws IOException, GuestFsException, BackendUnavailableException {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(settings, "settings");
        return injectInNewSession(new RbdSource(target, settings), instance, options);
    }

    /**
     * Injects the instance's data into the image.
     *
     * @throws BackendUnavailableException the filesystem needs a backend this build lacks, or one
     *                                     that cannot be used here (libguestfs not installed), or the
     *                                     one named cannot read it; nothing written
     * @throws IOException                 the image cannot be opened, is in use, or the partition
     *                                     cannot be chosen ({@link io.guestdata.inject.block.BlockException}); nothing written
     * @throws GuestFsException            the filesystem must not be written (journal needs
     *                                     recovery, unclean, unsupported feature) or cannot be
     *                                     opened (libguestfs); nothing written
     */
    public InjectionReport inject(Path image, Instance instance, InjectionOptions options)
            throws IOException, GuestFsException, BackendUnavailableException {
        return injectInNewSession(new ImageFileSource(Objects.requireNonNull(image, "image")), instance, options);
    }

    /** One session per injection: what a backend holds for it (a sandboxed worker) serves it alone. */
    private InjectionReport injectInNewSession(Source source, Instance instance, InjectionOptions options)
            throws IOException, GuestFsException, BackendUnavailableException {
        try (FilesystemBackends.Session session = backends.openSession()) {
            return new DiskInjector(session.backends(), random).injectInSession(source, instance, options);
        }
    }

    private InjectionReport injectInSession(Source source, Instance instance, InjectionOptions options)
            throws IOException, GuestFsException, BackendUnavailableException {
        Path image = source.name();
        Objects.requireNonNull(instance, "instance");
        Objects.requireNonNull(options, "options");
        backends.named(options.backend()); // a backend named but missing fails before anything is opened
        List<String> notes = new ArrayList<>();
        InjectPartition partition = InjectPartition.effective(options.partition(), instance.kernelId().isPresent());
        if (partition.novaValue() != options.partition()) {
            notes.add("the instance has a kernel_id: Nova injects into the whole disk (partition 0), whatever the"
                    + " partition option says");
        }
        if (!partition.enabled()) {
            notes.add("injection is disabled (partition -2, Nova's default): the image was not opened");
            return nothingToDo(image, options, List.of(), notes);
        }
        InjectionRequest request = options.request();
        if (!request.explicit() && request.items().stream()
                .allMatch(i -> InjectionPlanner.noData(i, instance, request.lxc()).isPresent())) {
            List<Entry> skipped = new ArrayList<>();
            for (InjectionItem item : InjectionItem.values()) {
                if (request.items().contains(item)) {
                    skipped.add(new Entry(item, "-", Optional.empty(), OptionalLong.empty(), OptionalInt.empty(),
                            Optional.empty(), Status.SKIPPED,
                            InjectionPlanner.noData(item, instance, request.lxc()).orElseThrow()));
                }
            }
            notes.add("nothing to inject: the image was not opened");
            return nothingToDo(image, options, skipped, notes);
        }
        if (source instanceof ImageFileSource) {
            rollBackInterrupted(image, options, notes);
        }
        // A dry run looks read-only and unlocked; a real run opens the image for writing, under its lock,
        // and chooses once. Either way, a backend that opens the image file itself gets it only after our
        // handle is closed (nothing of ours may hold it then).
        DiskImage disk = source.open(options, !options.dryRun());
        Choice choice;
        try {
            if (options.dryRun()) {
                refuseIfInUse(image, disk);
                if (!(source instanceof ImageFileSource)) {
                    Optional<Path> pending = disk.journalIn(options.undoDirectory()).pending();
                    if (pending.isPresent()) {
                        throw interruptedDryRun(image, pending.get());
                    }
                }
            } else {
                // the open image rolls back what an interrupted injection left, before anything reads it
                disk.useJournal(disk.journalIn(options.undoDirectory())).ifPresent(notes::add);
            }
            choice = choose(image, disk, partition, options, notes);
        } catch (IOException | BackendUnavailableException | RuntimeException e) {
            closeQuietly(disk, e);
            throw e;
        }
        if (choice instanceof InProcess chosen) {
            return injectAndClose(image, disk, chosen, instance, options, notes);
        }
        if (disk.fileless()) {
            return injectExported(image, disk, (ImageFile) choice, instance, options, notes);
        }
        disk.close();
        return injectImageFile(image, (ImageFile) choice, instance, options, notes);
    }

    /**
     * Before anything reads the image: if an earlier injection into it was interrupted while
     * writing, a real run rolls its writes back from the undo journal (under the image's lock), and
     * a dry run, which writes nothing, stops and says so.
     */
    private static void rollBackInterrupted(Path image, InjectionOptions options, List<String> notes)
            throws IOException {
        if (!Files.exists(image)) {
            return; // DiskImage.open says so
        }
        UndoJournal journal = UndoJournal.of(options.undoDirectory(), image);
        Optional<Path> pending = journal.pending();
        if (pending.isEmpty()) {
            return;
        }
        if (options.dryRun()) {
            throw interruptedDryRun(image, pending.get());
        }
        try (DiskImage disk = DiskImage.open(image, new DiskImage.Options(options.imageFormat(), true,
                options.backingFiles(), options.export()))) {
            disk.useJournal(journal).ifPresent(notes::add);
        }
    }

    private static BlockException interruptedDryRun(Path image, Path journal) {
        return new BlockException(image, "an earlier injection into it was interrupted while writing and left the"
                + " undo journal " + journal + "; a real run rolls it back before anything else, a dry run"
                + " changes nothing and stops here");
    }

    /**
     * Chooses the partition and the backend, reading the open disk (and, for -1, the candidates'
     * files with the in-process backends).
     */
    private Choice choose(Path image, DiskImage disk, InjectPartition partition, InjectionOptions options,
                          List<String> notes) throws IOException, BackendUnavailableException {
        if (partition instanceof InjectPartition.Find
                && backends.named(options.backend()).orElse(null) instanceof ImageFileBackend b) {
            // --backend guestfs -1: libguestfs inspects, as in Nova; no appliance per candidate here
            return imageFile(b, new ImageTarget(image, disk.format(), partition, Optional.empty()), disk);
        }
        OsRootProbe probe = new OsRootProbe(disk, backends, options.backend());
        PartitionView view;
        try {
            view = partition.select(disk, probe);
        } catch (PartitionSelectionException e) {
            if (partition.novaValue() != options.partition()) {
                throw new PartitionSelectionException(image, 0, withoutImage(image, e) + " (the instance has a"
                        + " kernel_id, so Nova injects into the whole disk whatever the partition option says)");
            }
            Optional<Choice> deferred = deferred(image, disk, partition, probe, notes);
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
            Optional<Choice> deferred = deferred(image, disk, partition, probe, notes);
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
        FilesystemBackend backend = backends.forFilesystem(options.backend(), type, where + " of " + image);
        if (backend instanceof ImageFileBackend b) {
            InjectPartition target = view.number() == 0 ? new InjectPartition.WholeDisk()
                    : new InjectPartition.Number(view.number());
            return imageFile(b, new ImageTarget(image, disk.format(), target, Optional.of(type)), disk);
        }
        return new InProcess(view, type, backend);
    }

    /**
     * -1 with candidates only an image-file backend can inspect (XFS, Btrfs, LVM) and at most one
     * root among the others: that backend finds the root among all of them ({@code inspect_os}).
     * Empty when there is nothing to defer, a candidate could not be inspected at all, or there
     * are already two roots.
     */
    private Optional<Choice> deferred(Path image, DiskImage disk, InjectPartition partition, OsRootProbe probe,
                                      List<String> notes) throws IOException, BackendUnavailableException {
        if (!(partition instanceof InjectPartition.Find) || probe.roots() > 1) {
            return Optional.empty();
        }
        probe.deferLvmMembers(disk);
        if (probe.deferredTo().isEmpty() || !probe.undecided().isEmpty()) {
            return Optional.empty();
        }
        ImageFileBackend backend = probe.deferredTo().get();
        notes.add("partition -1: " + String.join(", ", probe.deferred()) + (probe.deferred().size() == 1 ? " is" : " are")
                + " inspected by the " + backend.name() + " backend, which found the OS root among all candidates"
                + " (libguestfs inspect_os) and mounted every filesystem of its fstab, as Nova does");
        return Optional.of(imageFile(backend, new ImageTarget(image, disk.format(), partition, Optional.empty()), disk));
    }

    private static Choice imageFile(ImageFileBackend backend, ImageTarget target, DiskImage disk)
            throws BackendUnavailableException {
        if (!backend.formats().contains(target.format())) {
            throw new BackendUnavailableException(target.image() + " is a " + target.format().qemuName() + " image; the "
                    + backend.name() + " backend opens " + backend.formats().stream().map(ImageFormat::qemuName)
                            .sorted().collect(Collectors.joining(" and ")) + " images only: convert it (qemu-img"
                    + " convert -O qcow2) or choose another backend");
        }
        return new ImageFile(backend, target);
    }

    private static String filesystemName(FilesystemType type) {
        return switch (type) {
            case XFS -> "XFS";
            case BTRFS -> "Btrfs";
            case LVM2_PV -> "LVM";
            default -> type.blkidName();
        };
    }

    /** Plans and applies (or dry-runs) on an in-process backend, then closes the filesystem and the disk. */
    private InjectionReport injectAndClose(Path image, DiskImage disk, InProcess chosen, Instance instance,
                                           InjectionOptions options, List<String> notes)
            throws IOException, GuestFsException {
        InjectionReport report;
        try {
            InjectionTarget target = new InjectionTarget(disk, chosen.view(), chosen.type());
            GuestFilesystem fs;
            if (options.dryRun()) {
                chosen.backend().checkWritable(target);
                fs = chosen.backend().open(target, OpenMode.READ_ONLY);
            } else {
                fs = chosen.backend().open(target, OpenMode.READ_WRITE);
            }
            report = planApplyClose(image, disk.format(), target.where() + " (" + chosen.type().blkidName() + ")",
                    chosen.backend().name(), fs, instance, options, notes);
        } catch (IOException | GuestFsException | RuntimeException e) {
            closeQuietly(disk, e);
            throw e;
        }
        try {
            disk.close();
        } catch (IOException e) {
            return failedClose(report, "closing the image failed: " + e.getMessage());
        }
        return report;
    }

    /**
     * The image file handed to its backend: nothing of ours holds it; nobody else may either (a
     * dry run checks, as for a raw image; a real run takes and drops the exclusive lock, and the
     * backend's QEMU then holds QEMU's locks).
     */
    private InjectionReport injectImageFile(Path image, ImageFile chosen, Instance instance, InjectionOptions options,
                                            List<String> notes)
            throws IOException, GuestFsException {
        ImageTarget target = chosen.target();
        // libguestfs' QEMU opens the image itself and follows the backing file names in its headers:
        // the chain is inspected again right before (nothing of ours has held the image since the
        // choice), and every overlay must record its backing file's format, so that QEMU probes nothing.
        ImageInspector.inspect(image, Optional.of(target.format()), options.backingFiles())
                .requireRecordedBackingFormats();
        if (options.dryRun()) {
            if (Files.isWritable(image) && ImageLock.isLockedByOthers(image)) {
                throw inUseDryRun(image);
            }
        } else {
            ImageLock.probe(image);
        }
        ImageFileBackend.Opened opened = chosen.backend().openImage(target,
                options.dryRun() ? OpenMode.READ_ONLY : OpenMode.READ_WRITE);
        return planApplyClose(image, target.format(), opened.target(), chosen.backend().name(), opened.filesystem(),
                instance, options, notes);
    }

    /**
     * An image-file backend on an RBD image or a network disk (NBD, iSCSI): our handle (and an RBD image's
     * lock) stays open, and its whole disk
     * is served to the backend as an NBD export on a private Unix socket ({@link ExportedDisk});
     * read-only for a dry run. After the backend has shut down cleanly, what it wrote is committed to
     * the image through the undo journal, as the ext2fs backend's writes are; then the image is closed.
     */
    private InjectionReport injectExported(Path image, DiskImage disk, ImageFile chosen, Instance instance,
                                           InjectionOptions options, List<String> notes)
            throws IOException, GuestFsException {
        ExportedDisk exported;
        try {
            exported = ExportedDisk.serve(disk, !options.dryRun(), options.export().tempRoot());
        } catch (IOException | RuntimeException e) {
            closeQuietly(disk, e);
            throw e;
        }
        InjectionReport report;
        try {
            ImageFileBackend.Opened opened = chosen.backend().openImage(chosen.target().servedAt(exported.socket()),
                    options.dryRun() ? OpenMode.READ_ONLY : OpenMode.READ_WRITE);
            boolean rbd = disk.rbd().isPresent();
            notes.add("the " + chosen.backend().name() + " backend reached the " + (rbd ? "RBD image" : "network disk")
                    + " through an NBD export on a private Unix socket; " + (options.dryRun() ? "a read-only export of"
                    + " the image this process opened read-only" : rbd ? "this process held the image under its"
                    + " exclusive lock throughout" : "this process's connection to the server served it (no lock of"
                    + " ours: the server's exclusivity applies)"));
            report = planApplyClose(image, disk.format(), opened.target(), chosen.backend().name(), opened.filesystem(),
                    instance, options, notes, options.dryRun() ? closed -> Optional.empty() : exported::commit);
        } catch (IOException | GuestFsException | RuntimeException e) {
            closeQuietly(exported, e);
            closeQuietly(disk, e);
            throw e;
        }
        try {
            exported.close();
            disk.close();
        } catch (IOException e) {
            closeQuietly(disk, e);
            return failedClose(report, "closing the image failed: " + e.getMessage());
        }
        return report;
    }

    /** What follows the close of the filesystem: the commit of staged writes, if any. */
    private interface AfterClose {
        /**
         * @param closed whether the filesystem closed cleanly (else nothing may be committed)
         * @return why nothing was written (the image is unchanged); empty when it went through
         */
        Optional<String> run(boolean closed) throws IOException;
    }

    private InjectionReport planApplyClose(Path image, ImageFormat format, String target, String backend,
                                           GuestFilesystem fs, Instance instance, InjectionOptions options,
                                           List<String> notes) throws GuestFsException {
        return planApplyClose(image, format, target, backend, fs, instance, options, notes, closed -> Optional.empty());
    }

    /** The one planning and writing path, whatever the backend; closes {@code fs}, then runs {@code afterClose}. */
    private InjectionReport planApplyClose(Path image, ImageFormat format, String target, String backend,
                                           GuestFilesystem fs, Instance instance, InjectionOptions options,
                                           List<String> notes, AfterClose afterClose) throws GuestFsException {
        InjectionPlan.Result result;
        try {
            InjectionPlan plan = plan(fs, instance, options);
            result = options.dryRun() ? plan.dryRun(options.bestEffort()) : plan.apply(fs, options.bestEffort());
        } catch (GuestFsException | RuntimeException e) {
            closeQuietly(fs, e);
            throw e;
        }
        List<String> all = new ArrayList<>(notes);
        all.addAll(result.notes());
        InjectionReport report = new InjectionReport(image.toString(), Optional.of(format.qemuName()),
                Optional.of(target), Optional.of(backend), options.dryRun(), result.entries(), result.outcome(), all);
        GuestFsException closeFailure = null;
        try {
            fs.close();
        } catch (GuestFsException e) {
            closeFailure = e;
        }
        try {
            Optional<String> notWritten = afterClose.run(closeFailure == null);
            if (notWritten.isPresent()) {
                report = uncommitted(report, notWritten.get());
            }
        } catch (IOException e) {
            report = failedClose(report, "committing the writes to the image failed: " + e.getMessage());
        }
        if (closeFailure != null) {
            return failedClose(report, "flushing and closing the filesystem failed: " + closeFailure.getMessage());
        }
        return report;
    }

    /** The filesystem closed, but none of its writes reached the image: nothing the report lists was written. */
    private static InjectionReport uncommitted(InjectionReport report, String problem) {
        List<Entry> entries = report.entries().stream().map(e -> e.status() != Status.WRITTEN ? e
                : new Entry(e.item(), e.action(), e.path(), e.bytes(), e.mode(), e.owner(), Status.NOT_WRITTEN,
                        "not committed to the image (" + e.detail() + ")")).toList();
        List<String> notes = new ArrayList<>(report.notes());
        notes.add(problem);
        return new InjectionReport(report.image(), report.format(), report.target(), report.backend(), report.dryRun(),
                entries, Outcome.FAILED, notes);
    }

    /**
     * The plan. A sandboxed worker that died while planning is an error (its first failure, which
     * the planner may have taken for a refusal), never a refusal.
     */
    private InjectionPlan plan(GuestFilesystem fs, Instance instance, InjectionOptions options) throws GuestFsException {
        InjectionPlan plan;
        try {
            plan = new InjectionPlanner(fs, instance, options.request(), random).plan();
        } catch (GuestFsException e) {
            throw fs.broken().orElse(e);
        }
        Optional<GuestFsException> broken = fs.broken();
        if (broken.isPresent()) {
            throw broken.get();
        }
        return plan;
    }

    /**
     * A dry run opens a raw image read-only and takes no lock; it still fails, as the real run
     * would, when another process holds the image.
     */
    private static void refuseIfInUse(Path image, DiskImage disk) throws IOException {
        if (disk.format() == ImageFormat.RAW && disk.export().isEmpty() && disk.rbd().isEmpty() && Files.isWritable(image)
                && ImageLock.isLockedByOthers(image)) {
            throw inUseDryRun(image);
        }
    }

    private static ImageInUseException inUseDryRun(Path image) {
        return new ImageInUseException(image, "another process (a running VM, qemu-img, qemu-storage-daemon, or"
                + " another guestdata writer) holds a lock on it; a real run would be refused");
    }

    private static String withoutImage(Path image, Exception e) {
        String m = e.getMessage();
        String prefix = image + ": ";
        return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
    }

    /** A close failed after the plan ran: written entries may not all be on disk. */
    private static InjectionReport failedClose(InjectionReport report, String problem) {
        List<String> notes = new ArrayList<>(report.notes());
        boolean wrote = report.count(Status.WRITTEN) > 0;
        notes.add(problem + (wrote ? "; the entries marked written may not all have reached the disk" : ""));
        Outcome outcome = report.outcome() == Outcome.DONE || report.outcome() == Outcome.PLANNED
                ? Outcome.FAILED : report.outcome();
        return new InjectionReport(report.image(), report.format(), report.target(), report.backend(), report.dryRun(),
                report.entries(), outcome, notes);
    }

    private static InjectionReport nothingToDo(Path image, InjectionOptions options, List<Entry> entries,
                                               List<String> notes) {
        return new InjectionReport(image.toString(), Optional.empty(), Optional.empty(), Optional.empty(),
                options.dryRun(), entries, Outcome.NOTHING_TO_DO, notes);
    }

    private static void closeQuietly(AutoCloseable c, Exception primary) {
        try {
            c.close();
        } catch (Exception suppressed) {
            primary.addSuppressed(suppressed);
        }
    }
}
