package io.guestdata.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
 * A document's entry is in docs/config-drive.md (Batches).
 */
final class BatchSummary {
    static final int PROGRESS_SECONDS = 5;
    private static final ObjectMapper JSON = new ObjectMapper();

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
        ObjectNode head = JSON.createObjectNode();
        head.put("format", drive.format().name());
        if (drive.format() == DriveOutput.Format.nocloud) {
            head.put("nocloud_filesystem", drive.nocloudFilesystem().name());
        }
        head.put("output_dir", outputDir.toAbsolutePath().normalize().toString());
        String text = write(head);
        out.print(text.substring(0, text.length() - 1) + ",\"documents\":[");
    }

    /** Reports one document; called in input order. */
    void add(BatchResult result) {
        out.print((documents == 0 ? "\n" : ",\n") + write(entry(result)));
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

    private static ObjectNode entry(BatchResult r) {
        ObjectNode e = JSON.createObjectNode();
        e.put("source", r.source());
        e.put("status", r.isWritten() ? "written" : "failed");
        r.uuid().ifPresent(u -> e.put("uuid", u.toString()));
        r.output().ifPresent(o -> e.put("output", o.toString()));
        if (r.isWritten()) {
            e.put("files", r.files());
            e.put("bytes", r.bytes());
        }
        e.put("exit_code", r.exitCode());
        ArrayNode errors = e.putArray("errors");
        for (BatchError error : r.errors()) {
            ObjectNode o = errors.addObject();
            o.put("rule", error.rule());
            error.pointer().ifPresent(p -> o.put("pointer", p));
            o.put("message", error.message());
            error.limit().ifPresent(l -> o.put("limit", l));
        }
        if (!r.notes().isEmpty()) {
            ArrayNode notes = e.putArray("notes");
            r.notes().forEach(notes::add);
        }
        return e;
    }

    private static String write(ObjectNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
