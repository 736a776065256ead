package io.guestdata.core.metadata;

import io.guestdata.testkit.DebianPython;
import io.guestdata.testkit.NovaOracle;
import java.util.List;

/**
 * Debian 12's Python (the interpreter python3-nova and cloud-init import under) as an oracle: a {@code -c}
 * program through {@link NovaOracle#debianPython}, or Nova 26 itself through {@code nova_oracle.py metadata-lines}
 * (tools/nova-oracle: Nova's InstanceMetadata, handler and netutils with the oracle's in-process fakes), each fed
 * one request per line.
 */
final class Python {
    private Python() {
    }

    static void assumeAvailable() {
        DebianPython.assumeInstalled();
    }

    /** Runs {@code args} ({@code -c} and a program, or a script and its arguments), feeding {@code lines}; returns stdout lines. */
    static List<String> run(List<String> args, List<String> lines) {
        return NovaOracle.debianPython("12", args).stdin(input(lines)).run().ok().stdout().lines().toList();
    }

    /** {@code nova_oracle.py metadata-lines} under Nova 26: one JSON request per line in, one JSON answer per line out. */
    static List<String> novaOracle(List<String> requests) {
        return NovaOracle.command("26", "metadata-lines").stdin(input(requests)).run().ok().stdout().lines().toList();
    }

    private static String input(List<String> lines) {
        StringBuilder input = new StringBuilder();
        lines.forEach(line -> input.append(line).append('\n'));
        return input.toString();
    }
}
