package io.guestdata.inject.sandbox;

import io.guestdata.testkit.ToolTest;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.guestdata.inject.fs.AccessPolicy;
import io.guestdata.inject.fs.FileWindow;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.fs.GuestPath;
import io.guestdata.inject.fs.OpenMode;

import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A worker that a crafted image took over ({@link HostileWorker}, run in the real sandbox) tries to
 * make this process read or write outside the window, commit when it must not, or swallow a frame
 * it cannot hold: each attempt is refused before anything is read or written, the worker is
 * killed, the call fails with {@link GuestFsException.Kind#SANDBOX} saying what it sent, and the
 * image is unchanged.
 */
@ToolTest
class HostileWorkerTest {

    @TempDir
    Path dir;

    private Path img;
    private ScheduledExecutorService timer;

    @BeforeEach
    void image() throws Exception {
        img = dir.resolve("disk.img");
        SandboxIsolationTest.run("truncate", "-s", "8M", img.toString());
        SandboxIsolationTest.run("mke2fs", "-q", "-F", "-t", "ext4", img.toString());
        timer = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "fetch-outside        | open  | a fetch of 4096 bytes at 8388096 of a 8388608-byte window",
        "fetch-unknown-window | open  | a fetch from window 1001, which it was not given",
        "fetch-many-outside   | open  | a fetch of 4096 bytes at 8388608 of a 8388608-byte window",
        "fetch-many-too-much  | open  | a fetch of 1052672 bytes in all",
        "huge-frame           | open  | a frame of 2147483647 bytes",
        "unknown-error        | open  | an unreadable error: unknown error kind TAKE_OVER",
        "commit-without-close | read  | a change to window 1, which is not a writable window being closed",
        "oversized-read       | read  | an unreadable result: a file of 1048576 bytes, more than the limit of 4096",
        "commit-outside       | close | a change of 4096 bytes at 8388508, outside the 8388608-byte window",
        "commit-overlapping   | close | a change at 4096 before the end of the previous one (12288)",
        "commit-read-only     | close-ro | a change to window 1, which is not a writable window being closed"})
    void everyAttemptIsRefusedAndTheWorkerKilled(String mode, String when, String sent) throws Exception {
        String before = WorkerFailureTest.sha256(img);
        WorkerProcess worker = WorkerProcess.start(new BubblewrapLauncher(SandboxSettings.defaults()), timer,
                HostileWorker.class, List.of(mode));
        GuestFsException e;
        try (FileWindow window = FileWindow.open(img, 0, true)) {
            OpenMode openMode = when.equals("close-ro") ? OpenMode.READ_ONLY : OpenMode.READ_WRITE;
            e = assertThrows(GuestFsException.class, () -> {
                SandboxedFilesystem fs = SandboxedFilesystem.open(worker, window, openMode, InstantSource.system());
                if (when.equals("read")) {
                    fs.read(GuestPath.of("/etc/passwd"), 4096, AccessPolicy.DEFAULT);
                }
                fs.close();
            });
        }
        assertEquals(GuestFsException.Kind.SANDBOX, e.kind(), e.getMessage());
        String expected = mode.equals("huge-frame")
                ? "the sandboxed ext2fs worker broke the protocol (" + sent
                : "the sandboxed ext2fs worker broke the protocol (it sent " + sent + ") and was killed";
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        worker.process().onExit().get(10, TimeUnit.SECONDS);
        assertFalse(worker.usable());
        assertEquals(before, WorkerFailureTest.sha256(img), "nothing was written");
    }
}
