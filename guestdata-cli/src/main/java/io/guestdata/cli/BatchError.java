package io.guestdata.cli;

import io.guestdata.core.document.DocumentError;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One reason a document of a batch was not written, as the summary reports it.
 *
 * @param rule    the validator's rule id ({@code uuid.format}, {@code json.syntax} …) for a document that breaks
 *                a rule; else one of the batch's own: {@value #INPUT}, {@value #OUTPUT}, {@value #FORMAT},
 *                {@value #DUPLICATE_UUID}, {@value #DOCUMENT_SIZE}, {@value #INTERNAL}
 * @param pointer the JSON pointer of the offending value ({@code ""}: the whole document), when the rule is
 *                about one
 * @param message what is wrong, on one line
 * @param limit   the limit that was broken, when the rule is a limit
 */
record BatchError(String rule, Optional<String> pointer, String message, Optional<String> limit) {
    /** The document could not be read (its file is missing, unreadable, a directory …). */
    static final String INPUT = "batch.input";
    /** Its drive could not be written: the output exists (without --force), or writing it failed. */
    static final String OUTPUT = "batch.output";
    /** The format cannot hold or deliver what the instance has (NoCloud and injected files, FAT limits …). */
    static final String FORMAT = "batch.format";
    /** An earlier document of the batch has the same uuid, so the same output path. */
    static final String DUPLICATE_UUID = "batch.duplicate_uuid";
    /** The document is larger than a batch reads ({@link BatchInput#MAX_DOCUMENT_BYTES}). */
    static final String DOCUMENT_SIZE = "batch.document_size";
    /** A bug: an exception the batch did not expect (its stack trace is on stderr). */
    static final String INTERNAL = "batch.internal";

    BatchError {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(pointer, "pointer");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(limit, "limit");
    }

    static BatchError of(String rule, String message) {
        return new BatchError(rule, Optional.empty(), message, Optional.empty());
    }

    /** A rule of the instance document, exactly as the validator reported it. */
    static BatchError of(DocumentError error) {
        return new BatchError(error.rule(), Optional.of(error.pointer()), error.message(), error.limit());
    }

    /** The lines of a command failure, each under the batch rule its exit code stands for. */
    static List<BatchError> of(CommandFailure failure) {
        String rule = switch (failure.exitCode()) {
            case ExitCode.INPUT -> INPUT;
            case ExitCode.OUTPUT -> OUTPUT;
            case ExitCode.FORMAT_LIMIT -> FORMAT;
            default -> INTERNAL;
        };
        List<BatchError> errors = new ArrayList<>();
        for (String line : failure.lines()) {
            errors.add(of(rule, line));
        }
        return errors;
    }

    /** As {@link DocumentError#oneLine()}: {@code /uuid: … [uuid.format]}; without a pointer, the message first. */
    String oneLine() {
        String where = pointer.map(p -> (p.isEmpty() ? "(document)" : p) + ": ").orElse("");
        return where + message.replace("\r", "\\r").replace("\n", "\\n") + " [" + rule
                + limit.map(l -> ", limit " + l).orElse("") + "]";
    }
}
