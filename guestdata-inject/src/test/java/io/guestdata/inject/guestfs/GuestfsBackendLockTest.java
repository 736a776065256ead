package io.guestdata.inject.guestfs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.guestdata.inject.GuestfsBackend;
import io.guestdata.inject.ImageTarget;
import io.guestdata.inject.block.ImageFormat;
import io.guestdata.inject.block.ImageInUseException;
import io.guestdata.inject.block.InjectPartition;
import io.guestdata.inject.fs.OpenMode;

import static io.guestdata.inject.guestfs.GuestTools.runOk;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * libguestfs' own QEMU takes QEMU's image locks: with a VM's stand-in (qemu-storage-daemon
 * exporting the image writable) on the image, a writable launch fails at once (QEMU exits before
 * the appliance boots, ~1 s), and the guestfs backend reports it as {@link ImageInUseException},
 * as the ext2fs path does. {@code DiskInjector} checks the lock itself before launching; this
 * test goes past that check, to the backend.
 */
@Tag("guestfs")
class GuestfsBackendLockTest {

    @TempDir
    Path dir;

    @Test
    void aWritableLaunchOnAnImageInUseIsRefusedAsInUse() throws Exception {
        Path image = dir.resolve("disk.img");
        runOk("truncate", "-s", "64M", image.toString());
        runOk("mke2fs", "-q", "-F", "-t", "ext4", image.toString());
        byte[] before = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(image));
        Path socket = dir.resolve("nbd.sock");
        Process vm = new ProcessBuilder("qemu-storage-daemon",
                "--blockdev", "{\"driver\":\"file\",\"filename\":\"" + image + "\",\"node-name\":\"f\"}",
                "--blockdev", "{\"driver\":\"raw\",\"file\":\"f\",\"node-name\":\"img\"}",
                "--nbd-server", "addr.type=unix,addr.path=" + socket,
                "--export", "type=nbd,id=e,node-name=img,name=disk,writable=on")
                .redirectErrorStream(true).redirectOutput(dir.resolve("vm.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!Files.exists(socket) && vm.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(Files.exists(socket), "qemu-storage-daemon did not start");
            GuestfsBackend backend = new GuestfsBackend(GuestTools.settings());
            ImageInUseException e = assertThrows(ImageInUseException.class, () -> backend.openImage(
                    new ImageTarget(image, ImageFormat.RAW, new InjectPartition.WholeDisk(), Optional.empty()),
                    OpenMode.READ_WRITE));
            assertTrue(e.getMessage().startsWith(image + ": image is in use: libguestfs' QEMU could not lock it"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("launching the appliance"), e.getMessage());
        } finally {
            vm.destroy();
            vm.waitFor(10, TimeUnit.SECONDS);
        }
        assertArrayEquals(before, MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(image)));
    }
}
