package io.guestdata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.guestdata.testkit.Command;
import io.guestdata.testkit.ToolTest;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code guestdata inject --sandbox bwrap|off} and the serve settings {@code inject-sandbox} and
 * {@code inject-sandbox-pool}: the sandbox is the default and really runs (real bwrap), off runs
 * libext2fs in the command's process, and a machine without bubblewrap gets exit 11 with what to
 * install, never a silent fallback.
 */
@ToolTest
class InjectSandboxCommandTest {
    @TempDir
    Path tmp;

    Path image;

    @BeforeEach
    void guest() throws Exception {
        image = MinimalGuest.ext4(MinimalGuest.tree(tmp), tmp.resolve("disk.img"), 32);
    }

    private static String run(String... argv) throws Exception {
        Command.Result r = Tool.run(List.of(argv));
        assertEquals(0, r.exit(), () -> String.join(" ", argv) + ": " + r.stderr());
        return r.stdout();
    }

    private Cli inject(Map<String, String> environment, String... extra) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("inject", "--instance",
                CloudInitReadsConfigDriveTreeTest.resource("instances/full.json").toString(), "--image",
                image.toString(), "--json"));
        args.addAll(List.of(extra));
        return Cli.run(environment, args.toArray(String[]::new));
    }

    private String debugfs(String request) throws Exception {
        return Tool.run(List.of("debugfs", "-R", request, image.toString())).stdout();
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            md.update(in.readAllBytes());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    @Test
    void theSandboxIsTheDefaultAndOffRunsInProcess() throws Exception {
        Cli sandboxed = inject(Map.of());
        assertEquals(ExitCode.OK, sandboxed.exitCode(), sandboxed.toString());
        JsonNode report = new ObjectMapper().readTree(sandboxed.stdout());
        assertEquals("done", report.get("outcome").asText());
        assertTrue(debugfs("cat /meta.js").startsWith("{\"role\""));
        assertEquals(0, Tool.run(List.of("e2fsck", "-fn", image.toString())).exit());
        Cli off = inject(Map.of(), "--sandbox", "off");
        assertEquals(ExitCode.OK, off.exitCode(), off.toString());
        assertEquals(0, Tool.run(List.of("e2fsck", "-fn", image.toString())).exit());
        Cli bad = inject(Map.of(), "--sandbox", "maybe");
        assertEquals(ExitCode.USAGE, bad.exitCode(), bad.toString());
        assertTrue(bad.stderr().contains("--sandbox must be bwrap or off, got 'maybe'"), bad.stderr());
    }

    @Test
    void withoutBubblewrapItIsExitElevenAndNothingIsWritten() throws Exception {
        String before = sha256(image);
        Path empty = Files.createDirectories(tmp.resolve("no-tools"));
        Cli r = inject(Map.of("PATH", empty.toString()));
        assertEquals(ExitCode.BACKEND, r.exitCode(), r.toString());
        assertTrue(r.stderr().startsWith("guestdata: the ext2fs sandbox needs bubblewrap (Debian package bubblewrap)"),
                r.stderr());
        assertTrue(r.stderr().contains("bwrap (Debian package bubblewrap) was not found in " + empty), r.stderr());
        assertTrue(r.stderr().contains("--sandbox off"), r.stderr());
        assertEquals(ExitCode.BACKEND, new ObjectMapper().readTree(r.stdout()).get("exit_code").asInt());
        assertEquals(before, sha256(image));
        // off needs no bubblewrap
        assertEquals(ExitCode.OK, inject(Map.of("PATH", empty.toString()), "--sandbox", "off").exitCode());
    }

    @Test
    void serveSettings() throws Exception {
        Map<String, String> env = Map.of("GUESTDATA_API_TOKEN", "0123456789abcdef0123");
        Cli mode = Cli.run(env, "serve", "--inject-sandbox", "maybe", "--check-config");
        assertEquals(ExitCode.CONFIG, mode.exitCode(), mode.toString());
        assertTrue(mode.stderr().contains("inject-sandbox (from --inject-sandbox): must be bwrap or off, got 'maybe'"),
                mode.stderr());
        Cli pool = Cli.run(Map.of("GUESTDATA_API_TOKEN", "0123456789abcdef0123", "GUESTDATA_INJECT_SANDBOX_POOL", "-1"),
                "serve", "--check-config");
        assertEquals(ExitCode.CONFIG, pool.exitCode(), pool.toString());
        assertTrue(pool.stderr().contains("inject-sandbox-pool (from GUESTDATA_INJECT_SANDBOX_POOL): must be a whole"
                + " number from 0 to 64, got '-1'"), pool.stderr());
        Cli ok = Cli.run(env, "serve", "--inject-sandbox", "off", "--inject-sandbox-pool", "3", "--check-config");
        assertEquals(ExitCode.OK, ok.exitCode(), ok.toString());
        assertTrue(ok.out().contains("inject-sandbox"), ok.out());
    }

    /** Worker JVMs of this process's sandboxes. */
    private static java.util.Set<Long> workers() {
        return ProcessHandle.current().descendants()
                .filter(p -> p.info().command().map(c -> c.endsWith("/bin/java")).orElse(false))
                .map(ProcessHandle::pid).collect(java.util.stream.Collectors.toSet());
    }

    @Test
    void serveInjectsThroughItsWarmSandboxedWorker() throws Exception {
        Path images = Files.createDirectories(tmp.resolve("images"));
        Path served = Files.move(image, images.resolve("disk.img"));
        String token = "0123456789abcdef0123";
        var api = new ServeSettings.ApiSettings(new java.net.InetSocketAddress("127.0.0.1", 0), token, List.of(images), List.of(),
                java.util.Optional.of(io.guestdata.inject.sandbox.SandboxSettings.defaults().withPoolSize(1)),
                tmp.resolve("undo"), java.util.Optional.empty());
        var config = io.guestdata.server.metadata.MetadataServerConfig.builder()
                .listen(new java.net.InetSocketAddress("127.0.0.1", 0)).noManagement().build();
        java.util.Set<Long> warm;
        try (ServeService service = ServeService.start("sqlite:" + tmp.resolve("data"), config, java.util.Optional.of(api))) {
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
            while (workers().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            warm = workers();
            assertEquals(1, warm.size(), "the service pre-started one worker");
            var http = java.net.http.HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + service.server().apiPort() + "/v1/instances";
            String document = Files.readString(CloudInitReadsConfigDriveTreeTest.resource("instances/full.json"));
            var created = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base))
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(document)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(201, created.statusCode(), created.body());
            String uuid = new ObjectMapper().readTree(document).get("uuid").asText();
            var injected = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/" + uuid + "/inject"))
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"image\": \"" + served + "\"}")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, injected.statusCode(), injected.body());
            assertEquals("done", new ObjectMapper().readTree(injected.body()).get("outcome").asText());
            // the warm worker served it and was discarded: it served this injection only (the kill is
            // sent before the answer; the process ends a moment later)
            long killed = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            for (long pid : warm) {
                while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < killed) {
                    Thread.sleep(20);
                }
                assertTrue(ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true), "worker " + pid + " still runs");
            }
        }
        assertEquals(0, Tool.run(List.of("e2fsck", "-fn", served.toString())).exit());
        assertTrue(Tool.run(List.of("debugfs", "-R", "cat /meta.js", served.toString())).stdout().startsWith("{\"role\""));
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (!workers().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(workers().isEmpty(), "closing the service ends its workers: " + workers());
    }

    @Test
    void serveWithInjectionButWithoutBubblewrapDoesNotStart() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("no-tools"));
        Path images = Files.createDirectories(tmp.resolve("images"));
        Cli r = Cli.run(Map.of("GUESTDATA_API_TOKEN", "0123456789abcdef0123", "PATH", empty.toString()), "serve",
                "--data-dir", tmp.resolve("data").toString(), "--listen", "127.0.0.1:0", "--api-listen", "127.0.0.1:0",
                "--metrics-listen", "127.0.0.1:0", "--inject-allowed-dirs", images.toString());
        assertEquals(ExitCode.BACKEND, r.exitCode(), r.toString());
        assertTrue(r.stderr().contains("serve: inject-allowed-dirs is set, and the ext2fs sandbox needs bubblewrap"),
                r.stderr());
        assertTrue(r.stderr().contains("inject-sandbox: off"), r.stderr());
    }
}
