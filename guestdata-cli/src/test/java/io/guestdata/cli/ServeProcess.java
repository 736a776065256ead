package io.guestdata.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code guestdata serve} in a child JVM (the test class path), with its ports read from its start line. */
final class ServeProcess implements AutoCloseable {
    private static final Pattern START = Pattern.compile(
            "guestdata serve: metadata \\S+:(\\d+) .*management 127\\.0\\.0\\.1:(\\d+), store");

    final Process process;
    final Path log;
    final int port;
    final int managementPort;

    private ServeProcess(Process process, Path log, int port, int managementPort) {
        this.process = process;
        this.log = log;
        this.port = port;
        this.managementPort = managementPort;
    }

    /** Starts {@code guestdata serve} with ports chosen by the system, no API listener unless args name one, and waits. */
    static ServeProcess start(Path workDir, Map<String, String> environment, String... args)
            throws IOException, InterruptedException {
        return start(List.of(), "127.0.0.1:0", workDir, environment, args);
    }

    /**
     * Starts it under {@code wrapper} (e.g. {@code ip netns exec NS}, which execs it: the process is serve's JVM)
     * with its metadata listener on {@code listen}, and waits.
     */
    static ServeProcess start(List<String> wrapper, String listen, Path workDir, Map<String, String> environment,
                              String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(wrapper);
        command.addAll(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xshare:auto", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "serve",
                "--listen", listen, "--metrics-listen", "127.0.0.1:0"));
        if (!List.of(args).contains("--api-listen")) {
            command.addAll(List.of("--api-listen", "none"));
        }
        command.addAll(List.of(args));
        Path log = Files.createTempFile(workDir, "serve-", ".log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("GUESTDATA_"));
        builder.environment().putAll(environment);
        Process process = builder.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            Matcher m = START.matcher(Files.readString(log, StandardCharsets.UTF_8));
            if (m.find()) {
                return new ServeProcess(process, log, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("serve exited with " + process.exitValue() + ":\n" + Files.readString(log));
            }
            Thread.sleep(20);
        }
        process.destroyForcibly();
        throw new IllegalStateException("serve did not start in 60 s:\n" + Files.readString(log));
    }

    String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** SIGTERM, and the exit code. */
    int terminate() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("serve did not stop in 30 s after SIGTERM");
        }
        return process.exitValue();
    }

    /** SIGKILL. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A guest's HTTP client: connects from {@code from} (a 127.0.0.0/8 address: all of them are on lo). */
    static HttpClient guest(String from) throws IOException {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).localAddress(InetAddress.getByName(from))
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    HttpResponse<String> get(HttpClient client, String path, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).GET();
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(HttpClient client, String path, String body) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
