package io.guestdata.inject.net;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real NBD server for the tests, exporting an image file writable: {@code qemu-nbd} on 127.0.0.1 and a free TCP
 * port, or {@code qemu-storage-daemon --export nbd} on a Unix socket. Ready when its pidfile appears (both write it
 * once they listen); stopped by {@link #close()}. Shared by the inject and CLI tests (the test-jar).
 */
public final class NbdServer implements AutoCloseable {
    private final Process process;
    private final String uri;
    private final Path log;

    private NbdServer(Process process, String uri, Path log) {
        this.process = process;
        this.uri = uri;
        this.log = log;
    }

    /**
     * {@code qemu-nbd} serving {@code image} (raw) as {@code export} on 127.0.0.1 and a free port, persistent
     * ({@code -t}: a dry run and a real run connect one after the other), one client at a time (its default
     * {@code --shared=1}).
     */
    public static NbdServer qemuNbdTcp(Path image, String export, Path dir) throws IOException, InterruptedException {
        int port = freePort();
        Path pid = dir.resolve("qemu-nbd-" + port + ".pid");
        return start(List.of("qemu-nbd", "-f", "raw", "-b", "127.0.0.1", "-p", Integer.toString(port), "-x", export,
                "-t", "--pid-file", pid.toString(), image.toString()), pid,
                "nbd://127.0.0.1:" + port + "/" + export, dir.resolve("qemu-nbd-" + port + ".log"));
    }

    /** {@code qemu-storage-daemon} exporting {@code image} (raw) writable as {@code export} on the Unix socket {@code socket}. */
    public static NbdServer storageDaemonUnix(Path image, String export, Path socket, Path dir)
            throws IOException, InterruptedException {
        Path pid = dir.resolve("qsd-nbd.pid");
        List<String> argv = new ArrayList<>(List.of("qemu-storage-daemon",
                "--blockdev", "{\"driver\":\"file\",\"filename\":\"" + image + "\",\"node-name\":\"file0\"}",
                "--blockdev", "{\"driver\":\"raw\",\"file\":\"file0\",\"node-name\":\"disk0\"}",
                "--nbd-server", "addr.type=unix,addr.path=" + socket,
                "--export", "type=nbd,id=export0,node-name=disk0,name=" + export + ",writable=on",
                "--pidfile", pid.toString()));
        return start(argv, pid, "nbd+unix:///" + export + "?socket=" + socket, dir.resolve("qsd-nbd.log"));
    }

    private static NbdServer start(List<String> argv, Path pid, String uri, Path log)
            throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        NbdServer server = new NbdServer(p, uri, log);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!Files.exists(pid) || Files.size(pid) == 0) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                server.close();
                throw new IOException(argv.getFirst() + " did not start: " + Files.readString(log));
            }
            Thread.sleep(20);
        }
        return server;
    }

    /** A TCP port nobody listens on now (127.0.0.1). */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The URI of the export, in QEMU's syntax. */
    public String uri() {
        return uri;
    }

    /** The server's process. */
    public Process process() {
        return process;
    }

    /** What the server printed. */
    public String log() throws IOException {
        return Files.readString(log);
    }

    /** Stops the server (SIGTERM, then SIGKILL) and waits for it: the image is its own again. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor();
        }
    }
}
