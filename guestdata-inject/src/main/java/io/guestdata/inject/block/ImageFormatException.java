package io.guestdata.inject.block;

import java.nio.file.Path;

/**
 * The image's format is not one we can write safely (unknown magic, a format mismatch with the one asked for,
 * encryption, a corrupt or hostile qcow2 header). Nothing was written.
 */
public final class ImageFormatException extends BlockException {
    private static final long serialVersionUID = 1L;

    public ImageFormatException(Path image, int partition, String message) {
        super(image, partition, message);
    }

    public ImageFormatException(Path image, String message) {
        super(image, message);
    }

    public ImageFormatException(Path image, String message, Throwable cause) {
        super(image, message, cause);
    }
}
