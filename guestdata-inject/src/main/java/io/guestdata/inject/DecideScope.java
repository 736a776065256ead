package io.guestdata.inject;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

import io.guestdata.core.Instance;
import io.guestdata.inject.InjectionReport.Entry;
import io.guestdata.inject.InjectionReport.Outcome;
import io.guestdata.inject.InjectionReport.Status;
import io.guestdata.inject.block.DiskImage;
import io.guestdata.inject.block.InjectPartition;
import io.guestdata.inject.fs.OpenMode;

/**
 * The first stage of an injection, before the image is touched: what the run is. The options are
 * read here, once: Nova's partition rule ({@code inject_partition}, whole disk when the instance has
 * a {@code kernel_id}, -2 off), the backend named by {@code --backend} (missing or unusable: refused
 * before anything is opened), read-only for a dry run or read-write, and the options the image is
 * opened with. A run that has nothing to do (injection disabled, no data for any item asked for
 * implicitly) ends here with its report and the image is never opened.
 */
final class DecideScope {

    /** What this stage hands on: a run to make, or its report already. */
    sealed interface Decision permits Scope, NothingToDo {
    }

    /**
     * A run to make.
     *
     * @param source       the disk to open
     * @param image        how messages and the report name it
     * @param instance     whose data is injected
     * @param options      the run's options as given (the request, best effort, the backend, the undo directory)
     * @param partition    the partition rule in effect (never {@link InjectPartition.Disabled})
     * @param mode         {@link OpenMode#READ_ONLY} for a dry run, else {@link OpenMode#READ_WRITE}
     * @param imageOptions what the image is opened with: format, writability, backing files, export settings
     * @param notes        what the report says so far
     */
    record Scope(InjectionSource source, Path image, Instance instance, InjectionOptions options,
                 InjectPartition partition, OpenMode mode, DiskImage.Options imageOptions, List<String> notes)
            implements Decision {
        Scope {
            notes = List.copyOf(notes);
        }

        boolean dryRun() {
            return mode == OpenMode.READ_ONLY;
        }

        /** Whether Nova's kernel_id rule overrode the partition option. */
        boolean partitionOverridden() {
            return partition.novaValue() != options.partition();
        }
    }

    /** Nothing to do: the image was not opened. */
    record NothingToDo(InjectionReport report) implements Decision {
    }

    private final FilesystemBackends backends;

    DecideScope(FilesystemBackends backends) {
        this.backends = Objects.requireNonNull(backends, "backends");
    }

    /** @throws BackendUnavailableException the backend named is not in this build or cannot be used */
    Decision run(InjectionSource source, Instance instance, InjectionOptions options)
            throws BackendUnavailableException {
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
        boolean dryRun = options.dryRun();
        return new Scope(source, image, instance, options, partition, dryRun ? OpenMode.READ_ONLY : OpenMode.READ_WRITE,
                new DiskImage.Options(options.imageFormat(), !dryRun, options.backingFiles(), options.export()), notes);
    }

    private static NothingToDo nothingToDo(Path image, InjectionOptions options, List<Entry> entries,
                                           List<String> notes) {
        return new NothingToDo(new InjectionReport(image.toString(), Optional.empty(), Optional.empty(),
                Optional.empty(), options.dryRun(), entries, Outcome.NOTHING_TO_DO, notes));
    }
}
