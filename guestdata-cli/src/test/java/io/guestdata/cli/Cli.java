package io.guestdata.cli;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Runs the guestdata command in-process and captures what it prints. */
record Cli(int exitCode, byte[] stdout, String stderr) {
    static Cli run(String... args) {
        return run(Map.of(), args);
    }

    /** Runs with {@code environment} as the whole environment the command sees (SOURCE_DATE_EPOCH). */
    static Cli run(Map<String, String> environment, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, out, err, environment);
        return new Cli(code, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
    }

    String out() {
        return new String(stdout, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\nstdout: " + out() + "\nstderr: " + stderr;
    }
}
