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

import io.guestdata.core.Instance;
import io.guestdata.inject.InjectionReport.Entry;
import io.guestdata.inject.InjectionReport.Outcome;
import io.guestdata.inject.InjectionReport.Status;
import io.guestdata.inject.block.DiskImage;
import io.guestdata.inject.block.FilesystemType;
import io.guestdata.inject.block.ImageFormat;
import io.guestdata.inject.block.ImageInUseException;
import io.guestdata.inject.block.ImageLock;
import io.guestdata.inject.block.InjectPartition;
import io.guestdata.inject.block.PartitionSelectionException;
import io.guestdata.inject.block.PartitionView;
import io.guestdata.inject.fs.GuestFilesystem;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.fs.OpenMode;

/**
 * Disk injection end to end, as Nova's {@code inject_data} (nova-compat.md §7) but safe:
 *
 * <ol>
 *   <li>open the image ({@link DiskImage}: raw in place under an exclusive lock, qcow2 and other
 *       formats through qemu-storage-daemon; read-only for a dry run);</li>
 *   <li>choose the partition ({@link InjectPartition}, -1 with {@link OsRootProbe});</li>
 *   <li>choose the backend for its filesystem ({@link FilesystemBackends}) and open it;</li>
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

    /**
     * Injects the instance's data into the image.
     *
     * @throws BackendUnavailableException the filesystem needs a backend this build lacks (or the
     *                                     one named cannot read it); nothing written
     * @throws IOException                 the image cannot be opened, is in use, or the partition
     *                                     cannot be chosen ({@link io.guestdata.inject.block.BlockException}); nothing written
     * @throws GuestFsException            the filesystem must not be written (journal needs
     *                                     recovery, unclean, unsupported feature); nothing written
     */
    public InjectionReport inject(Path image, Instance instance, InjectionOptions options)
            throws IOException, GuestFsException, BackendUnavailableException {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(instance, "instance");
        Objects.requireNonNull(options, "options");
        backends.named(options.backend());
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
        DiskImage disk = DiskImage.open(image, new DiskImage.Options(options.imageFormat(), !options.dryRun(), true,
                options.export()));
        InjectionReport report;
        try {
            report = inject(image, disk, instance, partition, options, notes);
        } catch (IOException | GuestFsException | BackendUnavailableException | RuntimeException e) {
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

    private InjectionReport inject(Path image, DiskImage disk, Instance instance, InjectPartition partition,
                                   InjectionOptions options, List<String> notes)
            throws IOException, GuestFsException, BackendUnavailableException {
        if (options.dryRun()) {
            refuseIfInUse(image, disk);
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
            if (probe.undecided().isEmpty()) {
                throw e;
            }
            throw new PartitionSelectionException(image, -1, withoutImage(image, e) + "; not inspected: "
                    + String.join("; ", probe.undecided()));
        }
        if (partition instanceof InjectPartition.Find && !probe.undecided().isEmpty()) {
            throw new PartitionSelectionException(image, -1, (view.number() == 0 ? "the whole disk" : "partition "
                    + view.number()) + " holds an OS root, but other candidates could not be inspected ("
                    + String.join("; ", probe.undecided()) + "), so it may not be the only one; choose with --partition "
                    + view.number());
        }
        FilesystemType type = FilesystemType.probe(view);
        InjectionTarget target = new InjectionTarget(disk, view, type);
        FilesystemBackend backend = backends.forFilesystem(options.backend(), type, target.where() + " of " + image);
        GuestFilesystem fs;
        if (options.dryRun()) {
            backend.checkWritable(target);
            fs = backend.open(target, OpenMode.READ_ONLY);
        } else {
            fs = backend.open(target, OpenMode.READ_WRITE);
        }
        InjectionPlan.Result result;
        try {
            InjectionPlan plan = new InjectionPlanner(fs, instance, options.request(), random).plan();
            result = options.dryRun() ? plan.dryRun(options.bestEffort()) : plan.apply(fs, options.bestEffort());
        } catch (GuestFsException | RuntimeException e) {
            closeQuietly(fs, e);
            throw e;
        }
        notes.addAll(result.notes());
        InjectionReport report = new InjectionReport(image.toString(), Optional.of(disk.format().qemuName()),
                Optional.of(target.where() + " (" + type.blkidName() + ")"), Optional.of(backend.name()),
                options.dryRun(), result.entries(), result.outcome(), notes);
        try {
            fs.close();
        } catch (GuestFsException e) {
            return failedClose(report, "flushing and closing the filesystem failed: " + e.getMessage());
        }
        return report;
    }

    /**
     * A dry run opens a raw image read-only and takes no lock; it still fails, as the real run
     * would, when another process holds the image.
     */
    private static void refuseIfInUse(Path image, DiskImage disk) throws IOException {
        if (disk.format() == ImageFormat.RAW && disk.export().isEmpty() && Files.isWritable(image)
                && ImageLock.isLockedByOthers(image)) {
            throw new ImageInUseException(image, "another process (a running VM, qemu-img, qemu-storage-daemon, or"
                    + " another guestdata writer) holds a lock on it; a real run would be refused");
        }
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
