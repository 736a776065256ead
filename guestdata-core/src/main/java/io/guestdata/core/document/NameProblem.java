package io.guestdata.core.document;

import java.util.Optional;

/**
 * Why a name was refused.
 *
 * @param check   the last part of the rule id ({@code length}, {@code printable},
 *                {@code whitespace}, {@code charset}); the field's name goes in front
 * @param message what is wrong, for a person
 * @param limit   the limit broken, when the check is a limit
 */
record NameProblem(String check, String message, Optional<String> limit) {

    void report(DocumentErrors errors, DocumentPointer at, String field) {
        String rule = field + "." + check;
        limit.ifPresentOrElse(l -> errors.add(at, rule, message, l), () -> errors.add(at, rule, message));
    }
}
