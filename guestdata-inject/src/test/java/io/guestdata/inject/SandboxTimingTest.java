package io.guestdata.inject;

import io.guestdata.testkit.ToolTest;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.random.RandomGenerator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.guestdata.inject.InjectionReport.Outcome;
import io.guestdata.inject.sandbox.Ext2fsSandbox;
import io.guestdata.inject.sandbox.SandboxSettings;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Times one full injection (every item of {@code inject.json}, partition -1, image open to close, on a
 * 1 GiB sparse ext4 image) in the same run: in this process, and through the sandbox with a warm worker
 * (taken from the pool after its warm-up rounds, so no JVM start is paid) for 0, 2 and 5 warm-up rounds;
 * and what a cold worker costs (start to ready). Only reports the numbers (no timed assertion: the
 * machines this runs on are shared); {@code docs/injection.md} quotes them.
 */
@ToolTest
class SandboxTimingTest {

    private static final int RUNS = 9;

    @TempDir
    Path dir;

    @Test
    void fullInjectionInProcessAndSandboxed() throws Exception {
        Path img = GuestImages.wholeDisk(dir, "1g.img", GuestImages.skeleton(dir), 1024, "-t", "ext4");
        InjectionOptions options = InjectionOptions.defaults().withUndoDirectory(dir.resolve("undo"));
        DiskInjector inProcess = injector(new Ext2fsBackend());
        for (int i = 0; i < 3; i++) { // this JVM's own warm-up
            inProcess.inject(img, Instances.full(), options);
        }
        StringBuilder out = new StringBuilder("SandboxTimingTest: 1 GiB ext4, full injection, partition -1, open to close:");
        out.append(line("in-process", times(inProcess, img, options, null)));
        for (int rounds : List.of(0, 2, 5)) {
            try (Ext2fsSandbox sandbox = Ext2fsSandbox.start(SandboxSettings.defaults().withPoolSize(1)
                    .withWarmupRounds(rounds))) {
                out.append(line("sandboxed, warm worker, " + rounds + " warm-up rounds",
                        times(injector(Ext2fsBackend.sandboxed(sandbox)), img, options, sandbox)));
            }
        }
        long[] cold = new long[5];
        for (int i = 0; i < cold.length; i++) {
            long start = System.nanoTime();
            try (Ext2fsSandbox sandbox = Ext2fsSandbox.start(SandboxSettings.defaults().withPoolSize(1)
                    .withWarmupRounds(0))) {
                await(sandbox);
                cold[i] = System.nanoTime() - start;
            }
        }
        out.append(line("cold worker start (bwrap + JVM + libext2fs loaded, to ready)", cold));
        System.out.println(out);
        GuestImages.assertClean(img, 0);
    }

    private static DiskInjector injector(Ext2fsBackend ext2fs) {
        return new DiskInjector(new FilesystemBackends(List.of(ext2fs)), RandomGenerator.of("L64X128MixRandom"));
    }

    /** Nanoseconds per injection; with a sandbox, each one waits (untimed) for a warm worker first. */
    private static long[] times(DiskInjector injector, Path img, InjectionOptions options, Ext2fsSandbox sandbox)
            throws Exception {
        long[] nanos = new long[RUNS];
        for (int i = 0; i < RUNS; i++) {
            if (sandbox != null) {
                await(sandbox);
            }
            long start = System.nanoTime();
            InjectionReport report = injector.inject(img, Instances.full(), options);
            nanos[i] = System.nanoTime() - start;
            assertEquals(Outcome.DONE, report.outcome(), report::toString);
        }
        return nanos;
    }

    private static void await(Ext2fsSandbox sandbox) throws InterruptedException {
        while (sandbox.idleWorkers() < 1) {
            Thread.sleep(5);
        }
    }

    private static String line(String what, long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return String.format(Locale.ROOT, "%n  %-62s median %6.1f ms, min %6.1f ms, max %6.1f ms (%d runs)", what,
                sorted[sorted.length / 2] / 1e6, sorted[0] / 1e6, sorted[sorted.length - 1] / 1e6, sorted.length);
    }
}
