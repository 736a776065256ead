package io.guestdata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.inject.block.RawImage;
import io.guestdata.inject.block.UndoJournal;
import io.guestdata.testkit.Command;
import io.guestdata.testkit.ToolTest;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of {@code guestdata inject} at 30 staggered points (issue 10, case 4): after every kill the
 * image is either e2fsck-clean, or it holds an undo journal that puts it back exactly as it was
 * before the injection; and the next run rolls it back, says so and injects cleanly.
 *
 * <p>The guest's /etc/shadow is 4 MB, so the password rewrite makes the commit long enough for
 * kills to land inside it: ten kills are spread over a whole run, twenty are timed from the moment
 * the journal appears (the start of the commit).
 */
@ToolTest
class InjectKillTest {
    private static final int SPREAD = 10;
    private static final int IN_COMMIT = 20;

    @TempDir
    Path tmp;

    private Path pristine;
    private Path undo;

    private static String sha256(Path file) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 20];
            for (int n; (n = in.read(buffer)) > 0; ) {
                md.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static String ok(String... argv) throws Exception {
        Command.Result r = Tool.run(List.of(argv));
        assertEquals(0, r.exit(), () -> String.join(" ", argv) + ": " + r.stdout() + r.stderr());
        return r.stdout();
    }

    private Path guest() throws Exception {
        Path tree = MinimalGuest.tree(tmp);
        StringBuilder shadow = new StringBuilder("root:*:19000:0:99999:7:::\n");
        for (int i = 0; shadow.length() < 4_000_000; i++) {
            shadow.append("user").append(i).append(":!:19000:0:99999:7:::\n");
        }
        Files.writeString(tree.resolve("etc/shadow"), shadow);
        return MinimalGuest.ext4(tree, tmp.resolve("pristine.img"), 48);
    }

    /** {@code guestdata inject} of the full instance into {@code image}, in a child JVM. */
    private List<String> command(Path image, String... extra) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xshare:auto", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "inject", "--instance", CloudInitReadsConfigDriveTreeTest.resource("instances/full.json").toString(),
                "--image", image.toString(), "--partition", "0", "--undo-dir", undo.toString()));
        command.addAll(List.of(extra));
        return command;
    }

    private Process start(Path image) throws Exception {
        Path log = Files.createTempFile(tmp, "inject-", ".log");
        return new ProcessBuilder(command(image)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private Optional<Path> journal() throws IOException {
        if (!Files.isDirectory(undo)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.list(undo)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".undo")).findFirst();
        }
    }

    private boolean e2fsckClean(Path image) throws Exception {
        return Tool.run(List.of("e2fsck", "-fn", image.toString())).exit() == 0;
    }

    @Test
    void everyKillLeavesACleanImageOrOneTheNextRunRollsBack() throws Exception {
        pristine = guest();
        undo = tmp.resolve("undo");
        String before = sha256(pristine);

        // One whole run: its duration spreads the first kills, its result is what a completed run leaves.
        Path reference = tmp.resolve("reference.img");
        Files.copy(pristine, reference);
        long t0 = System.nanoTime();
        Process whole = start(reference);
        assertTrue(whole.waitFor(120, TimeUnit.SECONDS));
        long runNanos = System.nanoTime() - t0;
        assertEquals(0, whole.exitValue(), "an uninterrupted injection succeeds");
        assertTrue(e2fsckClean(reference));

        int clean = 0;
        int rolledBack = 0;
        List<String> outcomes = new ArrayList<>();
        for (int i = 0; i < SPREAD + IN_COMMIT; i++) {
            Path image = tmp.resolve("kill-" + i + ".img");
            Files.copy(pristine, image, StandardCopyOption.REPLACE_EXISTING);
            Process p = start(image);
            if (i < SPREAD) {
                TimeUnit.NANOSECONDS.sleep(runNanos * (i + 1) / (SPREAD + 1));
            } else {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (journal().isEmpty() && p.isAlive() && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                TimeUnit.MICROSECONDS.sleep(500L * (i - SPREAD));
            }
            p.destroyForcibly();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            Optional<Path> left = journal();
            if (left.isEmpty()) {
                assertTrue(e2fsckClean(image), "kill " + i + ": no journal left, so the image must be clean");
                clean++;
                outcomes.add(i + ":clean");
                continue;
            }
            // Killed during the commit. A dry run stops at the journal and changes nothing (checked once).
            if (rolledBack == 0) {
                String held = sha256(image);
                Command.Result dry = Tool.run(command(image, "--dry-run"));
                assertEquals(7, dry.exit(), "a dry run stops at the journal: " + dry.stdout() + dry.stderr());
                assertTrue(dry.stderr().contains("was interrupted while writing"), dry.stderr());
                assertEquals(held, sha256(image));
            }
            if (rolledBack % 5 != 1) {
                // The journal restores exactly the bytes of before the injection.
                try (RawImage disk = RawImage.openWritable(image)) {
                    assertTrue(UndoJournal.of(undo, image).rollBack(disk).isPresent());
                }
                assertEquals(before, sha256(image), "kill " + i + ": the roll-back restores the image exactly");
                assertTrue(e2fsckClean(image));
            } else {
                // The next real run rolls back first, says so, and injects.
                Command.Result next = Tool.run(command(image));
                assertEquals(0, next.exit(), next.stdout() + next.stderr());
                assertTrue(next.stdout().contains("were rolled back from the undo journal"), next.stdout());
                assertTrue(e2fsckClean(image));
                assertEquals(Tool.run(List.of("debugfs", "-R", "cat /meta.js", reference.toString())).stdout(),
                        Tool.run(List.of("debugfs", "-R", "cat /meta.js", image.toString())).stdout());
            }
            assertTrue(journal().isEmpty());
            rolledBack++;
            outcomes.add(i + ":rolled-back");
        }
        System.out.println("InjectKillTest: " + clean + " clean, " + rolledBack + " rolled back: " + outcomes);
        assertEquals(SPREAD + IN_COMMIT, clean + rolledBack);
        assertTrue(rolledBack > 0, "some kills must land inside the commit for this test to mean anything: " + outcomes);
    }

    /**
     * The same when {@code guestdata serve} dies during an API injection: killed while committing, it
     * leaves the journal, and the next injection through a restarted service rolls back first.
     */
    @Test
    void aServiceKilledDuringAnApiInjectionLeavesAJournalTheNextInjectionRollsBack() throws Exception {
        pristine = guest();
        Path images = Files.createDirectories(tmp.resolve("images"));
        Path image = images.resolve("tenant.img");
        Files.copy(pristine, image);
        Path data = Files.createDirectories(tmp.resolve("data"));
        undo = data.resolve("undo"); // serve's default: <data-dir>/undo
        String token = "kill-test-token-0123456789";
        Map<String, String> env = Map.of("GUESTDATA_API_TOKEN", token);
        String uuid = "83679162-1378-4288-a2d4-70e13ec132aa";
        HttpClient admin = HttpClient.newHttpClient();
        String inject = "{\"image\": \"" + image + "\", \"partition\": 0}";
        try (ServeProcess serve = ServeProcess.start(tmp, env, "--data-dir", data.toString(),
                "--api-listen", "127.0.0.1:" + freePort(), "--inject-allowed-dirs", images.toString())) {
            URI api = apiBase(serve);
            HttpResponse<String> created = admin.send(HttpRequest.newBuilder(api.resolve("/v1/instances"))
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofFile(CloudInitReadsConfigDriveTreeTest.resource(
                            "instances/full.json"))).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(201, created.statusCode(), created.body());
            admin.sendAsync(HttpRequest.newBuilder(api.resolve("/v1/instances/" + uuid + "/inject"))
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(inject)).build(), HttpResponse.BodyHandlers.ofString());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (journal().isEmpty() && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            serve.kill();
        }
        assertTrue(journal().isPresent(), "serve was killed inside the commit");
        try (ServeProcess serve = ServeProcess.start(tmp, env, "--data-dir", data.toString(),
                "--api-listen", "127.0.0.1:" + freePort(), "--inject-allowed-dirs", images.toString())) {
            HttpResponse<String> next = admin.send(HttpRequest.newBuilder(apiBase(serve).resolve("/v1/instances/" + uuid
                            + "/inject")).header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(inject)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, next.statusCode(), next.body());
            assertTrue(next.body().contains("were rolled back from the undo journal"), next.body());
        }
        assertTrue(journal().isEmpty());
        assertTrue(e2fsckClean(image));
    }

    private int apiPort;

    private int freePort() throws IOException {
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            apiPort = free.getLocalPort();
            return apiPort;
        }
    }

    private URI apiBase(ServeProcess serve) {
        return URI.create("http://127.0.0.1:" + apiPort);
    }
}
