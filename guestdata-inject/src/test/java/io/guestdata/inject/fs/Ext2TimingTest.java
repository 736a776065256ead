package io.guestdata.inject.fs;

import io.guestdata.testkit.ToolTest;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Times the typical Nova-style injection in-process, open to close, on a 1 GiB sparse ext4 image:
 * mkdir -p /root/.ssh (0700), append a key, chmod 0600, replace an /etc/shadow-sized file. Only
 * reports the numbers (no timed assertion): the first run in this JVM, and the median and maximum of
 * the following runs.
 */
@ToolTest
class Ext2TimingTest {

    private static final int RUNS = 21;

    @TempDir
    Path dir;

    @Test
    void typical_injection_open_to_close() throws Exception {
        Path img = Ext2Tools.mkfs(dir.resolve("1g.img"), 1024 * 1024, 0, null, "-t", "ext4");
        byte[] key = ("\n# The following ssh key was injected by Nova\n"
                + "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl nova@compute\n")
                .getBytes();
        byte[] shadow = "daemon:*:19000:0:99999:7:::\n".repeat(40).getBytes();
        long[] nanos = new long[RUNS];
        for (int i = 0; i < RUNS; i++) {
            long start = System.nanoTime();
            try (Ext2Filesystem fs = Ext2Filesystem.open(img, 0, OpenMode.READ_WRITE)) {
                fs.makeDirectories(GuestPath.of("/root/.ssh"), 0700, 0, 0, AccessPolicy.STRICT);
                fs.append(GuestPath.of("/root/.ssh/authorized_keys"), key, AccessPolicy.STRICT);
                fs.chmod(GuestPath.of("/root/.ssh/authorized_keys"), 0600, AccessPolicy.STRICT);
                fs.replace(GuestPath.of("/etc-shadow"), shadow);
            }
            nanos[i] = System.nanoTime() - start;
        }
        long[] warm = Arrays.copyOfRange(nanos, 1, RUNS);
        Arrays.sort(warm);
        System.out.printf("Ext2TimingTest: 1 GiB ext4, mkdir -p + append + chmod + replace, open to close: "
                        + "first %.1f ms, then median %.1f ms, max %.1f ms over %d runs%n",
                nanos[0] / 1e6, warm[warm.length / 2] / 1e6, warm[warm.length - 1] / 1e6, warm.length);
        Ext2Tools.assertClean(img, 0);
        assertEquals(0600, Ext2Tools.stat(img, 0, "/root/.ssh/authorized_keys").mode());
        assertEquals(RUNS * key.length, Ext2Tools.stat(img, 0, "/root/.ssh/authorized_keys").size());
    }
}
