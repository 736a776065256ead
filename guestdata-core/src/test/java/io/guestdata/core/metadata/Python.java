package io.guestdata.core.metadata;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.guestdata.testkit.DebianPython;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs Debian's {@code /usr/bin/python3} (the interpreter python3-nova and cloud-init import under) as an oracle. */
final class Python {
    static final Path PYTHON = DebianPython.path();

    private Python() {
    }

    static void assumeAvailable() {
        assumeTrue(Files.isExecutable(PYTHON), "needs " + PYTHON);
    }

    /** Runs {@code script} ({@code -c} text) or a script file, feeding {@code lines} one per line; returns stdout lines. */
    static List<String> run(List<String> args, List<String> lines) {
        List<String> command = new ArrayList<>();
        command.add(PYTHON.toString());
        command.addAll(args);
        try {
            Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.PIPE).start();
            // Own threads, not the common pool: with 2 cores it has a single worker and both readers block.
            CompletableFuture<String> stderr = new CompletableFuture<>();
            CompletableFuture<List<String>> stdout = new CompletableFuture<>();
            Thread.ofPlatform().daemon().start(() -> stderr.complete(readAll(process.getErrorStream())));
            Thread.ofPlatform().daemon().start(() -> stdout.complete(readLines(process.getInputStream())));
            try (OutputStream in = process.getOutputStream()) {
                for (String line : lines) {
                    in.write(line.getBytes(StandardCharsets.UTF_8));
                    in.write('\n');
                }
            }
            if (!process.waitFor(300, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("python did not finish: " + command);
            }
            if (process.exitValue() != 0) {
                throw new AssertionError("python failed (" + process.exitValue() + "): " + stderr.join());
            }
            return stdout.join();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static List<String> readLines(InputStream stream) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
            return reader.lines().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String readAll(InputStream stream) {
        try {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
