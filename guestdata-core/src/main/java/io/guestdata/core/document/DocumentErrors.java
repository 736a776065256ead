package io.guestdata.core.document;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The errors of one parse, collected as the validator walks the document. Never shared. */
final class DocumentErrors {

    private final List<DocumentError> errors = new ArrayList<>();

    void add(DocumentPointer at, String rule, String message) {
        errors.add(new DocumentError(at.text(), rule, message, Optional.empty()));
    }

    void add(DocumentPointer at, String rule, String message, String limit) {
        errors.add(new DocumentError(at.text(), rule, message, Optional.of(limit)));
    }

    boolean isEmpty() {
        return errors.isEmpty();
    }

    int size() {
        return errors.size();
    }

    void throwIfAny() throws InvalidDocumentException {
        if (!errors.isEmpty()) {
            throw new InvalidDocumentException(errors);
        }
    }
}
