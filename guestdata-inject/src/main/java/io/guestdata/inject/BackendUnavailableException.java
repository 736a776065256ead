package io.guestdata.inject;

/**
 * The filesystem needs a backend this build does not have, or the backend asked for cannot open
 * it; thrown before anything is written.
 */
public final class BackendUnavailableException extends Exception {
    private static final long serialVersionUID = 1L;

    public BackendUnavailableException(String message) {
        super(message);
    }
}
