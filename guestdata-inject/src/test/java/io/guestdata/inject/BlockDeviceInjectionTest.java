package io.guestdata.inject;

import io.guestdata.testkit.ToolTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.random.RandomGenerator;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.guestdata.inject.InjectionReport.Outcome;

import static io.guestdata.inject.GuestImages.assertClean;
import static io.guestdata.inject.GuestImages.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Injection into a block device, as a host sees a Cinder volume: a loop device over a guest image
 * (issue 10, case 6: the image lock held the device O_EXCL and libext2fs's own exclusive open
 * then failed with EBUSY, exit 7, while the dry run said "planned"). Needs root for losetup; the
 * device is never mounted.
 */
@ToolTest
class BlockDeviceInjectionTest {

    @TempDir
    Path dir;

    private final DiskInjector injector = new DiskInjector(FilesystemBackends.thisBuild(),
            RandomGenerator.of("L64X128MixRandom"));

    @BeforeEach
    void root() {
        assumeTrue("root".equals(System.getProperty("user.name")) && Files.exists(Path.of("/dev/loop-control")),
                "loop devices need root");
    }

    private InjectionOptions options() {
        return GuestImages.options(dir);
    }

    /** The skeleton with /etc/motd as DiskInjectionTest has it (alice's, 0640), which the instance's files replace. */
    private Path tree(String name) throws Exception {
        Path t = GuestImages.skeleton(dir.resolve(name));
        GuestImages.write(t, "etc/motd", "old motd\n", "rw-r-----");
        Files.setAttribute(t.resolve("etc/motd"), "unix:uid", 1000);
        Files.setAttribute(t.resolve("etc/motd"), "unix:gid", 1000);
        return t;
    }

    /** Runs {@code body} with {@code image} attached to a free loop device, detached afterwards. */
    private void withLoop(Path image, LoopBody body) throws Exception {
        String device = GuestImages.runOk("losetup", "-f", "--show", image.toString()).stdout().strip();
        try {
            body.run(Path.of(device));
        } finally {
            GuestImages.run(List.of("losetup", "-d", device));
        }
    }

    private interface LoopBody {
        void run(Path device) throws Exception;
    }

    @Test
    void aWholeDiskDeviceIsPlannedAndWritten() throws Exception {
        Path img = GuestImages.wholeDisk(dir, "disk.img", tree("t"), 32, "-t", "ext4");
        withLoop(img, device -> {
            String before = sha256(img);
            InjectionReport dry = injector.inject(device, Instances.full(), options().withDryRun(true).withPartition(0));
            assertEquals(Outcome.PLANNED, dry.outcome(), dry::toString);
            assertEquals(before, sha256(img));
            InjectionReport report = injector.inject(device, Instances.full(), options().withPartition(-1));
            assertEquals(Outcome.DONE, report.outcome(), report::toString);
            assertEquals(java.util.Optional.of("raw"), report.format());
        });
        DiskInjectionTest.assertEverything(img, 0, Instances.full());
        assertClean(img, 0);
    }

    @Test
    void aPartitionOfADeviceIsWrittenAndTheOtherLeftAlone() throws Exception {
        Path img = GuestImages.mbrDisk(dir, "disk.img", tree("a"), tree("b"));
        long p1 = 2048L * 512;
        long p2 = 34816L * 512;
        String first = GuestImages.debugfs(img, p1, "ls -l /").stdout();
        withLoop(img, device -> {
            InjectionReport report = injector.inject(device, Instances.full(), options().withPartition(2));
            assertEquals(Outcome.DONE, report.outcome(), report::toString);
        });
        DiskInjectionTest.assertEverything(img, p2, Instances.full());
        assertClean(img, p2);
        assertClean(img, p1);
        assertEquals(first, GuestImages.debugfs(img, p1, "ls -l /").stdout(), "partition 1 unchanged");
    }
}
