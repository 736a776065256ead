package io.guestdata.core.metadata;

import io.guestdata.testkit.DebianPython;
import io.guestdata.testkit.NovaOracle;
import java.util.List;

/**
 * Debian 12's Python (the interpreter python3-nova and cloud-init import under) as an oracle, through
 * {@link NovaOracle#debianPython}: a script of this package ({@code nova_oracle.py}, Nova's InstanceMetadata with
 * in-process fakes) or a {@code -c} program, fed one request per line.
 */
final class Python {
    private Python() {
    }

    static void assumeAvailable() {
        DebianPython.assumeInstalled();
    }

    /** Runs {@code script} ({@code -c} text) or a script file, feeding {@code lines} one per line; returns stdout lines. */
    static List<String> run(List<String> args, List<String> lines) {
        StringBuilder input = new StringBuilder();
        lines.forEach(line -> input.append(line).append('\n'));
        return NovaOracle.debianPython("12", args).stdin(input.toString()).run().ok().stdout().lines().toList();
    }
}
