package io.guestdata.inject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.random.RandomGenerator;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.guestdata.inject.InjectionReport.Outcome;
import io.guestdata.inject.InjectionReport.Status;
import io.guestdata.inject.block.FilesystemType;
import io.guestdata.inject.block.ImageFormat;
import io.guestdata.inject.block.ImageInUseException;
import io.guestdata.inject.ceph.CephCluster;
import io.guestdata.inject.fs.AccessPolicy;
import io.guestdata.inject.fs.GuestFilesystem;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.fs.GuestPath;
import io.guestdata.inject.fs.OpenMode;
import io.guestdata.inject.guestfs.GuestTools;
import io.guestdata.inject.rbd.RbdImage;

import static io.guestdata.inject.GuestImages.runOk;
import static io.guestdata.inject.GuestImages.sha256;
import static io.guestdata.inject.RbdInjectionTest.SETTINGS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * XFS, Btrfs and LVM (found by {@code inspect_os} with -1) on RBD images of the real test cluster,
 * written by the libguestfs backend through our NBD export of the image, which this process holds
 * under librbd's exclusive lock throughout. The images are made by mkfs.xfs and mkfs.btrfs on the
 * host and one appliance (pvcreate, vgcreate, lvcreate, mkfs ext4, tar-in of the guest tree), imported with {@code
 * rbd import}, injected through {@link DiskInjector},
 * exported with {@code rbd export}, checked by their own tools (xfs_repair -n, btrfs check) and read
 * back by another appliance, which copies every file (cp -a) into an ext4 image that
 * {@link DiskInjectionTest#assertEverything} reads with debugfs, as for ext4 on RBD.
 */
@Tag("guestfs")
class RbdGuestfsInjectionTest {

    @RegisterExtension
    static final CephCluster.Scratch scratch = new CephCluster.Scratch();
    static CephCluster ceph;

    @TempDir
    static Path images;
    static Path xfs;
    static Path btrfs;
    static Path lvm;

    @TempDir
    Path dir;

    @BeforeAll
    static void imagesAndCluster() throws Exception {
        ceph = scratch.cluster();
        Path tree = DiskInjectionTest.tree(images);
        Path treeTar = images.resolve("tree.tar");
        runOk("tar", "--numeric-owner", "-C", tree.toString(), "-cf", treeTar.toString(), ".");
        // the LVM guest is found by inspect_os: an fstab naming its root, /bin and /usr/bin
        Files.writeString(tree.resolve("etc/fstab"), "LABEL=root / ext4 defaults 0 1\n");
        Files.createDirectories(tree.resolve("bin"));
        Files.createDirectories(tree.resolve("usr/bin"));
        Path rootTar = images.resolve("root.tar");
        runOk("tar", "--numeric-owner", "-C", tree.toString(), "-cf", rootTar.toString(), ".");
        xfs = GuestImages.sparse(images.resolve("xfs.img"), 320L << 20); // mkfs.xfs wants 300 MiB
        btrfs = GuestImages.sparse(images.resolve("btrfs.img"), 256L << 20);
        lvm = GuestImages.sparse(images.resolve("lvm.img"), 64L << 20);
        // the appliance here has no mkfs.xfs or mkfs.btrfs: the host's make them, the appliance fills them
        runOk("mkfs.xfs", "-q", xfs.toString());
        runOk("mkfs.btrfs", "-q", "-f", btrfs.toString());
        guestfish(String.join("\n",
                "add " + xfs + " format:raw", "add " + btrfs + " format:raw", "add " + lvm + " format:raw", "run",
                "pvcreate /dev/sdc", "vgcreate vg /dev/sdc", "lvcreate root vg 48", "mkfs ext4 /dev/vg/root label:root",
                "mkmountpoint /x", "mkmountpoint /b", "mkmountpoint /l",
                "mount /dev/sda /x", "mount /dev/sdb /b", "mount /dev/vg/root /l",
                "tar-in " + treeTar + " /x", "tar-in " + treeTar + " /b",
                "tar-in " + rootTar + " /l",
                "umount-all", ""));
    }

    /** Runs a guestfish script (its own appliance, settings as the other libguestfs tests use). */
    static String guestfish(String script) {
        List<String> command = List.of("guestfish", "--no-progress-bars");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        if (System.getenv("LIBGUESTFS_BACKEND_SETTINGS") == null) {
            pb.environment().put("LIBGUESTFS_BACKEND", "direct");
            pb.environment().put("LIBGUESTFS_BACKEND_SETTINGS", "force_tcg");
        }
        try {
            Process p = pb.start();
            try (var in = p.getOutputStream()) {
                in.write(script.getBytes(StandardCharsets.UTF_8));
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), () -> "guestfish:\n" + script + "\n" + out);
            return out;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    InjectionOptions options() {
        return RbdInjectionTest.options(dir);
    }

    String imported(Path local) {
        return RbdInjectionTest.imported(scratch, local, "guestfs");
    }

    Path exported(String name) {
        return RbdInjectionTest.exported(dir, name);
    }

    /** What a hook saw while libguestfs had the image open through our export. */
    static final class Observed {
        ImageTarget target;
        Exception secondOpen;
        String lockList;
        List<String> qemuCommandLines = new ArrayList<>();
    }

    /** The real libguestfs backend, with {@code hook} run on what it opened (while it is open). */
    record HookedBackend(GuestfsBackend real, Hook hook) implements ImageFileBackend {
        interface Hook {
            GuestFilesystem opened(ImageTarget target, GuestFilesystem fs) throws IOException;
        }

        @Override
        public String name() {
            return real.name();
        }

        @Override
        public boolean supports(FilesystemType type) {
            return real.supports(type);
        }

        @Override
        public Optional<String> unavailable() {
            return real.unavailable();
        }

        @Override
        public Set<ImageFormat> formats() {
            return real.formats();
        }

        @Override
        public Opened openImage(ImageTarget target, OpenMode mode) throws GuestFsException, IOException {
            Opened opened = real.openImage(target, mode);
            return new Opened(hook.opened(target, opened.filesystem()), opened.target());
        }
    }

    DiskInjector injector(HookedBackend.Hook hook) {
        return new DiskInjector(new FilesystemBackends(List.of(new Ext2fsBackend(),
                new HookedBackend(new GuestfsBackend(GuestTools.settings()), hook))), RandomGenerator.of("L64X128MixRandom"));
    }

    static DiskInjector plain() {
        return new DiskInjector(FilesystemBackends.thisBuild(GuestTools.settings()), RandomGenerator.of("L64X128MixRandom"));
    }

    /** The command lines of the QEMU processes this JVM started (libguestfs' appliance). */
    static List<String> qemuCommandLines() {
        return ProcessHandle.current().descendants().map(p -> p.info().commandLine().orElse(""))
                .filter(c -> c.contains("qemu-system")).toList();
    }

    static void assertInjected(InjectionReport report, String target) {
        assertEquals(Outcome.DONE, report.outcome(), () -> String.valueOf(report));
        assertEquals(0, report.count(Status.FAILED) + report.count(Status.REFUSED) + report.count(Status.NOT_WRITTEN));
        assertEquals(Optional.of("guestfs"), report.backend());
        assertEquals(Optional.of("raw"), report.format());
        assertEquals(Optional.of(target), report.target());
        assertTrue(report.notes().stream().anyMatch(n -> n.contains("NBD export on a private Unix socket")),
                report.notes().toString());
    }

    /**
     * One test for the three filesystems, so the images are read back in one appliance: XFS (with the
     * lock, the QEMU command line and a local-file run beside it), Btrfs, and LVM with -1.
     */
    @Test
    void xfsBtrfsAndLvmAreInjectedIntoRbdImagesUnderOurLock() throws Exception {
        String xfsName = imported(xfs);
        String btrfsName = imported(btrfs);
        String lvmName = imported(lvm);
        Observed seen = new Observed();
        DiskInjector observing = injector((target, fs) -> {
            seen.target = target;
            seen.qemuCommandLines.addAll(qemuCommandLines());
            seen.lockList = ceph.rbdAdminOk("lock", "ls", ceph.pool() + "/" + xfsName);
            try (RbdImage second = RbdImage.open(RbdInjectionTest.target(xfsName), true, SETTINGS)) {
                seen.secondOpen = null;
            } catch (Exception e) {
                seen.secondOpen = e;
            }
            return fs;
        });

        long t0 = System.nanoTime();
        InjectionReport xfsReport = observing.inject(RbdInjectionTest.target(xfsName), SETTINGS, Instances.full(),
                options().withPartition(0));
        long rbdMs = (System.nanoTime() - t0) / 1_000_000;
        Path local = Files.copy(xfs, dir.resolve("local-xfs.img"));
        t0 = System.nanoTime();
        InjectionReport localReport = plain().inject(local, Instances.full(), options().withPartition(0));
        long fileMs = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("RbdGuestfsInjectionTest: libguestfs injection into a 320 MiB XFS RBD image " + rbdMs
                + " ms, the same image as a local file " + fileMs + " ms");
        assertInjected(xfsReport, "the whole disk (xfs)");
        assertEquals(Outcome.DONE, localReport.outcome(), () -> String.valueOf(localReport));

        // while libguestfs ran: our export, our lock, nobody else's open, no key or cluster on QEMU's command line
        assertNotNull(seen.target);
        Path socket = seen.target.nbdSocket().orElseThrow();
        assertFalse(Files.exists(socket), "the socket is removed");
        assertFalse(Files.exists(socket.getParent()), "its directory is removed");
        ImageInUseException inUse = assertInstanceOf(ImageInUseException.class, seen.secondOpen);
        assertTrue(inUse.getMessage().contains("rbd:" + ceph.pool() + "/" + xfsName), inUse.getMessage());
        assertTrue(seen.lockList.contains("auto "), "librbd's exclusive lock is held: " + seen.lockList);
        assertEquals(1, seen.qemuCommandLines.size(), seen.qemuCommandLines.toString());
        String qemu = seen.qemuCommandLines.getFirst();
        assertTrue(qemu.contains(socket.toString()), qemu);
        for (String secret : List.of("rbd", "key", "secret", "keyring", ceph.conf().toString(), ceph.monHost())) {
            assertFalse(qemu.contains(secret), secret + " on QEMU's command line: " + qemu);
        }
        assertEquals("", ceph.rbdAdminOk("lock", "ls", ceph.pool() + "/" + xfsName).strip(), "the lock is released");

        InjectionReport btrfsReport = plain().inject(RbdInjectionTest.target(btrfsName), SETTINGS, Instances.full(),
                options().withPartition(0));
        assertInjected(btrfsReport, "the whole disk (btrfs)");
        InjectionReport lvmReport = plain().inject(RbdInjectionTest.target(lvmName), SETTINGS, Instances.full(),
                options().withPartition(-1));
        assertInjected(lvmReport, "the OS root found by inspect_os: /dev/vg/root on /");
        assertTrue(lvmReport.notes().stream().anyMatch(n -> n.contains("inspect_os")), lvmReport.notes().toString());
        assertEquals(List.of(), RbdInjectionTest.listUndo(dir), "no journal left");

        Path xfsOut = exported(xfsName);
        Path btrfsOut = exported(btrfsName);
        Path lvmOut = exported(lvmName);
        runOk("xfs_repair", "-n", "-f", xfsOut.toString());
        runOk("btrfs", "check", "--readonly", btrfsOut.toString());
        List<Path> copies = readBack(dir, List.of(xfsOut, btrfsOut, lvmOut), List.of("/dev/sda", "/dev/sdb", "/dev/vg/root"));
        for (Path copy : copies) {
            DiskInjectionTest.assertEverything(copy, 0, Instances.full());
        }
    }

    /**
     * A dry run: the export is read-only, the drive is added read-only, the report plans everything,
     * and the image is unchanged.
     */
    @Test
    void aDryRunReadsThroughAReadOnlyExportAndWritesNothing() throws Exception {
        String name = imported(xfs);
        String before = sha256(exported(name));
        Observed seen = new Observed();
        InjectionReport report = injector((target, fs) -> {
            seen.target = target;
            seen.qemuCommandLines.addAll(qemuCommandLines());
            return fs;
        }).inject(RbdInjectionTest.target(name), SETTINGS, Instances.full(), options().withPartition(0).withDryRun(true));
        assertEquals(Outcome.PLANNED, report.outcome(), () -> String.valueOf(report));
        assertEquals(Optional.of("guestfs"), report.backend());
        assertTrue(seen.target.nbdSocket().isPresent());
        assertTrue(seen.qemuCommandLines.getFirst().contains("readonly") || seen.qemuCommandLines.getFirst().contains("snapshot")
                || seen.qemuCommandLines.getFirst().contains("overlay"), seen.qemuCommandLines.toString());
        assertEquals(before, sha256(exported(name)), "nothing written");
    }

    /**
     * The appliance dies after the first file was written (its QEMU killed): nothing reaches the RBD
     * image (libguestfs' writes are committed only after a clean shut-down), the report says none of
     * it was written, the lock is released and no journal is left.
     */
    @Test
    void anApplianceKilledMidRunLeavesTheImageAsItWas() throws Exception {
        String name = imported(xfs);
        String before = sha256(exported(name));
        List<Long> killed = new ArrayList<>();
        InjectionReport report = injector((target, fs) -> new ForwardingFilesystem(fs) {
            @Override
            public void append(GuestPath file, byte[] content, AccessPolicy policy) throws GuestFsException {
                super.append(file, content, policy);
                ProcessHandle.current().descendants().filter(p -> p.info().commandLine().orElse("").contains("qemu-system"))
                        .forEach(p -> {
                            killed.add(p.pid());
                            p.destroyForcibly();
                        });
            }
        }).inject(RbdInjectionTest.target(name), SETTINGS, Instances.full(), options().withPartition(0));
        assertEquals(1, killed.size(), killed.toString());
        assertEquals(Outcome.FAILED, report.outcome(), () -> String.valueOf(report));
        assertEquals(0, report.count(Status.WRITTEN), () -> String.valueOf(report));
        assertTrue(report.notes().stream().anyMatch(n -> n.contains("none of its writes were committed")),
                report.notes().toString());
        assertEquals(before, sha256(exported(name)), "nothing written");
        assertEquals("", ceph.rbdAdminOk("lock", "ls", ceph.pool() + "/" + name).strip(), "the lock is released");
        assertEquals(List.of(), RbdInjectionTest.listUndo(dir), "no journal left");
    }

    /**
     * Copies every file of each filesystem (cp -a: modes, owners, contents) into a new ext4 image,
     * in one read-only appliance.
     */
    static List<Path> readBack(Path dir, List<Path> disks, List<String> devices) throws IOException {
        StringBuilder script = new StringBuilder();
        List<Path> copies = new ArrayList<>();
        for (Path d : disks) {
            script.append("add ").append(d).append(" format:raw readonly:true\n");
        }
        Path empty = Files.createDirectories(dir.resolve("empty"));
        for (int i = 0; i < disks.size(); i++) {
            Path copy = GuestImages.wholeDisk(dir, "copy" + i + ".img", empty, 64, "-t", "ext4");
            copies.add(copy);
            script.append("add ").append(copy).append(" format:raw\n");
        }
        script.append("run\n");
        for (int i = 0; i < disks.size(); i++) {
            script.append("mkmountpoint /s").append(i).append("\nmkmountpoint /d").append(i).append('\n');
        }
        for (int i = 0; i < disks.size(); i++) {
            script.append("mount-ro ").append(devices.get(i)).append(" /s").append(i).append('\n');
            script.append("mount /dev/sd").append((char) ('a' + disks.size() + i)).append(" /d").append(i).append('\n');
            script.append("glob cp-a /s").append(i).append("/[a-km-z]* /d").append(i).append("/\n");
        }
        script.append("umount-all\n");
        guestfish(script.toString());
        return copies;
    }
}
