package io.guestdata.core.document;

import static org.junit.jupiter.api.Assertions.fail;

import io.guestdata.testkit.Command;
import io.guestdata.testkit.DebianPython;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Real tools the tests check against (ssh-keygen, Debian's Python with jsonschema). A test that
 * needs one fails with a message saying what to install when it is missing.
 */
final class ExternalTool {

    /** Debian's interpreter: the first python3 on PATH may be another one, without Debian's modules. */
    static final Path DEBIAN_PYTHON = DebianPython.path();

    private ExternalTool() {
    }

    static Path sshKeygen() {
        return find("ssh-keygen", "the OpenSSH client tools (Debian package openssh-client)");
    }

    static Path python() {
        if (!Files.isExecutable(DEBIAN_PYTHON)) {
            fail("this test needs " + DEBIAN_PYTHON + " (Debian package python3)");
        }
        return DEBIAN_PYTHON;
    }

    /** Runs Python code with {@code input} on stdin; its stdout, or a failure with its stderr. */
    static String python(String code, String input) {
        return run(List.of(python().toString(), "-c", code), input);
    }

    static Path find(String name, String installHint) {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/bin:/bin:/usr/local/bin";
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return Path.of(dir, name);
            }
        }
        return fail(name + " is needed by this test and was not found on PATH; install " + installHint);
    }

    static String run(List<String> command, String input) {
        Command.Result r = Command.of(command).stdin(input).timeout(Duration.ofSeconds(120)).run();
        if (r.exit() != 0) {
            fail(String.join(" ", command.subList(0, Math.min(2, command.size()))) + " exited with "
                    + r.exit() + ": " + r.stderr());
        }
        return r.stdout();
    }
}
