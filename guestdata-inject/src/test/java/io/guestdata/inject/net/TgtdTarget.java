package io.guestdata.inject.net;

import io.guestdata.testkit.Command;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A private iSCSI target for the tests: {@code tgtd} (the Debian package tgt, the user-space target daemon) in the
 * foreground, its portal on 127.0.0.1 and a free port ({@code --iscsi portal=}), its management socket named by a
 * control port of its own ({@code -C} 20000 to 32767, {@code /var/run/tgtd/socket.N}), so it collides neither with a system tgtd
 * (port 3260, socket.0) nor with another test's. One target {@link #IQN}, LUN 1 backed by an image file, open to
 * every initiator, with a CHAP account when one is given. Needs root. Shared by the inject and CLI tests.
 */
public final class TgtdTarget implements AutoCloseable {
    /** The target's iSCSI name. */
    public static final String IQN = "iqn.2026-12.io.guestdata:test-disk";

    private final Process process;
    private final int control;
    private final int port;
    private final Path log;

    private TgtdTarget(Process process, int control, int port, Path log) {
        this.process = process;
        this.control = control;
        this.port = port;
        this.log = log;
    }

    /** Why a private tgtd cannot run here (not root, tgt not installed), if it cannot. */
    public static Optional<String> unavailable() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return Optional.of("tgtd needs root");
        }
        for (String tool : List.of("tgtd", "tgtadm")) {
            boolean found = false;
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin").split(":")) {
                found |= Files.isExecutable(Path.of(dir, tool));
            }
            found |= Files.isExecutable(Path.of("/usr/sbin", tool));
            if (!found) {
                return Optional.of(tool + " is not installed (Debian package tgt)");
            }
        }
        return Optional.empty();
    }

    /**
     * Starts tgtd serving {@code image} as LUN 1 of {@link #IQN}; with {@code chap}, only the initiator that logs in
     * as that user with that password is let in.
     */
    public static TgtdTarget start(Path image, Optional<Chap> chap, Path dir) throws IOException, InterruptedException {
        int port = NbdServer.freePort();
        int control = controlPort();
        Path log = dir.resolve("tgtd-" + port + ".log");
        Process p = new ProcessBuilder(tool("tgtd"), "-f", "-C", Integer.toString(control), "--iscsi",
                "portal=127.0.0.1:" + port).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        TgtdTarget t = new TgtdTarget(p, control, port, log);
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (t.admin("--op", "show", "--mode", "sys").exit() != 0) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    throw new IOException("tgtd did not start: " + Files.readString(log));
                }
                Thread.sleep(50);
            }
            t.adminOk("--lld", "iscsi", "--op", "new", "--mode", "target", "--tid", "1", "-T", IQN);
            t.adminOk("--lld", "iscsi", "--op", "new", "--mode", "logicalunit", "--tid", "1", "--lun", "1",
                    "-b", image.toString());
            t.adminOk("--lld", "iscsi", "--op", "bind", "--mode", "target", "--tid", "1", "-I", "ALL");
            if (chap.isPresent()) {
                // the password is a test value, known to the test: no secret of anyone's
                t.adminOk("--lld", "iscsi", "--op", "new", "--mode", "account", "--user", chap.get().user(),
                        "--password", chap.get().password());
                t.adminOk("--lld", "iscsi", "--op", "bind", "--mode", "account", "--tid", "1", "--user",
                        chap.get().user());
            }
            return t;
        } catch (IOException | InterruptedException | RuntimeException e) {
            t.close();
            throw e;
        }
    }

    /** A control port (tgtd takes 0 to 32767) whose management socket no tgtd has. */
    private static int controlPort() {
        java.util.Random random = new java.util.Random();
        while (true) {
            int c = 20000 + random.nextInt(12768);
            if (!Files.exists(Path.of("/var/run/tgtd/socket." + c))) {
                return c;
            }
        }
    }

    /** A CHAP account. */
    public record Chap(String user, String password) {
    }

    /** {@code iscsi://[USER@]127.0.0.1:PORT/IQN/1}. */
    public String uri(Optional<String> user) {
        return "iscsi://" + user.map(u -> u + "@").orElse("") + "127.0.0.1:" + port + "/" + IQN + "/1";
    }

    /** The portal's port. */
    public int port() {
        return port;
    }

    private Command.Result admin(String... args) {
        List<String> argv = new ArrayList<>(List.of(tool("tgtadm"), "-C", Integer.toString(control)));
        argv.addAll(List.of(args));
        return Command.of(argv).mergeStderr().run();
    }

    private void adminOk(String... args) throws IOException {
        Command.Result r = admin(args);
        if (r.exit() != 0) {
            throw new IOException("tgtadm " + String.join(" ", args) + " exited " + r.exit() + ": " + r.stdout());
        }
    }

    private static String tool(String name) {
        return Files.isExecutable(Path.of("/usr/sbin", name)) ? "/usr/sbin/" + name : name;
    }

    /** What tgtd printed. */
    public String log() throws IOException {
        return Files.readString(log);
    }

    /**
     * Stops tgtd: the target deleted (its sessions dropped), then the daemon asked to exit (tgtd ignores SIGTERM
     * at all here), SIGKILL if it does not; its management socket files removed.
     */
    @Override
    public void close() throws IOException, InterruptedException {
        if (process.isAlive()) {
            admin("--lld", "iscsi", "--op", "delete", "--mode", "target", "--tid", "1", "--force");
            admin("--op", "delete", "--mode", "system");
        }
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor();
        }
        Files.deleteIfExists(Path.of("/var/run/tgtd/socket." + control));
        Files.deleteIfExists(Path.of("/var/run/tgtd/socket." + control + ".lock"));
    }
}
