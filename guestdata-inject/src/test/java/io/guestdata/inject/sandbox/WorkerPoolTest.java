package io.guestdata.inject.sandbox;

import io.guestdata.testkit.ToolTest;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.guestdata.inject.fs.FileWindow;
import io.guestdata.inject.fs.GuestFilesystem;
import io.guestdata.inject.fs.GuestPath;
import io.guestdata.inject.fs.OpenMode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The warm pool: workers are really started ahead of need (an injection after warm-up does not pay
 * a JVM start, measured against one that does), a taken worker is replaced in the background, each
 * session has its own worker, and closing the sandbox kills the idle ones; a worker never outlives
 * the parent process (kill -9 of a parent JVM).
 */
@ToolTest
class WorkerPoolTest {

    @TempDir
    Path dir;

    private Path img;

    @BeforeEach
    void image() throws Exception {
        img = dir.resolve("disk.img");
        SandboxIsolationTest.run("truncate", "-s", "64M", img.toString());
        SandboxIsolationTest.run("mke2fs", "-q", "-F", "-t", "ext4", img.toString());
    }

    /** Open, one lookup, close, in a new session: milliseconds. */
    private long openLookupClose(Ext2fsSandbox sandbox, FileWindow window) throws Exception {
        long start = System.nanoTime();
        try (SandboxSession session = sandbox.session(InstantSource.system())) {
            GuestFilesystem fs = session.open(window, OpenMode.READ_ONLY);
            assertTrue(fs.exists(GuestPath.of("/lost+found")));
            fs.close();
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    static Set<Long> workerJvms() {
        return ProcessHandle.current().descendants()
                .filter(p -> p.info().command().map(c -> c.endsWith("/bin/java")).orElse(false))
                .map(ProcessHandle::pid).collect(Collectors.toSet());
    }

    @Test
    void aWarmWorkerSparesTheJvmStartAndIsReplacedInTheBackground() throws Exception {
        long cold;
        try (Ext2fsSandbox sandbox = Ext2fsSandbox.start(SandboxSettings.defaults().withPoolSize(0));
             FileWindow window = FileWindow.open(img, 0, false)) {
            assertEquals(0, sandbox.idleWorkers());
            cold = openLookupClose(sandbox, window);
        }
        try (Ext2fsSandbox sandbox = Ext2fsSandbox.start(SandboxSettings.defaults().withPoolSize(1));
             FileWindow window = FileWindow.open(img, 0, false)) {
            await("a warm worker", () -> sandbox.idleWorkers() == 1);
            Set<Long> before = workerJvms();
            assertEquals(1, before.size(), before::toString);
            long warm;
            long servedBy;
            long start = System.nanoTime();
            try (SandboxSession session = sandbox.session(InstantSource.system())) {
                GuestFilesystem fs = session.open(window, OpenMode.READ_ONLY);
                assertTrue(fs.exists(GuestPath.of("/lost+found")));
                servedBy = session.workerProcess().orElseThrow().pid();
                fs.close();
            }
            warm = (System.nanoTime() - start) / 1_000_000;
            // discarded at the session's close: the JVM inside the sandbox ends too, not only bubblewrap
            ProcessHandle.of(servedBy).ifPresent(p -> p.onExit().orTimeout(10, TimeUnit.SECONDS).join());
            System.out.printf("WorkerPoolTest: open + lookup + close with a cold worker %d ms, with a warm one %d ms%n",
                    cold, warm);
            assertEquals(before, Set.of(servedBy), "the pre-started worker served it");
            assertTrue(warm * 3 < cold, "warm " + warm + " ms, cold " + cold + " ms");
            // a replacement was started at once, and it is another process
            await("the replacement", () -> sandbox.idleWorkers() == 1);
            Set<Long> after = workerJvms();
            assertEquals(1, after.size(), after::toString);
            assertNotEquals(before, after);
            assertFalse(ProcessHandle.of(servedBy).map(ProcessHandle::isAlive).orElse(false), "the used worker is gone");
        }
    }

    private static int requests(SandboxSession session) {
        String traffic = session.traffic();
        return Integer.parseInt(traffic.substring(0, traffic.indexOf(" requests")));
    }

    /**
     * A repeated stat or exists is answered without a round trip to the worker, and never stale:
     * every change forgets what was answered; a dead worker's filesystem fails every call, asked
     * before or not.
     */
    @Test
    void lookupsAreRememberedUntilTheNextChange() throws Exception {
        GuestPath lostFound = GuestPath.of("/lost+found");
        GuestPath dir = GuestPath.of("/x");
        GuestPath file = GuestPath.of("/x/f");
        try (Ext2fsSandbox sandbox = Ext2fsSandbox.start(SandboxSettings.defaults().withPoolSize(1).withWarmupRounds(0));
             FileWindow window = FileWindow.open(img, 0, true);
             SandboxSession session = sandbox.session(InstantSource.system())) {
            GuestFilesystem fs = session.open(window, OpenMode.READ_WRITE);
            assertEquals(0700, fs.stat(lostFound).mode() & 07777);
            assertFalse(fs.exists(dir));
            int asked = requests(session);
            assertEquals(0700, fs.stat(lostFound).mode() & 07777);
            assertFalse(fs.exists(dir));
            assertEquals(asked, requests(session), "answered again without asking the worker");
            fs.makeDirectories(dir, 0755, 0, 0);
            assertTrue(fs.exists(dir));
            fs.chmod(lostFound, 0750);
            assertEquals(0750, fs.stat(lostFound).mode() & 07777);
            fs.append(file, new byte[100]);
            assertEquals(100, fs.stat(file).size());
            fs.append(file, new byte[100]);
            assertEquals(200, fs.stat(file).size());
            fs.chown(file, 7, 8);
            assertEquals(7, fs.stat(file).uid());
            fs.replace(file, new byte[10]);
            assertEquals(10, fs.stat(file).size());
            ProcessHandle jvm = session.workerProcess().orElseThrow();
            jvm.destroyForcibly();
            jvm.onExit().get(10, TimeUnit.SECONDS);
            assertThrows(io.guestdata.inject.fs.GuestFsException.class, () -> fs.stat(lostFound));
            assertThrows(io.guestdata.inject.fs.GuestFsException.class, () -> fs.exists(dir));
        }
    }

    @Test
    void closingTheSandboxKillsTheIdleWorkers() throws Exception {
        Ext2fsSandbox sandbox = Ext2fsSandbox.start(SandboxSettings.defaults().withPoolSize(2).withWarmupRounds(0));
        await("two warm workers", () -> sandbox.idleWorkers() == 2);
        List<ProcessHandle> workers = workerJvms().stream().map(p -> ProcessHandle.of(p).orElseThrow()).toList();
        assertEquals(2, workers.size());
        sandbox.close();
        for (ProcessHandle w : workers) {
            w.onExit().get(10, TimeUnit.SECONDS);
        }
        assertTrue(workerJvms().isEmpty(), () -> workerJvms().toString());
    }

    @Test
    void noWorkerOutlivesItsParentProcess() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classPath = Path.of(Ext2fsSandbox.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                + ":" + Path.of(WorkerPoolTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Process parent = new ProcessBuilder(java, "-cp", classPath, SandboxParent.class.getName(), "2")
                .redirectErrorStream(true).start();
        try {
            var out = new java.io.BufferedReader(new java.io.InputStreamReader(parent.getInputStream()));
            List<Long> workers = new java.util.ArrayList<>();
            String line;
            while ((line = out.readLine()) != null && !line.equals("ready")) {
                if (line.startsWith("worker ")) {
                    workers.add(Long.parseLong(line.substring(7)));
                }
            }
            assertEquals(2, workers.size(), "the parent did not report its workers");
            for (long w : workers) {
                assertTrue(ProcessHandle.of(w).map(ProcessHandle::isAlive).orElse(false));
            }
            new ProcessBuilder("kill", "-9", Long.toString(parent.pid())).start().waitFor();
            parent.waitFor(10, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            for (long w : workers) {
                while (ProcessHandle.of(w).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertFalse(ProcessHandle.of(w).map(ProcessHandle::isAlive).orElse(false), "worker " + w
                        + " survived its parent");
            }
        } finally {
            parent.destroyForcibly();
        }
    }
}
