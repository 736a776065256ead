package io.guestdata.cli;

/** The exit codes of every {@code guestdata} command (listed in the README; inject's in docs/injection.md). */
public final class ExitCode {
    /** The command did what was asked. */
    public static final int OK = 0;
    /** An unexpected internal failure (a bug or an I/O error the command could not name). */
    public static final int INTERNAL = 1;
    /** The command line is wrong: unknown option, missing value, conflicting options. */
    public static final int USAGE = 2;
    /** The instance document (or the flags that build it) broke a rule; every error is printed. */
    public static final int INVALID_INSTANCE = 3;
    /**
     * The output cannot be written: it exists (a non-empty directory for a tree, a file for an image without
     * {@code --force}), its directory is missing or not writable, or writing it failed (disk full). Nothing
     * was written.
     */
    public static final int OUTPUT = 4;
    /** The metadata path does not exist for this instance (the service would answer 404). */
    public static final int NOT_FOUND = 5;
    /** A local input file (--key, --file, --user-data, --network-data, --vendor-data) cannot be read. */
    public static final int INPUT = 6;
    /**
     * inject: the image cannot be used: it does not exist, is in use (a VM, qemu, another writer),
     * has an unusable format, the partition cannot be chosen, or its filesystem must not be written
     * (journal needs recovery, unclean, unsupported feature). Nothing was written.
     */
    public static final int IMAGE = 7;
    /** inject: a check of the plan refused it (symlink, hard link, no root, no space …). Nothing was written. */
    public static final int REFUSED = 8;
    /** inject: a write failed after the plan passed; the report says what was written and what was not. */
    public static final int FAILED = 9;
    /** inject --best-effort: some items were refused or failed, the others were written. */
    public static final int PARTIAL = 10;
    /**
     * inject: the filesystem needs a backend this build does not have (e.g. libguestfs), or the ext2fs sandbox
     * cannot run (bubblewrap missing or unable to create namespaces). Nothing was written. serve: the same
     * sandbox problem while the API may inject; nothing started.
     */
    public static final int BACKEND = 11;
    /**
     * The instance holds something the chosen image format cannot hold or deliver: injected files in a
     * NoCloud seed (without {@code --drop-files}), network or vendor data cloud-init's conversion fails on,
     * content past a file system's limits. Nothing was written.
     */
    public static final int FORMAT_LIMIT = 12;
    /**
     * serve: the configuration (file, flags, environment) is invalid: bad YAML, an unknown key, a bad value,
     * a missing secret or API token. The message names the key and where its value came from. Nothing started;
     * restarting will not help.
     */
    public static final int CONFIG = 13;
    /** serve: the store cannot be opened, or a listener cannot bind. Nothing is served; a later retry may work. */
    public static final int UNAVAILABLE = 14;
    /**
     * batch: some documents failed (the summary on stdout names each, with its rule ids and the exit code it
     * would have had alone); every other document's drive was written. Nothing is left of a failed one.
     */
    public static final int BATCH_FAILED = 15;

    private ExitCode() {
    }
}
