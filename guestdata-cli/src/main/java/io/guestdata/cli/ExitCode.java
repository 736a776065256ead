package io.guestdata.cli;

/** The exit codes of every {@code guestdata} command (listed in the README). */
public final class ExitCode {
    /** The command did what was asked. */
    public static final int OK = 0;
    /** An unexpected internal failure (a bug or an I/O error the command could not name). */
    public static final int INTERNAL = 1;
    /** The command line is wrong: unknown option, missing value, conflicting options. */
    public static final int USAGE = 2;
    /** The instance document (or the flags that build it) broke a rule; every error is printed. */
    public static final int INVALID_INSTANCE = 3;
    /** The output cannot be written: it exists and is not empty, or is not writable. Nothing was written. */
    public static final int OUTPUT = 4;
    /** The metadata path does not exist for this instance (the service would answer 404). */
    public static final int NOT_FOUND = 5;
    /** A local input file (--key, --file, --user-data, --network-data, --vendor-data) cannot be read. */
    public static final int INPUT = 6;

    private ExitCode() {
    }
}
