package io.guestdata.core.document;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The instance document was rejected. Carries every problem found, not only the first: the
 * validator walks the whole document before it throws, and nothing is produced when any error
 * is found (instance-document.md).
 */
public final class InvalidDocumentException extends Exception {

    private final List<DocumentError> errors;

    /** @param errors at least one error, in document order */
    public InvalidDocumentException(List<DocumentError> errors) {
        super(summary(errors));
        this.errors = List.copyOf(errors);
    }

    /** Every error found, in the order the validator met them (document order). */
    public List<DocumentError> errors() {
        return errors;
    }

    private static String summary(List<DocumentError> errors) {
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("an InvalidDocumentException needs at least one error");
        }
        String noun = errors.size() == 1 ? "error" : "errors";
        return "invalid instance document, " + errors.size() + " " + noun + ": "
                + errors.stream().map(DocumentError::oneLine).collect(Collectors.joining("; "));
    }
}
