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
     * Skips the test (an assumption) when Nova {@code release} cannot run here: release 31 lives in Debian 13's root
     * ({@link #assumeDebian}).
     */
    static void assumeNovaRelease(String release) throws IOException, InterruptedException {
        assumeDebian(debianOf(release));
    }

    /** The Debian generation whose python3-nova is Nova {@code release}: 26 is Debian 12's, 31 Debian 13's. */
    static String debianOf(String release) {
        return switch (release) {
            case "26" -> "12";
            case "31" -> "13";
            default -> throw new IllegalArgumentException("no Debian generation has Nova " + release);
        };
    }

    /**
     * Skips the test (an assumption) when Debian generation {@code debian} cannot run here: 13's root is built on
     * first use ({@code tools/nova-oracle/build-trixie-root}, about 10 minutes), which needs root and the Debian
     * archive; without them the build exits 2 or 3 and says why. Any other failure fails the test. 12 is this
     * machine.
     */
    static void assumeDebian(String debian) throws IOException, InterruptedException {
        if (!debian.equals("13")) {
            return;
        }
        Result r = run(List.of(repoRoot().resolve("tools/nova-oracle/build-trixie-root").toString()), 3600);
        org.junit.jupiter.api.Assumptions.assumeTrue(r.exit() != 2 && r.exit() != 3,
                () -> "Debian 13's root (Nova 31, cloud-init 25.1) is not built and cannot be built here: "
                        + r.stderr().strip());
        if (r.exit() != 0) {
            throw new IllegalStateException("tools/nova-oracle/build-trixie-root failed (" + r.exit() + "):\n"
                    + r.stderr());
        }
    }

    /** Runs a Python script from tools/ under Debian 12's interpreter (cloud-init 22.4); fails clearly if it is missing. */
    static Result python(String script, String... args) throws IOException, InterruptedException {
        return debianPython("12", script, args);
    }

    /**
     * Runs a Python script from tools/ under Debian generation {@code debian}'s interpreter and packages: {@code "12"}
     * is this machine's (cloud-init 22.4, python3-nova 26), {@code "13"} the cached Debian 13 root's (cloud-init 25.1,
     * python3-nova 31; see {@link #assumeDebian}). Where each lives is {@code tools/nova-oracle/debian-python}'s
     * business, the same script the Nova oracle runs through.
     */
    static Result debianPython(String debian, String script, String... args) throws IOException, InterruptedException {
        if (debian.equals("12") && !Files.isExecutable(Path.of(SYSTEM_PYTHON))) {
            throw new IllegalStateException(SYSTEM_PYTHON + " is missing: install python3 (see .ci/run)");
        }
        List<String> cmd = new ArrayList<>(List.of(repoRoot().resolve("tools/nova-oracle/debian-python").toString(),
                "--debian", debian, repoRoot().resolve(script).toString()));
        cmd.addAll(List.of(args));
        return run(cmd);
    }
}
