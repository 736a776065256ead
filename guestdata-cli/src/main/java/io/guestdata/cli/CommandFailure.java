package io.guestdata.cli;

import java.util.List;

/**
 * A failure a command reports to the user: one line per problem on stderr and an exit code from
 * {@link ExitCode}. Commands throw it; {@link Main} prints it.
 */
final class CommandFailure extends Exception {
    private final int exitCode;
    private final List<String> lines;

    CommandFailure(int exitCode, String line) {
        this(exitCode, List.of(line));
    }

    CommandFailure(int exitCode, List<String> lines) {
        super(String.join("; ", lines));
        this.exitCode = exitCode;
        this.lines = List.copyOf(lines);
    }

    int exitCode() {
        return exitCode;
    }

    List<String> lines() {
        return lines;
    }
}
