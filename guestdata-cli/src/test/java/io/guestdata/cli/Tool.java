package io.guestdata.cli;

import io.guestdata.testkit.Command;
import io.guestdata.testkit.Command.Result;
import io.guestdata.testkit.DebianPython;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.time.Duration;

/** Runs a real external consumer (cloud-init, Nova's code, isoinfo …) and returns its output. */
final class Tool {
    /** Debian's Python modules (cloud-init, nova, pycdlib) import only under this interpreter. */
    static final String SYSTEM_PYTHON = DebianPython.PATH;

    private Tool() {
    }

    /** The repository root (tests run with the module directory as working directory). */
    static Path repoRoot() {
        Path here = Path.of("").toAbsolutePath();
        for (Path p = here; p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("tools/consumers"))) {
                return p;
            }
        }
        throw new IllegalStateException("repository root (with tools/consumers) not found above " + here);
    }

    static Result run(List<String> command) throws IOException, InterruptedException {
        return run(command, 180);
    }

    static Result run(List<String> command, int seconds) throws IOException, InterruptedException {
        return Command.run(Duration.ofSeconds(seconds), command);
    }

    /**
     * Runs {@code tools/nova-oracle/nova_oracle.py} (its command and arguments) under one Nova release:
     * {@code "26"} is Debian 12's python3-nova on this machine, {@code "31"} Debian 13's in the cached root
     * (built on first use; see {@link #assumeNovaRelease}). The release's location is the script
     * {@code tools/nova-oracle/nova-oracle}'s business, not the tests'.
     */
    static Result novaOracle(String release, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(repoRoot().resolve("tools/nova-oracle/nova-oracle").toString(),
                "--release", release));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    /**
     * Skips the test (an assumption) when Nova {@code release} cannot run here: release 31's Debian 13 root is
     * built on first use ({@code tools/nova-oracle/build-trixie-root}, about 10 minutes), which needs root and the
     * Debian archive; without them the build exits 2 or 3 and says why. Any other failure fails the test.
     */
    static void assumeNovaRelease(String release) throws IOException, InterruptedException {
        if (!release.equals("31")) {
            return;
        }
        Result r = run(List.of(repoRoot().resolve("tools/nova-oracle/build-trixie-root").toString()), 3600);
        org.junit.jupiter.api.Assumptions.assumeTrue(r.exitCode() != 2 && r.exitCode() != 3,
                () -> "Nova 31's Debian 13 root is not built and cannot be built here: " + r.stderr().strip());
        if (r.exitCode() != 0) {
            throw new IllegalStateException("tools/nova-oracle/build-trixie-root failed (" + r.exitCode() + "):\n"
                    + r.stderr());
        }
    }

    /** Runs a Python script from tools/ under Debian's interpreter; fails clearly if it is missing. */
    static Result python(String script, String... args) throws IOException, InterruptedException {
        if (!Files.isExecutable(Path.of(SYSTEM_PYTHON))) {
            throw new IllegalStateException(SYSTEM_PYTHON + " is missing: install python3 (see .ci/run)");
        }
        List<String> cmd = new ArrayList<>(List.of(SYSTEM_PYTHON, repoRoot().resolve(script).toString()));
        cmd.addAll(List.of(args));
        return run(cmd);
    }
}
