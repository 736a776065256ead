package io.guestdata.core.document;

import java.util.Objects;
import java.util.Optional;

/**
 * One problem found in an instance document (instance-document.md: "Every error names the
 * field (JSON pointer), the value's problem and the limit it broke").
 *
 * @param pointer RFC 6901 pointer to the offending value ({@code ""} is the whole document,
 *                {@code /files/2/path}, {@code /metadata/a~1b})
 * @param rule    stable dotted identifier of the rule that failed, e.g. {@code files.count},
 *                {@code metadata.key.pattern}, {@code user_data.base64}; callers may match on it
 * @param message what is wrong, for a person; Nova's wording where Nova has one
 * @param limit   the limit that was broken, in words ("5 files", "255 characters"), when the
 *                rule is a limit
 */
public record DocumentError(String pointer, String rule, String message, Optional<String> limit) {

    public DocumentError {
        Objects.requireNonNull(pointer, "pointer");
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(limit, "limit");
    }

    /**
     * The error on one line, as the CLI prints it:
     * {@code /files: Personality file limit exceeded (6 files given, at most 5) [files.count, limit 5 files]}.
     * The whole document is shown as {@code (document)}; line breaks in the message are escaped.
     */
    public String oneLine() {
        String where = pointer.isEmpty() ? "(document)" : pointer;
        String flat = message.replace("\r", "\\r").replace("\n", "\\n");
        return where + ": " + flat + " [" + rule + limit.map(l -> ", limit " + l).orElse("") + "]";
    }
}
