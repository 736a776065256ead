package io.guestdata.inject.guestfs;

/**
 * An error libguestfs reported ({@code guestfs_last_error}), as the binding's
 * {@code LibGuestFSException} carries it, e.g. {@code internal_write: open: /d: Is a directory}.
 * {@link GuestfsFilesystem} turns it into a {@link io.guestdata.inject.fs.GuestFsException} with
 * the operation and the guest path.
 */
final class LibguestfsException extends Exception {

    private static final long serialVersionUID = 1L;

    LibguestfsException(String message, Throwable cause) {
        super(message, cause);
    }

    LibguestfsException(String message) {
        super(message);
    }
}
