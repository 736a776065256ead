package io.guestdata.inject.sandbox;

/**
 * A worker could not be used: it could not be started, or it died, hung, broke the protocol or
 * failed outside libext2fs. The message completes "the sandboxed ext2fs worker …" ("died with
 * signal 11 (SIGSEGV)"); callers turn it into a {@link io.guestdata.inject.fs.GuestFsException}
 * naming their operation.
 */
final class WorkerException extends Exception {
    private static final long serialVersionUID = 1L;

    private final boolean dead;

    /**
     * @param dead whether the worker is gone (every later call fails too), rather than one call
     *             having failed in it
     */
    WorkerException(String what, boolean dead) {
        super(what);
        this.dead = dead;
    }

    boolean dead() {
        return dead;
    }
}
