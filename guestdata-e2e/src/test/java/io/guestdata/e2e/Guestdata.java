package io.guestdata.e2e;

import io.guestdata.testkit.Command;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The real {@code guestdata} command, run in a child JVM from this module's class path (which holds the CLI
 * and everything it needs), exactly as an operator runs it.
 */
final class Guestdata {
    private Guestdata() {
    }

    static List<String> argv(List<String> prefix, String... args) {
        List<String> argv = new ArrayList<>(prefix);
        argv.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        argv.addAll(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "io.guestdata.cli.Main"));
        argv.addAll(List.of(args));
        return argv;
    }

    /** Runs a command to completion; fails the test with its output if it exits non-zero. */
    static Command.Result run(String... args) {
        return Command.run(Duration.ofMinutes(5), argv(List.of(), args)).ok();
    }

    static Daemon start(String name, Path log, List<String> prefix, String... args) {
        return Daemon.start(name, argv(prefix, args), log);
    }
}
