package io.guestdata.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The report of a batch: one JSON document on stdout, written as the results come (in input order, one
 * document's entry per line, so nothing but the counts is held), and on stderr one line per failed document,
 * a progress line at most every {@value #PROGRESS_SECONDS} seconds, and the counts at the end. The JSON:
 *
 * <pre>{"format":"iso9660","output_dir":"/abs/dir","documents":[
 * {"source":"in/a.json","status":"written","uuid":"…","output":"/abs/dir/….iso","files":47,"bytes":208896,"exit_code":0,"errors":[]},
 * {"source":"in/b.json","status":"failed","exit_code":3,"errors":[{"rule":"uuid.format","pointer":"/uuid","message":"…"}]}
 * ],"counts":{"documents":2,"written":1,"failed":1},"elapsed_ms":812}</pre>
 *
 * A document's entry is in docs/config-drive.md (Batches). Written with jackson-core's generator: no
 * {@code ObjectMapper}, whose class initialisation is a noticeable part of a short process's start.
 */
final class BatchSummary {
    static final int PROGRESS_SECONDS = 5;
    private static final JsonFactory JSON = JsonFactory.builder()
            .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
            .disable(StreamWriteFeature.AUTO_CLOSE_CONTENT)   // the head leaves "documents" open
            .build();

    private final PrintWriter out;
    private final PrintWriter err;
    private final long startNanos;
    private long lastProgressNanos;
    private long documents;
    private long written;

    /** Starts the JSON on {@code out}; {@code startNanos} is when the batch began ({@link System#nanoTime()}). */
    BatchSummary(PrintWriter out, PrintWriter err, DriveOutput drive, Path outputDir, long startNanos) {
        this.out = out;
        this.err = err;
        this.startNanos = startNanos;
        this.lastProgressNanos = startNanos;
        write(json -> {
            json.writeStartObject();
            json.writeStringField("format", drive.format().name());
            if (drive.format() == DriveOutput.Format.nocloud) {
                json.writeStringField("nocloud_filesystem", drive.nocloudFilesystem().name());
            }
            json.writeStringField("output_dir", outputDir.toAbsolutePath().normalize().toString());
            json.writeArrayFieldStart("documents");
        });
    }

    /** Reports one document; called in input order. */
    void add(BatchResult result) {
        out.print(documents == 0 ? "\n" : ",\n");
        write(json -> entry(json, result));
        documents++;
        if (result.isWritten()) {
            written++;
        } else {
            List<String> reasons = new ArrayList<>();
            result.errors().forEach(e -> reasons.add(e.oneLine()));
            err.println("guestdata: batch: " + result.source() + ": failed (exit " + result.exitCode() + "): "
                    + String.join("; ", reasons));
        }
        long now = System.nanoTime();
        if (now - lastProgressNanos >= TimeUnit.SECONDS.toNanos(PROGRESS_SECONDS)) {
            lastProgressNanos = now;
            err.println("guestdata: batch: " + counts() + " so far");
        }
    }

    /** Ends the JSON with the counts and the elapsed time; says the same on stderr. */
    void finish() {
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        out.println((documents == 0 ? "" : "\n") + "],\"counts\":{\"documents\":" + documents + ",\"written\":"
                + written + ",\"failed\":" + failed() + "},\"elapsed_ms\":" + elapsedMs + "}");
        out.flush();
        err.println("guestdata: batch: " + counts() + " in " + elapsedMs + " ms");
        err.flush();
    }

    long documents() {
        return documents;
    }

    long failed() {
        return documents - written;
    }

    private String counts() {
        return documents + " document(s): " + written + " written, " + failed() + " failed";
    }

    private static void entry(JsonGenerator json, BatchResult r) throws IOException {
        json.writeStartObject();
        json.writeStringField("source", r.source());
        json.writeStringField("status", r.isWritten() ? "written" : "failed");
        if (r.uuid().isPresent()) {
            json.writeStringField("uuid", r.uuid().get().toString());
        }
        if (r.output().isPresent()) {
            json.writeStringField("output", r.output().get().toString());
        }
        if (r.isWritten()) {
            json.writeNumberField("files", r.files());
            json.writeNumberField("bytes", r.bytes());
        }
        json.writeNumberField("exit_code", r.exitCode());
        json.writeArrayFieldStart("errors");
        for (BatchError error : r.errors()) {
            json.writeStartObject();
            json.writeStringField("rule", error.rule());
            if (error.pointer().isPresent()) {
                json.writeStringField("pointer", error.pointer().get());
            }
            json.writeStringField("message", error.message());
            if (error.limit().isPresent()) {
                json.writeStringField("limit", error.limit().get());
            }
            json.writeEndObject();
        }
        json.writeEndArray();
        if (!r.notes().isEmpty()) {
            json.writeArrayFieldStart("notes");
            for (String note : r.notes()) {
                json.writeString(note);
            }
            json.writeEndArray();
        }
        json.writeEndObject();
    }

    /** What one generator writes on {@code out}; the generator is flushed, {@code out} left open. */
    @FunctionalInterface
    private interface Json {
        void write(JsonGenerator json) throws IOException;
    }

    private void write(Json json) {
        try (JsonGenerator generator = JSON.createGenerator(out)) {
            json.write(generator);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
