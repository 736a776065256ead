package io.guestdata.inject.rbd;

import io.guestdata.inject.block.BlockException;
import java.nio.file.Path;

/** The pool or the image an {@link RbdTarget} names does not exist ({@code ENOENT}); nothing was written. */
public final class RbdNotFoundException extends BlockException {
    private static final long serialVersionUID = 1L;

    RbdNotFoundException(Path image, String message) {
        super(image, message);
    }
}
