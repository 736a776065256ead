package io.guestdata.cli;

import java.io.Closeable;
import java.io.IOException;

/**
 * Where a batch's documents come from, one at a time, in order: a directory ({@link DirectoryInput}) or
 * newline-delimited JSON on a stream ({@link NdjsonInput}). Only the document being handed over is held.
 */
interface BatchInput extends Closeable {
    /**
     * The most a batch reads of one document: 16 MiB, far above any document the validator accepts (the
     * largest parts, user data and five files, are about 115 KB of base64), so only a runaway line or file
     * is refused, before it is held in memory.
     */
    int MAX_DOCUMENT_BYTES = 16 << 20;

    /** The next document, or null when there are no more. */
    BatchDocument next() throws IOException;

    static BatchDocument.Unreadable tooLarge(String source) {
        return new BatchDocument.Unreadable(source, ExitCode.INPUT, new BatchError(BatchError.DOCUMENT_SIZE,
                java.util.Optional.empty(), "the document is larger than a batch reads (nothing written)",
                java.util.Optional.of(MAX_DOCUMENT_BYTES + " bytes")));
    }
}
