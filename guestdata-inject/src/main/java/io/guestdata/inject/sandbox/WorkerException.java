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
    private final boolean earlier;

    /**
     * @param dead whether the worker is gone (every later call fails too), rather than one call
     *             having failed in it
     */
    WorkerException(String what, boolean dead) {
        this(what, dead, false);
    }

    private WorkerException(String what, boolean dead, boolean earlier) {
        super(what);
        this.dead = dead;
        this.earlier = earlier;
    }

    /** The worker had died before this call: nothing was asked of it. */
    static WorkerException diedEarlier(String what) {
        return new WorkerException(what, true, true);
    }

    boolean dead() {
        return dead;
    }

    /** Whether the worker was already gone when the call began (the call itself sent nothing). */
    boolean earlier() {
        return earlier;
    }
}
