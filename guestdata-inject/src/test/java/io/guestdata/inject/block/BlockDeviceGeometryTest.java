package io.guestdata.inject.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.guestdata.testkit.ToolTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No block device may be created here (no loop devices), so the geometry is checked against
 * lsblk (which also reads sysfs) on the machine's own disk, by stat only: nothing is opened.
 */
@ToolTest
class BlockDeviceGeometryTest {
    @TempDir
    Path dir;

    @Test
    void deviceNumbersDecodeAsGlibcDoes() {
        for (long[] mm : new long[][] {{254, 0}, {8, 17}, {259, 300}, {4096, 1 << 20}}) {
            long rdev = makedev(mm[0], mm[1]);
            assertEquals(mm[0], BlockDeviceGeometry.major(rdev));
            assertEquals(mm[1], BlockDeviceGeometry.minor(rdev));
        }
    }

    /** glibc's gnu_dev_makedev. */
    private static long makedev(long major, long minor) {
        return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8) | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
    }

    @Test
    void aRegularFileHasNoDeviceGeometry() throws Exception {
        assertEquals(Optional.empty(), BlockDeviceGeometry.of(Tools.rawImage(dir, "f.img", 1)));
    }

    @Test
    void theSizeOfTheMachinesDiskMatchesLsblk() throws Exception {
        Path vda = Path.of("/dev/vda");
        assumeTrue(Files.exists(vda) && Tools.installed("lsblk"), "no /dev/vda here");
        BlockDeviceGeometry g = BlockDeviceGeometry.of(vda).orElseThrow();
        assertEquals(Long.parseLong(Tools.run(null, "lsblk", "-b", "-d", "-n", "-o", "SIZE", vda.toString()).strip()), g.sizeBytes());
        assertEquals(Integer.parseInt(Tools.run(null, "lsblk", "-b", "-d", "-n", "-o", "LOG-SEC", vda.toString()).strip()),
                g.logicalSectorSize());
        assertTrue(g.sizeBytes() > 0);
    }
}
