package io.guestdata.cli;

import io.guestdata.drive.DriveKind;

import io.guestdata.core.Instance;
import io.guestdata.core.document.DocumentError;
import io.guestdata.core.document.InstanceDocumentParser;
import io.guestdata.core.document.InvalidDocumentException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The stages of a batch, one document at a time: read → parse and validate (this thread, in input order, so
 * which of two documents with one uuid is refused never depends on timing) → build and write the drive
 * ({@code jobs} workers) → report (this thread, in input order).
 *
 * <p>Memory is bounded by a window of {@code 4 × jobs} documents in flight: before a document is started
 * beyond it, the oldest one's result is awaited and reported. So a batch of 100,000 documents holds at most
 * that many documents and drives at once, plus one uuid and source name per document for the duplicate check.
 */
final class BatchRun {
    private final DriveOutput drive;
    private final Path outputDir;
    private final int jobs;
    private final InstanceDocumentParser parser;
    private final PrintWriter err;
    /** uuid → the source of the first document that had it. */
    private final Map<UUID, String> claimed = new HashMap<>();

    /** @param err where an internal error's stack trace goes (it is also in the summary, on one line) */
    BatchRun(DriveOutput drive, Path outputDir, int jobs, InstanceDocumentParser parser, PrintWriter err) {
        this.drive = Objects.requireNonNull(drive, "drive");
        this.outputDir = Objects.requireNonNull(outputDir, "outputDir");
        if (jobs < 1) {
            throw new IllegalArgumentException("jobs must be at least 1: " + jobs);
        }
        this.jobs = jobs;
        this.parser = Objects.requireNonNull(parser, "parser");
        this.err = Objects.requireNonNull(err, "err");
    }

    /** The drive's name in the output directory: {@code <uuid>.iso}, {@code <uuid>.vfat.img}, … ({@code <uuid>} for a tree). */
    static String outputName(UUID uuid, DriveOutput drive) {
        return uuid + switch (drive.format()) {
            case tree -> "";
            case iso9660 -> ".iso";
            case vfat -> ".vfat.img";
            case nocloud -> drive.nocloudFilesystem() == DriveKind.SeedFilesystem.iso9660 ? ".nocloud.iso" : ".nocloud.img";
        };
    }

    /**
     * Writes every document of {@code input}, reporting each to {@code summary} in input order. When reading
     * the input fails, the documents already started are finished and reported first, then the failure is thrown.
     */
    void run(BatchInput input, BatchSummary summary) throws IOException, InterruptedException {
        int window = 4 * jobs;
        ArrayDeque<Future<BatchResult>> inFlight = new ArrayDeque<>(window);
        ExecutorService workers = Executors.newFixedThreadPool(jobs, workerThreads());
        try {
            IOException readFailure = null;
            try {
                for (BatchDocument document = input.next(); document != null; document = input.next()) {
                    if (inFlight.size() >= window) {
                        summary.add(result(inFlight.removeFirst()));
                    }
                    inFlight.addLast(start(document, workers));
                }
            } catch (IOException e) {
                readFailure = e;
            }
            while (!inFlight.isEmpty()) {
                summary.add(result(inFlight.removeFirst()));
            }
            if (readFailure != null) {
                throw readFailure;
            }
        } finally {
            workers.shutdown();
        }
    }

    private Future<BatchResult> start(BatchDocument document, ExecutorService workers) {
        return switch (document) {
            case BatchDocument.Unreadable u ->
                    done(BatchResult.failed(u.source(), Optional.empty(), u.exitCode(), List.of(u.error())));
            case BatchDocument.Text t -> start(t, workers);
        };
    }

    private Future<BatchResult> start(BatchDocument.Text document, ExecutorService workers) {
        String source = document.source();
        Instance instance;
        try {
            instance = parser.parse(document.json());
        } catch (InvalidDocumentException e) {
            List<BatchError> errors = new ArrayList<>();
            for (DocumentError error : e.errors()) {
                errors.add(BatchError.of(error));
            }
            return done(BatchResult.failed(source, Optional.empty(), ExitCode.INVALID_INSTANCE, errors));
        }
        UUID uuid = instance.uuid();
        String first = claimed.putIfAbsent(uuid, source);
        if (first != null) {
            return done(BatchResult.failed(source, Optional.of(uuid), ExitCode.OUTPUT, List.of(new BatchError(
                    BatchError.DUPLICATE_UUID, Optional.of("/uuid"), "uuid " + uuid + " is also the uuid of "
                    + first + ", earlier in the batch, whose drive has the same name (nothing written)",
                    Optional.empty()))));
        }
        Path output = outputDir.resolve(outputName(uuid, drive)).toAbsolutePath().normalize();
        return workers.submit(() -> write(source, instance, output));
    }

    /** One drive; every failure becomes the document's result, so the others go on. */
    private BatchResult write(String source, Instance instance, Path output) {
        try {
            return BatchResult.written(source, instance.uuid(), output, drive.write(instance, output, "output"));
        } catch (CommandFailure e) {
            return BatchResult.failed(source, Optional.of(instance.uuid()), e.exitCode(), BatchError.of(e));
        } catch (RuntimeException e) {
            synchronized (err) {
                err.println("guestdata: batch: " + source + ": internal error: " + e);
                e.printStackTrace(err);
            }
            return BatchResult.failed(source, Optional.of(instance.uuid()), ExitCode.INTERNAL,
                    List.of(BatchError.of(BatchError.INTERNAL, "internal error: " + e)));
        }
    }

    private static BatchResult result(Future<BatchResult> future) throws InterruptedException {
        try {
            return future.get();
        } catch (ExecutionException e) {
            // write() turns every exception into a result; what is left is an Error (out of memory …).
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException("a batch worker failed", e.getCause());
        }
    }

    private static Future<BatchResult> done(BatchResult result) {
        return CompletableFuture.completedFuture(result);
    }

    private static ThreadFactory workerThreads() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "batch-worker-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
