package io.guestdata.testkit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Debian's Python interpreter. Debian's modules the tests use as oracles and consumers (python3-nova 26,
 * cloud-init 22.4, pycdlib, botocore, python3-rbd) import only under it; the first python3 on PATH may be
 * another interpreter without them.
 */
public final class DebianPython {
    /** The interpreter's path, as a command's first word. */
    public static final String PATH = "/usr/bin/python3";

    private DebianPython() {
    }

    public static Path path() {
        return Path.of(PATH);
    }

    /** Skips the test (an assumption) where the interpreter is not installed. */
    public static void assumeInstalled() {
        assumeTrue(Files.isExecutable(path()), PATH + " is missing");
    }
}
