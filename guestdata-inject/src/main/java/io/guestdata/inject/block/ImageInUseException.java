package io.guestdata.inject.block;

import java.nio.file.Path;

/**
 * Another process (a running VM, qemu-img, another guestdata writer) holds the image open for writing or holds a
 * lock that forbids our writing. Nothing was written.
 */
public final class ImageInUseException extends BlockException {
    private static final long serialVersionUID = 1L;

    public ImageInUseException(Path image, int partition, String message) {
        super(image, partition, message);
    }

    public ImageInUseException(Path image, String message) {
        super(image, message);
    }

    public ImageInUseException(Path image, String message, Throwable cause) {
        super(image, message, cause);
    }

    /**
     * The refusal of a dry run, which opens read-only and takes no lock, when another process holds the
     * image: the real run would be refused ({@link ImageLock}).
     */
    public static ImageInUseException forDryRun(Path image) {
        return new ImageInUseException(image, "another process (a running VM, qemu-img, qemu-storage-daemon, or"
                + " another guestdata writer) holds a lock on it; a real run would be refused");
    }
}
