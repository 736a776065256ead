package io.guestdata.inject.block;

import java.nio.file.Path;

/**
 * {@code qemu-storage-daemon} could not export the image (it exited, timed out, or refused the options). The
 * message carries the daemon's own stderr. The daemon has been stopped.
 */
public final class QemuExportException extends BlockException {
    private static final long serialVersionUID = 1L;

    public QemuExportException(Path image, int partition, String message) {
        super(image, partition, message);
    }

    public QemuExportException(Path image, String message) {
        super(image, message);
    }

    public QemuExportException(Path image, String message, Throwable cause) {
        super(image, message, cause);
    }
}
