package io.guestdata.inject.rbd;

import io.guestdata.inject.block.BlockException;
import java.nio.file.Path;

/**
 * {@link RbdImport} found the target image taken: it existed and replacing it was not asked for, or another client
 * created it while the new image was being written ({@link #appearedMeanwhile()}). Nothing was written.
 */
public final class RbdImageExistsException extends BlockException {
    private static final long serialVersionUID = 1L;

    private final boolean appearedMeanwhile;

    RbdImageExistsException(Path image, boolean appearedMeanwhile) {
        super(image, appearedMeanwhile ? "was created by someone else while writing; not replaced"
                : "exists; ask to replace it");
        this.appearedMeanwhile = appearedMeanwhile;
    }

    /** Whether the image appeared while the new one was written (otherwise it was there before). */
    public boolean appearedMeanwhile() {
        return appearedMeanwhile;
    }
}
