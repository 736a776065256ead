package io.guestdata.inject.block;

import java.nio.file.Path;

/**
 * A read or write reaches outside the device or partition view. Thrown before the I/O, so nothing outside the view is touched.
 */
public final class OutOfBoundsException extends BlockException {
    private static final long serialVersionUID = 1L;

    public OutOfBoundsException(Path image, int partition, String message) {
        super(image, partition, message);
    }

    public OutOfBoundsException(Path image, String message) {
        super(image, message);
    }

    public OutOfBoundsException(Path image, String message, Throwable cause) {
        super(image, message, cause);
    }
}
