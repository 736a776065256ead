package io.guestdata.inject;

import static io.guestdata.inject.GuestImages.assertClean;
import static io.guestdata.inject.GuestImages.runOk;
import static io.guestdata.inject.GuestImages.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.guestdata.testkit.ToolTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.guestdata.inject.InjectionReport.Outcome;
import io.guestdata.inject.block.BlockException;
import io.guestdata.inject.block.DiskImage;
import io.guestdata.inject.block.QemuExportException;
import io.guestdata.inject.block.QemuStorageExport;
import io.guestdata.inject.net.ChapPassword;
import io.guestdata.inject.net.IscsiTarget;
import io.guestdata.inject.net.NbdServer;
import io.guestdata.inject.net.NbdTarget;
import io.guestdata.inject.net.NetworkDisk;
import io.guestdata.inject.net.TgtdTarget;

/**
 * Injection into disks QEMU reaches over the network, each served by a real server on this host: NBD from
 * {@code qemu-nbd} over TCP and from {@code qemu-storage-daemon --export nbd} over a Unix socket, iSCSI from a
 * private {@code tgtd} with CHAP. The image behind each is read back with debugfs and checked with e2fsck once its
 * server has stopped.
 */
@ToolTest
class NetworkDiskInjectionTest {

    private static final String CHAP_USER = "guestdata";
    private static final String CHAP_PASSWORD = "Chap-Pa55-word-0123";

    @TempDir
    Path dir;

    private final DiskInjector injector = new DiskInjector(FilesystemBackends.thisBuild(),
            RandomGenerator.of("L64X128MixRandom"));

    private InjectionOptions options() {
        return GuestImages.options(dir);
    }

    /** A whole-disk ext4 image of DiskInjectionTest's guest (its /etc/motd alice's, 0640). */
    private Path image() throws Exception {
        return GuestImages.wholeDisk(dir, "disk.img", DiskInjectionTest.tree(dir.resolve("tree")), 32, "-t", "ext4");
    }

    /** A dry run changes nothing; the real run writes everything; the image is clean after the server stopped. */
    private void injectAndCheck(Path img, NetworkDisk disk, Optional<ChapPassword> password, AutoCloseable server)
            throws Exception {
        try (server) {
            String before = sha256(img);
            InjectionReport dry = injector.inject(disk, password, Instances.full(), options().withDryRun(true));
            assertEquals(Outcome.PLANNED, dry.outcome(), dry::toString);
            assertEquals(before, sha256(img));
            InjectionReport report = injector.inject(disk, password, Instances.full(), options());
            assertEquals(Outcome.DONE, report.outcome(), report::toString);
            assertEquals(disk.name().toString(), report.image());
            assertEquals(Optional.of("raw"), report.format());
            assertEquals(List.of(), Files.list(dir.resolve("undo")).toList(), "no journal left after a clean run");
        }
        DiskInjectionTest.assertEverything(img, 0, Instances.full());
        assertClean(img, 0);
    }

    @Test
    void anNbdExportOfQemuNbdOverTcpIsWritten() throws Exception {
        Path img = image();
        NbdServer server = NbdServer.qemuNbdTcp(img, "disk0", dir);
        NbdTarget disk = NbdTarget.parse(server.uri());
        assertTrue(server.uri().startsWith("nbd://127.0.0.1:"), server.uri());
        injectAndCheck(img, disk, Optional.empty(), server);
    }

    @Test
    void anNbdExportOfQemuStorageDaemonOverAUnixSocketIsWritten() throws Exception {
        Path img = image();
        NbdServer server = NbdServer.storageDaemonUnix(img, "disk0", dir.resolve("nbd.sock"), dir);
        injectAndCheck(img, NbdTarget.parse(server.uri()), Optional.empty(), server);
    }

    /**
     * XFS on a disk behind an NBD server: the libguestfs backend reaches it through our own NBD export
     * of the open disk (as for RBD images), writes everything, and the result passes xfs_repair and
     * reads back as DiskInjectionTest's guest with the instance's data.
     */
    @Test
    void anXfsDiskBehindAnNbdServerIsWrittenByLibguestfsThroughOurExport() throws Exception {
        Path tree = DiskInjectionTest.tree(dir.resolve("xfs-tree"));
        Path treeTar = dir.resolve("tree.tar");
        runOk("tar", "--numeric-owner", "-C", tree.toString(), "-cf", treeTar.toString(), ".");
        Path img = GuestImages.sparse(dir.resolve("xfs.img"), 320L << 20); // mkfs.xfs wants 300 MiB
        runOk("mkfs.xfs", "-q", img.toString());
        RbdGuestfsInjectionTest.guestfish(String.join("\n", "add " + img + " format:raw", "run",
                "mount /dev/sda /", "tar-in " + treeTar + " /", "umount-all", ""));
        NbdServer server = NbdServer.storageDaemonUnix(img, "disk0", dir.resolve("nbd.sock"), dir);
        InjectionReport report;
        try (server) {
            report = RbdGuestfsInjectionTest.plain().inject(NbdTarget.parse(server.uri()), Optional.empty(),
                    Instances.full(), options().withPartition(0));
        }
        assertEquals(Outcome.DONE, report.outcome(), report::toString);
        assertEquals(Optional.of("guestfs"), report.backend());
        assertEquals(Optional.of("the whole disk (xfs)"), report.target());
        assertTrue(report.notes().stream().anyMatch(n -> n.contains("reached the network disk through an NBD export")),
                report.notes().toString());
        assertEquals(List.of(), Files.list(dir.resolve("undo")).toList(), "no journal left after a clean run");
        runOk("xfs_repair", "-n", "-f", img.toString());
        Path copy = RbdGuestfsInjectionTest.readBack(dir, List.of(img), List.of("/dev/sda")).getFirst();
        DiskInjectionTest.assertEverything(copy, 0, Instances.full());
    }

    @Test
    void anNbdServerThatIsNotThereIsNamedAndNothingIsLeftRunning() throws Exception {
        int port = NbdServer.freePort();
        NbdTarget disk = NbdTarget.parse("nbd://127.0.0.1:" + port + "/disk0");
        QemuExportException e = assertThrows(QemuExportException.class,
                () -> injector.inject(disk, Optional.empty(), Instances.full(), options()));
        assertTrue(e.getMessage().startsWith("nbd:127.0.0.1:" + port + "/disk0: qemu-storage-daemon exited"),
                e.getMessage());
        assertTrue(e.getMessage().contains("Connection refused"), e.getMessage());
        try (var left = Files.list(dir)) {
            assertEquals(List.of(), left.filter(p -> p.getFileName().toString().startsWith(QemuStorageExport.DIR_PREFIX))
                    .toList());
        }
    }

    @Test
    void anIscsiLunOfTgtdWithChapIsWrittenAndThePasswordIsOnNoCommandLine() throws Exception {
        Optional<String> unavailable = TgtdTarget.unavailable();
        assumeTrue(unavailable.isEmpty(), () -> "no private tgtd: " + unavailable.orElseThrow());
        Path img = image();
        TgtdTarget tgtd = TgtdTarget.start(img, Optional.of(new TgtdTarget.Chap(CHAP_USER, CHAP_PASSWORD)), dir);
        IscsiTarget disk = IscsiTarget.parse(tgtd.uri(Optional.of(CHAP_USER)));
        Path file = Files.writeString(dir.resolve("chap-password"), CHAP_PASSWORD + "\n");
        ChapPassword password = ChapPassword.fromFile(file);
        try {
            // while the daemon serves the LUN: its command line holds no password, and the secret file is gone
            try (DiskImage open = DiskImage.openNetwork(disk, Optional.of(password), false,
                    QemuStorageExport.Settings.defaults().withTempRoot(dir))) {
                QemuStorageExport export = open.export().orElseThrow();
                String cmdline = new String(Files.readAllBytes(Path.of("/proc", Long.toString(export.pid()), "cmdline")),
                        StandardCharsets.UTF_8);
                assertTrue(cmdline.contains("\"password-secret\":\"chap0\""), cmdline);
                assertTrue(cmdline.contains("\"qom-type\":\"secret\""), cmdline);
                assertFalse(cmdline.contains(CHAP_PASSWORD), cmdline);
                try (var files = Files.list(export.workDir())) {
                    assertEquals(List.of(), files.filter(f -> f.getFileName().toString().startsWith("secret")).toList());
                }
                assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(export.workDir())));
                assertEquals(64L << 20 >> 1, open.size());
            }
            // the wrong password: the target's refusal, named; nothing written
            String before = sha256(img);
            Files.writeString(file, "not-the-password");
            BlockException wrong = assertThrows(BlockException.class, () -> injector.inject(disk,
                    Optional.of(ChapPassword.fromFile(file)), Instances.full(), options()));
            assertTrue(wrong.getMessage().contains("Authentication failure"), wrong.getMessage());
            assertFalse(wrong.getMessage().contains("not-the-password"), wrong.getMessage());
            assertEquals(before, sha256(img));
        } catch (Exception | AssertionError e) {
            tgtd.close();
            throw e;
        }
        injectAndCheck(img, disk, Optional.of(password), tgtd);
    }

    @Test
    void aMissingQemuDriverIsNamedBeforeAnythingIsWritten() throws Exception {
        Path modules = Path.of("/usr/lib/x86_64-linux-gnu/qemu");
        assumeTrue(Files.exists(modules.resolve("block-iscsi.so")), "QEMU's iscsi module is not where Debian puts it");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/bwrap")), "bubblewrap hides the module directory");
        // qemu-storage-daemon as on a host without qemu-block-extra: its module directory empty
        Path daemon = Files.writeString(dir.resolve("qemu-storage-daemon-without-modules"),
                "#!/bin/sh\nexec bwrap --dev-bind / / --tmpfs " + modules + " qemu-storage-daemon \"$@\"\n");
        Files.setPosixFilePermissions(daemon, PosixFilePermissions.fromString("rwx------"));
        QemuStorageExport.Settings d = QemuStorageExport.Settings.defaults().withTempRoot(dir);
        InjectionOptions opts = options().withExport(new QemuStorageExport.Settings(daemon.toString(), d.tempRoot(),
                d.startTimeout(), d.stopTimeout(), d.parentDeathSignal()));
        IscsiTarget disk = IscsiTarget.parse("iscsi://127.0.0.1:" + NbdServer.freePort() + "/iqn.2026-12.io.example:x/1");
        QemuExportException e = assertThrows(QemuExportException.class,
                () -> injector.inject(disk, Optional.empty(), Instances.full(), opts));
        assertTrue(e.getMessage().startsWith(disk.name() + ": QEMU's iscsi block driver is not installed here"),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("install it (Debian: the package qemu-block-extra, module block-iscsi.so)"),
                e.getMessage());
    }
}
