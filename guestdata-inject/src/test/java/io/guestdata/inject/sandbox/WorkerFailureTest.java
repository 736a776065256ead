package io.guestdata.inject.sandbox;

import io.guestdata.testkit.ToolTest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.guestdata.inject.fs.FileWindow;
import io.guestdata.inject.fs.FilesystemWindow;
import io.guestdata.inject.fs.GuestFilesystem;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.fs.GuestPath;
import io.guestdata.inject.fs.OpenMode;
import io.guestdata.inject.fs.WindowChange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A worker that crashes, is killed, hangs or runs out of memory in the middle of a call (real
 * signals to the real worker JVM inside real bwrap): the call fails cleanly with
 * {@link GuestFsException.Kind#SANDBOX} and a message that says what happened, every later call
 * says the same, the worker is gone, and the image is unchanged (SHA-256).
 */
@ToolTest
class WorkerFailureTest {

    private static final GuestPath SSH = GuestPath.of("/root/.ssh");
    private static final GuestPath KEYS = GuestPath.of("/root/.ssh/authorized_keys");

    @TempDir
    Path dir;

    private Path img;

    @BeforeEach
    void image() throws Exception {
        img = dir.resolve("disk.img");
        SandboxIsolationTest.run("truncate", "-s", "32M", img.toString());
        SandboxIsolationTest.run("mke2fs", "-q", "-F", "-t", "ext4", img.toString());
    }

    private static SandboxSettings settings() {
        return SandboxSettings.defaults().withPoolSize(0);
    }

    /** A window that runs {@code action} when the worker fetches for the {@code n}th time after {@link #arm}. */
    static final class TripWindow implements FilesystemWindow {
        private final FilesystemWindow window;
        private final AtomicInteger left = new AtomicInteger(-1);
        private volatile Runnable action;

        TripWindow(FilesystemWindow window) {
            this.window = window;
        }

        void arm(int n, Runnable onFetch) {
            action = onFetch;
            left.set(n);
        }

        @Override
        public long size() {
            return window.size();
        }

        @Override
        public void read(long position, ByteBuffer dst) throws IOException {
            if (left.get() > 0 && left.decrementAndGet() == 0) {
                action.run();
            }
            window.read(position, dst);
        }

        @Override
        public void commit(List<WindowChange> changes) throws IOException {
            window.commit(changes);
        }

        @Override
        public String describe() {
            return window.describe();
        }
    }

    static void signal(ProcessHandle process, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start();
            assertEquals(0, kill.waitFor());
            if (!signal.equals("STOP")) {
                process.onExit().get(10, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Takes the session's worker (a harmless check) and returns its JVM. */
    private static ProcessHandle worker(SandboxSession session, FilesystemWindow window) throws GuestFsException {
        session.checkWritable(window);
        return session.workerProcess().orElseThrow();
    }

    @Test
    void aSegfaultMidCallIsACleanRefusal() throws Exception {
        String before = sha256(img);
        try (Ext2fsSandbox sandbox = Ext2fsSandbox.start(settings());
             SandboxSession session = sandbox.session(InstantSource.system());
             FileWindow file = FileWindow.open(img, 0, true)) {
            TripWindow window = new TripWindow(file);
            ProcessHandle jvm = worker(session, window);
            window.arm(2, () -> signal(jvm, "SEGV"));
            GuestFsException e = assertThrows(GuestFsException.class, () -> session.open(window, OpenMode.READ_WRITE));
            assertEquals(GuestFsException.Kind.SANDBOX, e.kind());
            // the JVM's crash banner says where: "… (SIGSEGV) in libc.so.6+0x85f14" (here: wherever kill hit it)
            assertTrue(e.getMessage().startsWith("open " + img + ": the sandboxed ext2fs worker died with signal 11"
                    + " (SIGSEGV)"), e.getMessage());
            assertTrue(e.getMessage().endsWith("; nothing was written"), e.getMessage());
            assertFalse(jvm.isAlive());
            // the session's worker is gone for good: a later open says so at once
            GuestFsException again = assertThrows(GuestFsException.class, () -> session.open(file, OpenMode.READ_ONLY));
            assertTrue(again.getMessage().contains("died with signal 11 (SIGSEGV)"), again.getMessage());
        }
        assertEquals(before, sha256(img));
    }

    @Test
    void aWorkerKilledWhileWritingLeavesTheImageUnchanged() throws Exception {
        String before = sha256(img);
        try (Ext2fsSandbox sandbox = Ext2fsSandbox.start(settings());
             SandboxSession session = sandbox.session(InstantSource.system());
             FileWindow file = FileWindow.open(img, 0, true)) {
            TripWindow window = new TripWindow(file);
            GuestFilesystem fs = session.open(window, OpenMode.READ_WRITE);
            fs.makeDirectories(SSH, 0700, 0, 0);
            ProcessHandle jvm = session.workerProcess().orElseThrow();
            window.arm(1, () -> signal(jvm, "KILL"));
            byte[] big = new byte[4 << 20]; // needs fetches of blocks not read yet
            GuestFsException e = assertThrows(GuestFsException.class, () -> fs.replace(GuestPath.of("/big"), big));
            assertEquals(GuestFsException.Kind.SANDBOX, e.kind());
            assertEquals("replace /big: the sandboxed ext2fs worker died with signal 9 (SIGKILL); nothing this open"
                    + " changed was written to the image", e.getMessage());
            GuestFsException close = assertThrows(GuestFsException.class, fs::close);
            assertEquals("close " + img + ": the sandboxed ext2fs worker died with signal 9 (SIGKILL); nothing was"
                    + " written to the image", close.getMessage());
        }
        assertEquals(before, sha256(img));
    }

    @Test
    void aStoppedWorkerHitsTheCallTimeoutAndIsKilled() throws Exception {
        String before = sha256(img);
        try (Ext2fsSandbox sandbox = Ext2fsSandbox.start(settings().withCallTimeout(Duration.ofSeconds(2)));
             SandboxSession session = sandbox.session(InstantSource.system());
             FileWindow file = FileWindow.open(img, 0, true)) {
            GuestFilesystem fs = session.open(file, OpenMode.READ_WRITE);
            fs.makeDirectories(SSH, 0700, 0, 0);
            ProcessHandle jvm = session.workerProcess().orElseThrow();
            signal(jvm, "STOP");
            long start = System.nanoTime();
            GuestFsException e = assertThrows(GuestFsException.class, () -> fs.append(KEYS, "ssh-ed25519 AAAA k\n".getBytes()));
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals("append /root/.ssh/authorized_keys: the sandboxed ext2fs worker did not answer within 2 s (the"
                    + " per-call limit) and was killed; nothing this open changed was written to the image", e.getMessage());
            assertTrue(millis >= 1900 && millis < 15000, millis + " ms");
            jvm.onExit().get(10, TimeUnit.SECONDS);
            assertFalse(jvm.isAlive());
            assertThrows(GuestFsException.class, fs::close);
        }
        assertEquals(before, sha256(img));
    }

    @Test
    void theInjectionTimeLimitKillsTheWorker() throws Exception {
        try (Ext2fsSandbox sandbox = Ext2fsSandbox.start(settings().withInjectionTimeout(Duration.ofSeconds(2)));
             SandboxSession session = sandbox.session(InstantSource.system());
             FileWindow file = FileWindow.open(img, 0, false)) {
            GuestFilesystem fs = session.open(file, OpenMode.READ_ONLY);
            assertTrue(fs.exists(GuestPath.of("/lost+found")));
            ProcessHandle jvm = session.workerProcess().orElseThrow();
            jvm.onExit().get(20, TimeUnit.SECONDS);
            GuestFsException e = assertThrows(GuestFsException.class, () -> fs.exists(SSH));
            assertEquals("exists /root/.ssh: the sandboxed ext2fs worker was killed when the injection's time limit of"
                    + " 2 s ran out; nothing was written", e.getMessage());
        }
    }

    @Test
    void anOversizedAllocationHitsTheMemoryLimitCleanly() throws Exception {
        String before = sha256(img);
        try (Ext2fsSandbox sandbox = Ext2fsSandbox.start(settings().withHeapMiB(64));
             SandboxSession session = sandbox.session(InstantSource.system());
             FileWindow file = FileWindow.open(img, 0, true)) {
            GuestFilesystem fs = session.open(file, OpenMode.READ_WRITE);
            // the worker must hold the request (and then the changes) in its 64 MiB heap
            GuestFsException e = assertThrows(GuestFsException.class, () -> fs.replace(GuestPath.of("/huge"),
                    new byte[100 << 20]));
            assertEquals("replace /huge: the sandboxed ext2fs worker ran out of memory (its Java heap is limited to 64"
                    + " MiB); nothing this open changed was written to the image", e.getMessage());
        }
        assertEquals(before, sha256(img));
    }

    @Test
    void aNewSessionGetsANewWorker() throws Exception {
        try (Ext2fsSandbox sandbox = Ext2fsSandbox.start(settings());
             FileWindow file = FileWindow.open(img, 0, false)) {
            long first;
            try (SandboxSession session = sandbox.session(InstantSource.system())) {
                ProcessHandle jvm = worker(session, file);
                first = jvm.pid();
                signal(jvm, "KILL");
            }
            try (SandboxSession session = sandbox.session(InstantSource.system())) {
                GuestFilesystem fs = session.open(file, OpenMode.READ_ONLY);
                assertTrue(fs.exists(GuestPath.of("/lost+found")));
                assertNotEquals(first, session.workerProcess().orElseThrow().pid());
                fs.close();
            }
        }
    }

    static String sha256(Path file) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] b = new byte[1 << 16];
            int n;
            while ((n = in.read(b)) > 0) {
                md.update(b, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
