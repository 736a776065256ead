package io.guestdata.inject.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.testkit.Command;
import io.guestdata.testkit.ToolTest;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exclusive OFD lock against real QEMU processes. */
@SuppressWarnings("try") // locks and daemons are held only for their effect
@ToolTest
class ImageLockTest {
    @TempDir
    Path dir;

    @Test
    void aQemuProcessUsingTheImageMakesUsRefuseBeforeAnyWrite() throws Exception {
        Path img = Tools.rawImage(dir, "vm-disk.img", 16);
        try (BackgroundDaemon vm = BackgroundDaemon.nbdServer(dir, img, "raw", dir.resolve("nbd.sock"))) {
            ImageInUseException e = assertThrows(ImageInUseException.class, () -> RawImage.openWritable(img));
            assertTrue(e.getMessage().startsWith(img + ": image is in use: another process"), e.getMessage());
            assertTrue(e.getMessage().contains("pid " + vm.pid() + " (qemu-storage-d"), e.getMessage());
            assertTrue(e.getMessage().contains("nothing was written"), e.getMessage());
            assertEquals(img, e.image());
            assertTrue(ImageLock.isLockedByOthers(img));
        }
        try (RawImage disk = RawImage.openWritable(img)) {
            disk.write(0, ByteBuffer.wrap(new byte[] {1}));
        }
    }

    @Test
    void whileWeHoldTheImageQemuRefusesToOpenIt() throws Exception {
        Path img = Tools.rawImage(dir, "disk.img", 16);
        try (RawImage disk = RawImage.openWritable(img)) {
            Command.Result io = Tools.attempt("qemu-io", "-f", "raw", "-c", "write 0 512", img.toString());
            assertNotEquals(0, io.exit());
            assertTrue(io.output().contains("Failed to lock byte 100"), io.output());
            // (qemu-img info still works: a read-only open retries with force-share, which is harmless.)
        }
        Command.Result io = Tools.attempt("qemu-io", "-f", "raw", "-c", "write 0 512", img.toString());
        assertEquals(0, io.exit(), io.output());
    }

    @Test
    void twoWritersInOneJvmSeeEachOther() throws Exception {
        Path img = Tools.rawImage(dir, "disk.img", 1);
        try (RawImage first = RawImage.openWritable(img)) {
            ImageInUseException e = assertThrows(ImageInUseException.class, () -> RawImage.openWritable(img));
            assertTrue(e.getMessage().contains("this process"), e.getMessage());
        }
    }

    /** The reason for OFD locks: libext2fs opens and closes the image itself; a POSIX lock would vanish then. */
    @Test
    void closingAnotherDescriptorOfTheImageKeepsTheLock() throws Exception {
        Path img = Tools.rawImage(dir, "disk.img", 1);
        try (RawImage disk = RawImage.openWritable(img)) {
            try (FileChannel other = FileChannel.open(img, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                other.read(ByteBuffer.allocate(1), 0);
            }
            assertTrue(ImageLock.isLockedByOthers(img));
            Command.Result io = Tools.attempt("qemu-io", "-f", "raw", "-c", "write 0 512", img.toString());
            assertNotEquals(0, io.exit(), io.output());
        }
        assertFalse(ImageLock.isLockedByOthers(img));
    }

    @Test
    void aQcow2InUseIsRefusedBeforeOurDaemonStarts() throws Exception {
        Path img = dir.resolve("vm.qcow2");
        Tools.run(null, "qemu-img", "create", "-q", "-f", "qcow2", img.toString(), "16M");
        try (BackgroundDaemon vm = BackgroundDaemon.nbdServer(dir, img, "qcow2", dir.resolve("nbd.sock"))) {
            ImageInUseException e = assertThrows(ImageInUseException.class,
                    () -> DiskImage.open(img, DiskImage.Options.writableAuto().withExport(
                            QemuStorageExport.Settings.defaults().withTempRoot(dir))));
            assertTrue(e.getMessage().startsWith(img + ": image is in use"), e.getMessage());
            assertEquals(java.util.List.of(), Tools.processesMentioning(dir + "/" + QemuStorageExport.DIR_PREFIX));
        }
    }
}
