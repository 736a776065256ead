package io.guestdata.inject.guestfs;

/** libguestfs' Java binding is not installed (or cannot be loaded) on this machine; the message says what to install. */
public final class GuestfsUnavailableException extends Exception {

    private static final long serialVersionUID = 1L;

    GuestfsUnavailableException(String message) {
        super(message);
    }
}
