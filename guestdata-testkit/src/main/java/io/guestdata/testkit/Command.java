package io.guestdata.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The tests' one process runner: a child process (a real consumer such as cloud-init, Nova's code, isoinfo,
 * mkfs, debugfs, qemu-img) run to completion with a deadline, its standard output and error captured as
 * bytes. Both streams are drained on their own threads, so a chatty tool never blocks on a full pipe.
 */
public final class Command {
    /**
     * What a finished process left: its exit status and both streams (with {@link #mergeStderr()}, both in
     * {@code stdout} in the order the process wrote them, {@code stderr} empty).
     */
    public record Result(List<String> argv, int exit, byte[] stdoutBytes, byte[] stderrBytes) {
        public String stdout() {
            return new String(stdoutBytes, StandardCharsets.UTF_8);
        }

        public String stderr() {
            return new String(stderrBytes, StandardCharsets.UTF_8);
        }

        /** Standard output followed by standard error, for messages and for tools that report on either. */
        public String output() {
            return stdout() + stderr();
        }

        public JsonNode json() throws IOException {
            return new ObjectMapper().readTree(stdoutBytes);
        }

        /** This result, or an AssertionError naming the command, its exit and the end of its output. */
        public Result ok() {
            if (exit != 0) {
                throw new AssertionError("command failed (exit " + exit + "): " + String.join(" ", argv)
                        + "\n--- stdout\n" + tail(stdout(), 40) + "\n--- stderr\n" + tail(stderr(), 40));
            }
            return this;
        }
    }

    private final List<String> argv;
    private final Map<String, String> environment = new LinkedHashMap<>();
    private Duration timeout = Duration.ofSeconds(180);
    private byte[] stdin = new byte[0];
    private Path directory;
    private boolean mergeStderr;

    private Command(List<String> argv) {
        this.argv = List.copyOf(argv);
    }

    public static Command of(List<String> argv) {
        return new Command(argv);
    }

    public static Command of(String... argv) {
        return new Command(List.of(argv));
    }

    /** Runs {@code argv} with the default deadline (180 s), nothing on standard input. */
    public static Result run(List<String> argv) {
        return of(argv).run();
    }

    /** Runs {@code argv} with a deadline, nothing on standard input. */
    public static Result run(Duration timeout, List<String> argv) {
        return of(argv).timeout(timeout).run();
    }

    public Command timeout(Duration timeout) {
        this.timeout = timeout;
        return this;
    }

    public Command stdin(byte[] input) {
        this.stdin = input.clone();
        return this;
    }

    public Command stdin(String input) {
        return stdin(input.getBytes(StandardCharsets.UTF_8));
    }

    public Command env(Map<String, String> variables) {
        environment.putAll(variables);
        return this;
    }

    /**
     * Standard error into the same pipe as standard output ({@link ProcessBuilder#redirectErrorStream}), so the
     * result's {@code stdout} interleaves both as a terminal would show them: for tools whose report lines go to
     * either stream and tests that read the report as one text.
     */
    public Command mergeStderr() {
        this.mergeStderr = true;
        return this;
    }

    public Command directory(Path directory) {
        this.directory = directory;
        return this;
    }

    /**
     * Starts the process, writes standard input, waits at most the deadline. A process that is still running
     * then is killed with its descendants and the test fails (AssertionError) naming the command.
     */
    public Result run() {
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(mergeStderr);
        pb.environment().putAll(environment);
        if (directory != null) {
            pb.directory(directory.toFile());
        }
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + argv.getFirst(), e);
        }
        CompletableFuture<byte[]> out = drain(p.getInputStream());
        CompletableFuture<byte[]> err = drain(p.getErrorStream());
        Thread.startVirtualThread(() -> {
            try (OutputStream in = p.getOutputStream()) {
                in.write(stdin);
            } catch (IOException ignored) {
                // the process exited without reading all of its input; its exit status says what happened
            }
        });
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new AssertionError("command did not finish within " + timeout.toSeconds() + " s: "
                        + String.join(" ", argv));
            }
            return new Result(argv, p.exitValue(), out.join(), err.join());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted: " + String.join(" ", argv), e);
        }
    }

    private static CompletableFuture<byte[]> drain(InputStream in) {
        // Own threads, not the common pool: with 2 cores it has a single worker and both readers would block.
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, Thread::startVirtualThread);
    }

    /** The last {@code lines} lines of a text. */
    public static String tail(String text, int lines) {
        String[] all = text.split("\n", -1);
        int from = Math.max(0, all.length - lines);
        return String.join("\n", Arrays.copyOfRange(all, from, all.length));
    }
}
