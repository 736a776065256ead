package io.guestdata.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Where the suite's files are, and its settings (system properties or environment). */
final class E2e {
    private E2e() {
    }

    /** This module's folder (image recipe, resources). */
    static Path root() {
        return Path.of(System.getProperty("guestdata.e2e.root", "guestdata-e2e")).toAbsolutePath();
    }

    /**
     * Where a boot's files go (disk copy, drives, console log): {@code target/e2e/<generation>/<path>}, one
     * folder per boot (boots run concurrently), emptied when the boot starts and kept afterwards for inspection.
     */
    static Path workDir(Generation generation, String path) {
        return workDir(generation.id() + "/" + path);
    }

    private static Path workDir(String name) {
        Path base = Path.of(System.getProperty("guestdata.e2e.work",
                root().resolve("target/e2e").toString()));
        killOrphans(base);
        try {
            Path dir = base.resolve(name);
            if (Files.exists(dir)) {
                try (var walk = Files.walk(dir)) {
                    walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Kills what an earlier run killed with -9 left behind (a guest, serve, proxy, dnsmasq): orphaned processes
     * (re-parented to init) whose command line names this suite's work folder.
     */
    private static void killOrphans(Path base) {
        String marker = base.toString();
        ProcessHandle.allProcesses()
                .filter(p -> p.parent().map(pp -> pp.pid() == 1).orElse(true))
                .filter(p -> p.info().commandLine().map(c -> c.contains(marker)).orElse(false))
                .forEach(ProcessHandle::destroyForcibly);
    }

    /** Hard limit of one boot, first instruction to power-off: GUESTDATA_E2E_BOOT_TIMEOUT seconds, default 600. */
    static Duration bootTimeout() {
        String s = System.getenv("GUESTDATA_E2E_BOOT_TIMEOUT");
        return Duration.ofSeconds(s == null || s.isBlank() ? 600 : Long.parseLong(s.strip()));
    }
}
