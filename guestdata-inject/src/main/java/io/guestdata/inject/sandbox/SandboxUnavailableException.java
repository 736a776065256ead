package io.guestdata.inject.sandbox;

/**
 * The sandbox cannot run on this machine: bubblewrap (or prlimit, setpriv) is missing, cannot
 * create its namespaces, or the worker's files cannot be read by the unprivileged user it runs
 * as. Nothing was started; the message says what is missing and how to do without the sandbox.
 */
public final class SandboxUnavailableException extends Exception {
    private static final long serialVersionUID = 1L;

    /** How to run without the sandbox, appended to every message. */
    static final String OFF = "; or run libext2fs without the sandbox (inject --sandbox off, serve setting"
            + " inject-sandbox: off), for trusted images only";

    SandboxUnavailableException(String reason) {
        super("the ext2fs sandbox needs bubblewrap (Debian package bubblewrap) and util-linux' prlimit"
                + " and setpriv: " + reason + OFF);
    }
}
