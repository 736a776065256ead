package io.guestdata.inject.rbd;

import io.guestdata.inject.DiskTargetSyntaxException;

/**
 * An {@code rbd:} target that {@link RbdTarget#parse} refuses, or that {@link RbdTarget#toBlockdevJson}
 * cannot express. The message names the target (never a secret: a {@code key=} value is not
 * repeated), the part that is wrong and what was expected.
 */
public final class RbdSyntaxException extends DiskTargetSyntaxException {

    private static final long serialVersionUID = 1L;

    RbdSyntaxException(String message) {
        super(message);
    }
}
