package io.guestdata.cli;

import io.guestdata.core.document.InstanceDocumentParser;
import io.guestdata.core.document.KeyPairResolver;
import io.guestdata.core.document.Limits;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code guestdata batch}: writes the config drives of many instance documents in one process. */
@Command(name = "batch", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Write the config drive (any format of configdrive) of every instance document of a directory or of "
                    + "newline-delimited JSON on stdin, into one directory, with several workers:",
            "  <uuid>/ (tree), <uuid>.iso (iso9660), <uuid>.vfat.img (vfat), <uuid>.nocloud.iso or "
                    + "<uuid>.nocloud.img (nocloud).",
            "Each document is validated as configdrive --instance does, and each drive is written as configdrive "
                    + "writes it (the same bytes), to a temporary name renamed when complete. A document that fails "
                    + "is reported, with its rule ids, and the others go on; nothing is left behind for it.",
            "stdout: one JSON summary (a line per document, in input order; the counts at the end). stderr: a "
                    + "line per failed document, progress, the counts. See docs/config-drive.md (Batches)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every document was written", "1:internal error", "2:usage error",
            "4:--output-dir is missing or not a directory (nothing written)",
            "6:--input cannot be listed, or reading it failed (the summary has the documents read before)",
            "15:some documents failed (see the summary); the others were written"})
final class BatchCommand implements Callable<Integer> {
    @Option(names = "--input", required = true, paramLabel = "DIR|-",
            description = "A directory: every *.json file in it (not below it), in the order of their names. -: "
                    + "newline-delimited JSON on stdin, one document per line (blank lines skipped).")
    String input;

    @Option(names = "--output-dir", required = true, paramLabel = "DIR",
            description = "An existing directory to write the drives into, each named after its instance's uuid.")
    Path outputDir;

    @Mixin
    DriveOptions options;

    @Option(names = "--jobs", paramLabel = "N",
            description = "Drives written at once (default: the number of processors, ${DEFAULT-VALUE}).")
    int jobs = Runtime.getRuntime().availableProcessors();

    @Mixin
    MetadataSettings settings;

    @Spec
    CommandSpec spec;

    private final Map<String, String> environment;
    private final InputStream stdin;

    /**
     * @param environment where {@code SOURCE_DATE_EPOCH} is looked up
     * @param stdin       what {@code --input -} reads
     */
    BatchCommand(Map<String, String> environment, InputStream stdin) {
        this.environment = Objects.requireNonNull(environment, "environment");
        this.stdin = Objects.requireNonNull(stdin, "stdin");
    }

    @Override
    public Integer call() throws CommandFailure, IOException, InterruptedException {
        long start = System.nanoTime();
        checkOptionCombinations();
        DriveOutput drive = options.output(environment, settings.options());
        if (!Files.isDirectory(outputDir)) {
            throw new CommandFailure(ExitCode.OUTPUT, "--output-dir " + outputDir
                    + ": not an existing directory; create it first (nothing written)");
        }
        InstanceDocumentParser parser = new InstanceDocumentParser(Limits.nova(), KeyPairResolver.none());
        try (BatchInput documents = input.equals("-") ? new NdjsonInput(stdin, "stdin")
                : DirectoryInput.open(Path.of(input))) {
            BatchSummary summary = new BatchSummary(spec.commandLine().getOut(), spec.commandLine().getErr(), drive,
                    outputDir, start);
            try {
                new BatchRun(drive, outputDir, jobs, parser, spec.commandLine().getErr()).run(documents, summary);
            } catch (IOException e) {
                summary.finish();
                throw new CommandFailure(ExitCode.INPUT, "--input " + input + ": reading stopped after "
                        + summary.documents() + " document(s) (each is in the summary): " + e);
            }
            summary.finish();
            return summary.failed() == 0 ? ExitCode.OK : ExitCode.BATCH_FAILED;
        }
    }

    /** The same combinations configdrive refuses (exit 2), and a --jobs that is not a count. */
    private void checkOptionCombinations() throws CommandFailure {
        List<String> problems = new ArrayList<>(options.misplaced(List.of()));
        if (jobs < 1 || jobs > MAX_JOBS) {
            problems.add("--jobs " + jobs + ": give from 1 to " + MAX_JOBS + " drives at once");
        }
        if (!problems.isEmpty()) {
            throw new CommandFailure(ExitCode.USAGE, problems);
        }
    }

    /** More workers than this only add threads: each drive is a few milliseconds of CPU and one fsync. */
    static final int MAX_JOBS = 256;
}
