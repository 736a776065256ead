package io.guestdata.cli;

import java.util.Objects;

/** One instance document of a batch as read from its source, or why it could not be read. */
sealed interface BatchDocument {
    /** Where it came from: the file's path, or {@code stdin:LINE} (lines counted from 1, blank ones included). */
    String source();

    /** The document's bytes, not yet parsed. */
    record Text(String source, byte[] json) implements BatchDocument {
        public Text {
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(json, "json");
        }
    }

    /**
     * A document that was not read.
     *
     * @param exitCode what {@code configdrive --instance} would have exited with ({@link ExitCode#INPUT})
     */
    record Unreadable(String source, int exitCode, BatchError error) implements BatchDocument {
        public Unreadable {
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(error, "error");
        }
    }
}
