package io.guestdata.drive.nocloud;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a Python snippet against Debian's cloud-init: Debian 12's 22.4 (importable only under /usr/bin/python3) or
 * Debian 13's 25.1 (in the cached root the Nova 31 oracle runs in), both through
 * {@code tools/nova-oracle/debian-python}. The snippet reads one JSON value from stdin ({@code data}) and prints one
 * JSON value. One process per call, so tests batch their cases.
 */
final class CloudInitPython {
    private static final ObjectMapper JSON = new ObjectMapper();

    private CloudInitPython() {
    }

    /** Runs {@code script} under Debian 12's cloud-init 22.4; see {@link #run(String, String, JsonNode)}. */
    static JsonNode run(String script, JsonNode input) throws IOException, InterruptedException {
        return run("12", script, input);
    }

    /**
     * Skips the test (an assumption) when Debian generation {@code debian} cannot run here: 13's root is built on first
     * use ({@code tools/nova-oracle/build-trixie-root}, about 10 minutes), which needs root and the Debian archive;
     * without them the build exits 2 or 3 and says why. Any other failure fails the test.
     */
    static void assumeDebian(String debian) throws IOException, InterruptedException {
        if (!debian.equals("13")) {
            return;
        }
        Process p = new ProcessBuilder(repoRoot().resolve("tools/nova-oracle/build-trixie-root").toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = p.waitFor();
        org.junit.jupiter.api.Assumptions.assumeTrue(exit != 2 && exit != 3,
                () -> "Debian 13's root (Nova 31, cloud-init 25.1) is not built and cannot be built here: " + stderr.strip());
        assertEquals(0, exit, "tools/nova-oracle/build-trixie-root failed:\n" + stderr);
    }

    /**
     * Runs {@code script} under Debian generation {@code debian}'s cloud-init ({@code "12"}: 22.4, {@code "13"}: 25.1;
     * see {@link #assumeDebian}) with {@code data} bound to the parsed stdin; the script prints its JSON answer.
     */
    static JsonNode run(String debian, String script, JsonNode input) throws IOException, InterruptedException {
        Path file = Files.createTempFile("cloudinit", ".py");
        try {
            Files.writeString(file, "import json, sys, logging\nlogging.basicConfig(level=logging.ERROR)\n"
                    + "data = json.loads(sys.stdin.buffer.read().decode('utf-8'))\n" + script);
            ProcessBuilder pb = new ProcessBuilder(repoRoot().resolve("tools/nova-oracle/debian-python").toString(),
                    "--debian", debian, file.toString());
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

    /** The repository root (tests run with the module directory as working directory). */
    private static Path repoRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("tools/nova-oracle/debian-python"))) {
                return p;
            }
        }
        throw new IllegalStateException("repository root (with tools/nova-oracle/debian-python) not found");
    }

    private static byte[] readAll(java.io.InputStream in) {
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
