package io.guestdata.inject;

import io.guestdata.testkit.ToolTest;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.guestdata.inject.InjectionReport.Outcome;
import io.guestdata.inject.block.BlockException;
import io.guestdata.inject.block.ImageFormat;
import io.guestdata.inject.block.ImageInUseException;
import io.guestdata.inject.block.ImageLock;
import io.guestdata.inject.block.InjectPartition;
import io.guestdata.inject.block.PartitionSelectionException;
import io.guestdata.inject.block.QemuStorageExport;
import io.guestdata.inject.fs.Ext2Filesystem;
import io.guestdata.inject.fs.GuestFilesystem;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.fs.OpenMode;
import io.guestdata.inject.guestfs.GuestfsDrive;

import static io.guestdata.inject.GuestImages.assertClean;
import static io.guestdata.inject.GuestImages.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How {@link DiskInjector} hands images to the guestfs backend, without an appliance: the backend's
 * launcher is replaced by one that records what it was given (image format, partition, read-only),
 * checks that nothing holds the image at that moment, and opens the ext filesystem the test says
 * libguestfs would have found with libext2fs. The real launches are in {@code GuestfsInjectCommandTest}
 * (CLI) and {@code GuestfsBackendLockTest}.
 */
@ToolTest
class GuestfsWiringTest {

    private static final long P1 = 2048L * 512;
    private static final long P2 = 34816L * 512;

    @TempDir
    Path dir;

    /** A libguestfs stand-in. */
    static final class FakeLauncher implements GuestfsBackend.Launcher {
        final List<String> calls = new ArrayList<>();
        Optional<String> unavailable = Optional.empty();
        int availabilityAsked;
        long offset;
        boolean fail;

        @Override
        public Optional<String> unavailable() {
            availabilityAsked++;
            return unavailable;
        }

        @Override
        public GuestFilesystem open(GuestfsDrive drive, InjectPartition target, boolean readOnly)
                throws GuestFsException {
            Path image = ((GuestfsDrive.File) drive).image();
            String format = ((GuestfsDrive.File) drive).format();
            boolean held;
            try {
                held = ImageLock.isLockedByOthers(image);
            } catch (BlockException e) {
                throw new AssertionError(e);
            }
            calls.add(format + " " + target + " " + (readOnly ? "ro" : "rw") + (held ? " HELD" : ""));
            if (fail) {
                throw new GuestFsException(GuestFsException.Kind.OPEN_FAILED, "open " + image, null,
                        "launching the appliance: guestfs_launch failed");
            }
            return Ext2Filesystem.open(image, offset, readOnly ? OpenMode.READ_ONLY : OpenMode.READ_WRITE);
        }
    }

    private final FakeLauncher libguestfs = new FakeLauncher();
    private final DiskInjector injector = new DiskInjector(new FilesystemBackends(List.of(new Ext2fsBackend(),
            new GuestfsBackend(libguestfs))), RandomGenerator.of("L64X128MixRandom"));

    private InjectionOptions options() {
        return InjectionOptions.defaults().withExport(QemuStorageExport.Settings.defaults().withTempRoot(dir));
    }

    private InjectionOptions guestfs() {
        return options().withBackend(FilesystemBackends.Choice.GUESTFS);
    }

    private Path wholeDisk() {
        return GuestImages.wholeDisk(dir, "disk.img", GuestImages.skeleton(dir), 32, "-t", "ext4");
    }

    /** MBR: partition 1 ext4 (the tree, or empty), partition 2 ext4 with "XFSB" over its first bytes: xfs by its magic. */
    private Path withXfsPartition2(boolean root1) throws IOException {
        Path tree = GuestImages.skeleton(dir);
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Path img = GuestImages.mbrDisk(dir, "mbr.img", root1 ? tree : empty, tree);
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.seek(P2);
            f.write("XFSB".getBytes(StandardCharsets.US_ASCII)); // ext keeps its superblock at 1024
        }
        return img;
    }

    private static void assertInjected(Path img, long offset) {
        GuestImages.assertFile(img, offset, "/meta.js", 0644, 0, 0, null);
        assertTrue(GuestImages.cat(img, offset, "/root/.ssh/authorized_keys")
                .contains("# The following ssh key was injected by Nova\n"));
        assertTrue(GuestImages.cat(img, offset, "/etc/shadow").startsWith("root:$6$"));
        assertClean(img, offset);
    }

    @Test
    void autoKeepsExtInProcessAndNeverAsksForLibguestfs() throws Exception {
        Path img = wholeDisk();
        InjectionReport report = injector.inject(img, Instances.full(), options());
        assertEquals(Outcome.DONE, report.outcome(), report::toString);
        assertEquals(Optional.of("ext2fs"), report.backend());
        assertEquals(List.of(), libguestfs.calls);
        assertEquals(0, libguestfs.availabilityAsked, "the ext path must not load libguestfs");
        assertInjected(img, 0);
    }

    @Test
    void namedGuestfsGetsTheOriginalImageWithItsFormatAndPartitionAndNothingHoldsIt() throws Exception {
        Path img = wholeDisk();
        InjectionReport report = injector.inject(img, Instances.full(), guestfs().withPartition(0));
        assertEquals(List.of("raw WholeDisk[] rw"), libguestfs.calls);
        assertEquals(Outcome.DONE, report.outcome(), report::toString);
        assertEquals(Optional.of("guestfs"), report.backend());
        assertEquals(Optional.of("raw"), report.format());
        assertEquals(Optional.of("the whole disk (ext4)"), report.target());
        assertInjected(img, 0);
    }

    @Test
    void namedGuestfsWithMinusOneLetsLibguestfsInspect() throws Exception {
        Path img = wholeDisk();
        InjectionReport report = injector.inject(img, Instances.full(), guestfs());
        assertEquals(List.of("raw Find[] rw"), libguestfs.calls);
        assertEquals(Optional.of("the OS root"), report.target());
        assertInjected(img, 0);
    }

    @Test
    void aDryRunOpensReadOnlyAndWritesNothing() throws Exception {
        Path img = wholeDisk();
        String before = sha256(img);
        InjectionReport report = injector.inject(img, Instances.full(), guestfs().withDryRun(true).withPartition(0));
        assertEquals(List.of("raw WholeDisk[] ro"), libguestfs.calls);
        assertEquals(Outcome.PLANNED, report.outcome(), report::toString);
        assertTrue(report.dryRun());
        assertEquals(before, sha256(img));
    }

    @Test
    void autoTakesGuestfsForAnXfsPartition() throws Exception {
        Path img = withXfsPartition2(true);
        libguestfs.offset = P2;
        InjectionReport report = injector.inject(img, Instances.full(), options().withPartition(2));
        assertEquals(List.of("raw Number[number=2] rw"), libguestfs.calls);
        assertEquals(Optional.of("guestfs"), report.backend());
        assertEquals(Optional.of("partition 2 (xfs)"), report.target());
        assertInjected(img, P2);
    }

    @Test
    void minusOneLeavesTheChoiceToLibguestfsWhenACandidateIsXfs() throws Exception {
        for (boolean extRoot : List.of(true, false)) {
            // an ext root beside an XFS partition (it may be /srv of that root, or a root itself), and
            // an ext data partition beside an XFS one: libguestfs inspects them all
            Path img = withXfsPartition2(extRoot);
            libguestfs.calls.clear();
            libguestfs.offset = P2;
            InjectionReport report = injector.inject(img, Instances.full(), options());
            assertEquals(List.of("raw Find[] rw"), libguestfs.calls, "ext root on partition 1: " + extRoot);
            assertEquals(Optional.of("guestfs"), report.backend());
            assertTrue(report.notes().getFirst().startsWith("partition -1: partition 2 (xfs) is inspected by the guestfs"
                    + " backend, which found the OS root among all candidates (libguestfs inspect_os)"), report::toString);
            assertInjected(img, P2);
            Files.delete(img);
        }
    }

    @Test
    void namedExt2fsStillRefusesToGuessPastAnXfsCandidate() throws Exception {
        Path img = withXfsPartition2(true);
        PartitionSelectionException e = assertThrows(PartitionSelectionException.class, () -> injector.inject(img,
                Instances.full(), options().withBackend(FilesystemBackends.Choice.EXT2FS)));
        assertTrue(e.getMessage().contains("partition 1 holds an OS root, but other candidates could not be inspected"
                + " (partition 2 holds xfs, which the ext2fs backend does not read; use --backend guestfs or auto)"),
                e.getMessage());
        assertEquals(List.of(), libguestfs.calls);
    }

    @Test
    void withoutLibguestfsInstalledTheMessageSaysWhatToInstall() throws Exception {
        libguestfs.unavailable = Optional.of("libguestfs' Java binding not found (no jar, no libguestfs_jni.so; looked at"
                + " /usr/share/java/libguestfs.jar). Install the Debian packages libguestfs-java and libguestfs-tools");
        Path img = withXfsPartition2(true);
        String before = sha256(img);
        BackendUnavailableException auto = assertThrows(BackendUnavailableException.class,
                () -> injector.inject(img, Instances.full(), options().withPartition(2)));
        assertEquals("partition 2 of " + img + " holds xfs, which needs the guestfs backend, and it cannot be used: "
                + libguestfs.unavailable.get(), auto.getMessage());
        BackendUnavailableException named = assertThrows(BackendUnavailableException.class,
                () -> injector.inject(img, Instances.full(), guestfs()));
        assertEquals("the guestfs backend cannot be used: " + libguestfs.unavailable.get(), named.getMessage());
        // -1 cannot leave the choice to libguestfs: it refuses to guess, as without the backend
        PartitionSelectionException minusOne = assertThrows(PartitionSelectionException.class,
                () -> injector.inject(img, Instances.full(), options()));
        assertTrue(minusOne.getMessage().contains("not be inspected (partition 2 holds xfs, which needs the guestfs"
                + " backend, and it cannot be used: libguestfs' Java binding not found"), minusOne.getMessage());
        assertEquals(List.of(), libguestfs.calls);
        assertEquals(before, sha256(img));
    }

    @Test
    void qcow2IsHandedOverWithItsFormatAfterOurDaemonStopped() throws Exception {
        Path qcow2 = GuestImages.toQcow2(wholeDisk(), dir.resolve("disk.qcow2"));
        String before = sha256(qcow2);
        libguestfs.fail = true;
        GuestFsException e = assertThrows(GuestFsException.class,
                () -> injector.inject(qcow2, Instances.full(), guestfs().withPartition(0)));
        assertTrue(e.getMessage().contains("guestfs_launch failed"), e.getMessage());
        assertEquals(List.of("qcow2 WholeDisk[] rw"), libguestfs.calls); // not HELD: qemu-storage-daemon is gone
        assertEquals(before, sha256(qcow2));
    }

    @Test
    void otherFormatsAreNotHandedToLibguestfs() throws Exception {
        Path vmdk = dir.resolve("disk.vmdk");
        GuestImages.runOk("qemu-img", "convert", "-q", "-f", "raw", "-O", "vmdk", wholeDisk().toString(), vmdk.toString());
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> injector.inject(vmdk, Instances.full(), guestfs()));
        assertEquals(vmdk + " is a vmdk image; the guestfs backend opens qcow2 and raw images only: convert it"
                + " (qemu-img convert -O qcow2) or choose another backend", e.getMessage());
        assertEquals(List.of(), libguestfs.calls);
    }

    @Test
    void anImageInUseIsRefusedBeforeLibguestfsIsAsked() throws Exception {
        Path img = wholeDisk();
        String before = sha256(img);
        Process vm = holdImage(img);
        try {
            ImageInUseException e = assertThrows(ImageInUseException.class,
                    () -> injector.inject(img, Instances.full(), guestfs().withPartition(0)));
            assertTrue(e.getMessage().startsWith(img + ": image is in use"), e.getMessage());
            ImageInUseException d = assertThrows(ImageInUseException.class,
                    () -> injector.inject(img, Instances.full(), guestfs().withPartition(0).withDryRun(true)));
            assertTrue(d.getMessage().contains("a real run would be refused"), d.getMessage());
            assertEquals(List.of(), libguestfs.calls);

            // a launch that fails while another process holds the image (it took it after our check)
            libguestfs.fail = true;
            GuestfsBackend backend = new GuestfsBackend(libguestfs);
            ImageInUseException late = assertThrows(ImageInUseException.class, () -> backend.openImage(
                    new ImageTarget(img, ImageFormat.RAW, new InjectPartition.WholeDisk(), Optional.empty()),
                    OpenMode.READ_WRITE));
            assertTrue(late.getMessage().startsWith(img + ": image is in use: libguestfs' QEMU could not lock it"),
                    late.getMessage());
        } finally {
            vm.destroy();
            vm.waitFor(10, TimeUnit.SECONDS);
        }
        assertEquals(before, sha256(img));
    }

    /** A qemu-storage-daemon exporting the image writable over NBD: QEMU's locks, as a running VM's. */
    static Process holdImage(Path img) throws IOException, InterruptedException {
        Path socket = img.resolveSibling(img.getFileName() + ".sock");
        Path log = img.resolveSibling(img.getFileName() + ".vm.log");
        Process vm = new ProcessBuilder("qemu-storage-daemon",
                "--blockdev", "{\"driver\":\"file\",\"filename\":\"" + img + "\",\"node-name\":\"f\"}",
                "--blockdev", "{\"driver\":\"raw\",\"file\":\"f\",\"node-name\":\"img\"}",
                "--nbd-server", "addr.type=unix,addr.path=" + socket,
                "--export", "type=nbd,id=e,node-name=img,name=disk,writable=on")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.exists(socket) && vm.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        if (!Files.exists(socket)) {
            vm.destroyForcibly();
            throw new AssertionError("qemu-storage-daemon did not start: " + Files.readString(log));
        }
        return vm;
    }
}
