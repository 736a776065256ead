package io.guestdata.cli;

import io.guestdata.testkit.Command;
import io.guestdata.testkit.Command.Result;
import io.guestdata.testkit.DebianPython;
import io.guestdata.testkit.NovaOracle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

    /** Runs a Python script from tools/ under Debian 12's interpreter (cloud-init 22.4); see {@link #debianPython}. */
    static Result python(String script, String... args) {
        return debianPython("12", script, args);
    }

    /**
     * Runs a Python script from tools/ under Debian generation {@code debian}'s interpreter and packages
     * ({@link NovaOracle#debianPython}, the same script the Nova oracle runs through), waiting at most 180 s.
     */
    static Result debianPython(String debian, String script, String... args) {
        if (debian.equals("12") && !Files.isExecutable(Path.of(SYSTEM_PYTHON))) {
            throw new IllegalStateException(SYSTEM_PYTHON + " is missing: install python3 (see .ci/run)");
        }
        return NovaOracle.debianPython(debian, script, args).timeout(Duration.ofSeconds(180)).run();
    }
}
