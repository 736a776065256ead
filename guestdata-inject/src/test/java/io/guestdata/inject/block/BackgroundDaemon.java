package io.guestdata.inject.block;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A qemu-storage-daemon started by a test to play "another QEMU user of the image" (a VM's
 * stand-in, or an NBD server); stopped on close.
 */
final class BackgroundDaemon implements AutoCloseable {
    private final Process process;
    private final Path log;

    private BackgroundDaemon(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Starts qemu-storage-daemon with {@code args} and waits for its pidfile (= ready). */
    static BackgroundDaemon start(Path dir, String... args) throws IOException, InterruptedException {
        Path pidfile = Files.createTempFile(dir, "bg-", ".pid");
        Files.delete(pidfile);
        Path log = Files.createTempFile(dir, "bg-", ".log");
        List<String> argv = new ArrayList<>(List.of("qemu-storage-daemon"));
        argv.addAll(List.of(args));
        argv.addAll(List.of("--pidfile", pidfile.toString()));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        BackgroundDaemon d = new BackgroundDaemon(p, log);
        if (!Tools.eventually(Duration.ofSeconds(20), () -> Files.exists(pidfile) || !p.isAlive()) || !p.isAlive()) {
            d.close();
            throw new AssertionError("background qemu-storage-daemon did not start: " + Files.readString(log));
        }
        return d;
    }

    /** An NBD server on a unix socket exporting {@code image} (raw or qcow2 by {@code format}) as "disk", writable. */
    static BackgroundDaemon nbdServer(Path dir, Path image, String format, Path socket) throws IOException, InterruptedException {
        return start(dir,
                "--blockdev", "{\"driver\":\"file\",\"filename\":\"" + image + "\",\"node-name\":\"f\"}",
                "--blockdev", "{\"driver\":\"" + format + "\",\"file\":\"f\",\"node-name\":\"img\"}",
                "--nbd-server", "addr.type=unix,addr.path=" + socket,
                "--export", "type=nbd,id=e,node-name=img,name=disk,writable=on");
    }

    long pid() {
        return process.pid();
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
