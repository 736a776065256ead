package io.guestdata.inject;

import io.guestdata.testkit.ToolTest;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.random.RandomGenerator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.guestdata.inject.InjectionReport.Outcome;
import io.guestdata.inject.InjectionReport.Status;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Times one full injection in-process (every item of {@code inject.json}: open the image under its
 * lock, pick the partition with -1, plan, write 13 paths the first time, 9 after (the directories exist), close) on a 1 GiB sparse ext4 image. Only
 * reports the numbers (no timed assertion): the first run in this JVM, and the median and maximum
 * of the following runs.
 */
@ToolTest
class InjectionTimingTest {

    private static final int RUNS = 11;

    @TempDir
    Path dir;

    @Test
    void fullInjectionOnOneGibibyteExt4() throws Exception {
        Path img = GuestImages.wholeDisk(dir, "1g.img", GuestImages.skeleton(dir), 1024, "-t", "ext4");
        DiskInjector injector = new DiskInjector(FilesystemBackends.thisBuild(), RandomGenerator.of("L64X128MixRandom"));
        long[] nanos = new long[RUNS];
        for (int i = 0; i < RUNS; i++) {
            long start = System.nanoTime();
            InjectionReport report = injector.inject(img, Instances.full(), InjectionOptions.defaults());
            nanos[i] = System.nanoTime() - start;
            assertEquals(Outcome.DONE, report.outcome());
            assertEquals(report.entries().size(), report.count(Status.WRITTEN));
        }
        long[] warm = Arrays.copyOfRange(nanos, 1, RUNS);
        Arrays.sort(warm);
        System.out.printf("InjectionTimingTest: 1 GiB ext4, full injection (13 then 9 paths, partition -1), image open to close: "
                        + "first %.1f ms, then median %.1f ms, max %.1f ms over %d runs%n",
                nanos[0] / 1e6, warm[warm.length / 2] / 1e6, warm[warm.length - 1] / 1e6, warm.length);
        GuestImages.assertClean(img, 0);
    }
}
