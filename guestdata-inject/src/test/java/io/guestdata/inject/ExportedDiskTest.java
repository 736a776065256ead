package io.guestdata.inject;

import io.guestdata.testkit.CephTest;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.guestdata.inject.block.DiskImage;
import io.guestdata.inject.block.ImageInUseException;
import io.guestdata.inject.ceph.CephCluster;
import io.guestdata.inject.rbd.RbdImage;

import static io.guestdata.inject.GuestImages.sha256;
import static io.guestdata.inject.RbdInjectionTest.SETTINGS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ExportedDisk} on an RBD image of the test cluster with QEMU's NBD client (qemu-io), no
 * appliance: the client's writes are staged, the image is untouched and held under our lock until
 * the commit, which writes them through the undo journal; a client that leaves without
 * NBD_CMD_DISC, or a failed shut-down, writes nothing.
 */
@CephTest
class ExportedDiskTest {

    @TempDir
    Path dir;

    @RegisterExtension
    static final CephCluster.Scratch scratch = new CephCluster.Scratch();

    private String image() {
        return RbdInjectionTest.imported(scratch, GuestImages.sparse(dir.resolve("disk.raw"), 8L << 20), "nbd");
    }

    private String exportedSha(String name) {
        return sha256(RbdInjectionTest.exported(dir, name));
    }

    @Test
    void writesAreStagedUntilTheCommitWhichGoesThroughTheJournal() throws Exception {
        String name = image();
        String before = exportedSha(name);
        try (DiskImage disk = DiskImage.openRbd(RbdInjectionTest.target(name), true, SETTINGS)) {
            disk.useJournal(disk.journalIn(dir.resolve("undo")));
            try (ExportedDisk exported = ExportedDisk.serve(disk, true, dir)) {
                GuestImages.runOk("qemu-io", "-f", "raw", "nbd+unix:///?socket=" + exported.socket(),
                        "-c", "write -P 0x5a 1048576 8192", "-c", "flush", "-c", "read -P 0x5a 1048576 8192");
                assertEquals(8192, exported.stagedBytes());
                ByteBuffer b = ByteBuffer.allocate(8192);
                disk.read(1048576, b);
                assertArrayEquals(new byte[8192], b.array(), "nothing reaches the image before the commit");
                assertEquals(before, exportedSha(name));
                ImageInUseException e = assertThrows(ImageInUseException.class,
                        () -> RbdImage.open(RbdInjectionTest.target(name), true, SETTINGS).close());
                assertTrue(e.getMessage().contains(name), e.getMessage());
                assertEquals(Optional.empty(), exported.commit(true));
            }
            ByteBuffer b = ByteBuffer.allocate(8192);
            disk.read(1048576, b);
            byte[] expected = new byte[8192];
            java.util.Arrays.fill(expected, (byte) 0x5a);
            assertArrayEquals(expected, b.array());
        }
        assertEquals(List.of(), RbdInjectionTest.listUndo(dir), "the journal is gone after a complete commit");
    }

    @Test
    void aClientGoneWithoutDisconnectOrAFailedShutDownWritesNothing() throws Exception {
        String name = image();
        String before = exportedSha(name);
        try (DiskImage disk = DiskImage.openRbd(RbdInjectionTest.target(name), true, SETTINGS)) {
            disk.useJournal(disk.journalIn(dir.resolve("undo")));
            try (ExportedDisk exported = ExportedDisk.serve(disk, true, dir)) {
                Process client = new ProcessBuilder("qemu-io", "-f", "raw", "nbd+unix:///?socket=" + exported.socket(),
                        "-c", "write -P 0x77 0 4096", "-c", "sleep 600000").redirectErrorStream(true)
                        .redirectOutput(dir.resolve("qemu-io.log").toFile()).start();
                Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
                while (exported.stagedBytes() == 0 && Instant.now().isBefore(deadline) && client.isAlive()) {
                    Thread.sleep(50);
                }
                boolean alive = client.isAlive();
                client.destroyForcibly().waitFor();
                String out = Files.readString(dir.resolve("qemu-io.log"));
                assertTrue(alive, "qemu-io ended early: " + out);
                assertEquals(4096, exported.stagedBytes(), out);
                Optional<String> refused = exported.commit(true);
                assertTrue(refused.orElseThrow().contains("without NBD_CMD_DISC"), refused.toString());
            }
            try (ExportedDisk exported = ExportedDisk.serve(disk, true, dir)) {
                GuestImages.runOk("qemu-io", "-f", "raw", "nbd+unix:///?socket=" + exported.socket(),
                        "-c", "write -P 0x66 0 4096");
                Optional<String> refused = exported.commit(false);
                assertTrue(refused.orElseThrow().contains("did not shut down cleanly"), refused.toString());
            }
        }
        assertEquals(before, exportedSha(name), "nothing written");
        assertEquals(List.of(), RbdInjectionTest.listUndo(dir));
    }
}
