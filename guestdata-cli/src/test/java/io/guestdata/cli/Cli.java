package io.guestdata.cli;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Runs the guestdata command in-process and captures what it prints. */
record Cli(int exitCode, byte[] stdout, String stderr) {
    static Cli run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, out, err);
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
