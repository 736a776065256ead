package io.guestdata.drive.nocloud;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.guestdata.testkit.DebianPython;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a Python snippet against Debian's cloud-init 22.4 (importable only under /usr/bin/python3): the
 * snippet reads one JSON value from stdin ({@code data}) and prints one JSON value. One process per call,
 * so tests batch their cases.
 */
final class CloudInitPython {
    static final String PYTHON = DebianPython.PATH;
    private static final ObjectMapper JSON = new ObjectMapper();

    private CloudInitPython() {
    }

    /** Runs {@code script} with {@code data} bound to the parsed stdin; the script prints its JSON answer. */
    static JsonNode run(String script, JsonNode input) throws IOException, InterruptedException {
        Path file = Files.createTempFile("cloudinit", ".py");
        try {
            Files.writeString(file, "import json, sys, logging\nlogging.basicConfig(level=logging.ERROR)\n"
                    + "data = json.loads(sys.stdin.buffer.read().decode('utf-8'))\n" + script);
            ProcessBuilder pb = new ProcessBuilder(PYTHON, file.toString());
            pb.environment().put("LC_ALL", "C.UTF-8");
            Process p = pb.start();
            CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
            CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
            try (var stdin = p.getOutputStream()) {
                stdin.write(JSON.writeValueAsBytes(input));
            }
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("python timed out");
            }
            String stderr = new String(err.join(), StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), "python failed: " + stderr);
            return JSON.readTree(out.join());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static byte[] readAll(java.io.InputStream in) {
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
