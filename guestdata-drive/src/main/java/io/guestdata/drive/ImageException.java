package io.guestdata.drive;

/**
 * The requested image cannot be written: content too large for the format, a path that cannot
 * exist in it, an unwritable target. The message names the offending path or field and the
 * limit. Thrown before any byte of the target is created.
 */
public final class ImageException extends Exception {
    private final String subject;

    /**
     * @param subject the path or field at fault (a file path inside the image, or the target path)
     * @param message what is wrong and what the limit is
     */
    public ImageException(String subject, String message) {
        super(subject + ": " + message);
        this.subject = subject;
    }

    public ImageException(String subject, String message, Throwable cause) {
        super(subject + ": " + message, cause);
        this.subject = subject;
    }

    /** The path or field at fault. */
    public String subject() {
        return subject;
    }
}
