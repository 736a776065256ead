package io.guestdata.inject.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What happens to qemu-storage-daemon when the JVM that started it dies: killed with SIGKILL
 * (no shutdown hook runs) or exiting without closing the export (the hook runs).
 */
class DaemonLifecycleTest {
    @TempDir
    Path dir;
    Path image;
    Path tempRoot;
    Process child;

    @BeforeEach
    void image() throws Exception {
        image = dir.resolve("disk.qcow2");
        Tools.run(null, "qemu-img", "create", "-q", "-f", "qcow2", image.toString(), "16M");
        tempRoot = Files.createDirectory(dir.resolve("tmp"));
    }

    @AfterEach
    void noDaemonLeft() throws Exception {
        if (child != null && child.isAlive()) {
            child.destroyForcibly();
        }
        OrphanSweep.sweep(tempRoot, Duration.ofSeconds(5));
        assertEquals(List.of(), Tools.processesMentioning(tempRoot.toString()));
    }

    @Test
    void killMinus9OfTheJvmMakesTheKernelStopTheDaemonThroughItsParentDeathSignal() throws Exception {
        String[] ready = startChild("pdeathsig", "hang");
        long daemon = Long.parseLong(ready[1]);
        Path workDir = Path.of(ready[2]);
        Path exportFile = workDir.resolve("export");
        assertTrue(Tools.alive(daemon));
        assertTrue(MountTable.isMounted(exportFile));

        child.destroyForcibly(); // SIGKILL: no finally, no shutdown hook
        child.waitFor(10, TimeUnit.SECONDS);

        assertTrue(Tools.eventually(Duration.ofSeconds(10), () -> !Tools.alive(daemon)), "daemon still running");
        assertFalse(MountTable.isMounted(exportFile), "the daemon unmounted its export on SIGTERM");
        assertFalse(Files.exists(workDir.resolve("qemu-storage-daemon.pid")), "the daemon removed its pidfile");
        assertTrue(Files.isDirectory(workDir), "only the private directory is left behind");
        List<String> swept = OrphanSweep.sweep(tempRoot, Duration.ofSeconds(5));
        assertEquals(1, swept.size(), swept.toString());
        assertTrue(swept.getFirst().endsWith("; removed"), swept.toString());
        assertFalse(Files.exists(workDir));
        assertImageIntact();
    }

    @Test
    void withoutTheParentDeathSignalTheDaemonIsOrphanedAndTheSweepStopsIt() throws Exception {
        Orphan orphan = orphan();
        long daemon = orphan.daemon();
        Path workDir = orphan.workDir();
        assertTrue(MountTable.isMounted(workDir.resolve("export")));

        List<String> swept = OrphanSweep.sweep(tempRoot, Duration.ofSeconds(5));
        assertEquals(1, swept.size(), swept.toString());
        assertTrue(swept.getFirst().contains("stopped qemu-storage-daemon " + daemon), swept.toString());
        assertFalse(Tools.alive(daemon));
        assertFalse(MountTable.isMounted(workDir.resolve("export")));
        assertFalse(Files.exists(workDir));
        assertImageIntact();
    }

    @Test
    void theNextExportStopsAndRemovesWhatAKilledRunLeft() throws Exception {
        Orphan orphan = orphan();
        long daemon = orphan.daemon();
        Path workDir = orphan.workDir();

        // the orphan holds the image's write lock: the new export gets it only because its start swept first
        try (QemuStorageExport export = QemuStorageExport.ofImage(ImageInspector.inspect(image,
                java.util.Optional.of(ImageFormat.QCOW2), BackingFilePolicy.refuseAll()), true,
                QemuStorageExport.Settings.defaults().withTempRoot(tempRoot))) {
            assertTrue(export.isAlive());
            assertFalse(Tools.alive(daemon), "the orphaned daemon was stopped");
            assertFalse(Files.exists(workDir), "its directory was removed");
        }
        assertImageIntact();
    }

    @Test
    void aJvmExitingWithoutCloseStopsTheDaemonFromItsShutdownHook() throws Exception {
        String[] ready = startChild("pdeathsig", "exit");
        long daemon = Long.parseLong(ready[1]);
        Path workDir = Path.of(ready[2]);
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        assertFalse(Tools.alive(daemon));
        assertFalse(Files.exists(workDir), "the hook also removed the directory");
        assertEquals(List.of(), OrphanSweep.sweep(tempRoot, Duration.ofSeconds(5)));
    }

    @Test
    void theSweepLeavesDirectoriesOfLiveJvmsAlone() throws Exception {
        try (QemuStorageExport export = QemuStorageExport.ofImage(ImageInspector.inspect(image,
                java.util.Optional.of(ImageFormat.QCOW2), BackingFilePolicy.refuseAll()), false,
                QemuStorageExport.Settings.defaults().withTempRoot(tempRoot))) {
            assertEquals(List.of(), OrphanSweep.sweep(tempRoot, Duration.ofSeconds(5)));
            assertTrue(export.isAlive());
        }
    }

    /** A daemon whose JVM was killed with {@code kill -9} and that has no parent-death signal: it keeps running. */
    private record Orphan(long daemon, Path workDir) {
    }

    private Orphan orphan() throws Exception {
        String[] ready = startChild("nopdeathsig", "hang");
        Orphan orphan = new Orphan(Long.parseLong(ready[1]), Path.of(ready[2]));
        child.destroyForcibly();
        child.waitFor(10, TimeUnit.SECONDS);
        Thread.sleep(500);
        assertTrue(Tools.alive(orphan.daemon()), "an orphan keeps running (this is why pdeathsig is on by default)");
        return orphan;
    }

    private String[] startChild(String pdeathsig, String mode) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                ExportChild.class.getName(), image.toString(), tempRoot.toString(), pdeathsig, mode)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        assertTrue(line != null && line.startsWith("READY "), "child said: " + line);
        return line.split(" ");
    }

    private void assertImageIntact() {
        Tools.run(null, "qemu-img", "check", "-q", image.toString());
    }
}
