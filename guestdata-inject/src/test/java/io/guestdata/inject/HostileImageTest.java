package io.guestdata.inject;

import io.guestdata.testkit.ToolTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.guestdata.core.Instance;
import io.guestdata.inject.InjectionReport.Entry;
import io.guestdata.inject.InjectionReport.Outcome;
import io.guestdata.inject.InjectionReport.Status;
import io.guestdata.inject.block.ImageInUseException;
import io.guestdata.inject.block.PartitionSelectionException;
import io.guestdata.inject.block.QemuStorageExport;
import io.guestdata.inject.fs.GuestFsException;

import static io.guestdata.inject.GuestImages.assertClean;
import static io.guestdata.inject.GuestImages.sha256;
import static io.guestdata.inject.GuestImages.stat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile and unusable images: each refused with a clear message before the first write (the
 * image's SHA-256 unchanged) and e2fsck -fn still clean.
 */
@ToolTest
class HostileImageTest {

    @TempDir
    Path dir;

    private final DiskInjector injector = new DiskInjector(FilesystemBackends.thisBuild(), RandomGenerator.of("L64X128MixRandom"));
    /** A build without the guestfs backend (GuestfsWiringTest has the ones with it). */
    private final DiskInjector extOnly = new DiskInjector(new FilesystemBackends(List.of(new Ext2fsBackend())),
            RandomGenerator.of("L64X128MixRandom"));

    private InjectionOptions options() {
        return InjectionOptions.defaults().withExport(QemuStorageExport.Settings.defaults().withTempRoot(dir));
    }

    private Path image(Path tree) {
        return GuestImages.wholeDisk(dir, "disk.img", tree, 32, "-t", "ext4");
    }

    /** Injects everything; expects REFUSED, the image unchanged and clean; returns the refused entry. */
    private Entry refused(Path img, Instance instance, String path) throws Exception {
        String before = sha256(img);
        InjectionReport report = injector.inject(img, instance, options());
        assertEquals(Outcome.REFUSED, report.outcome(), () -> String.valueOf(report));
        assertEquals(0, report.count(Status.WRITTEN));
        assertEquals(before, sha256(img), "a refused plan writes nothing");
        assertClean(img, 0);
        Entry e = report.entries().stream().filter(x -> x.status() == Status.REFUSED).findFirst().orElseThrow();
        assertEquals(path, e.path().orElse(null), e::toString);
        assertTrue(report.entries().stream().allMatch(x -> x.status() == Status.REFUSED
                || x.status() == Status.NOT_WRITTEN || x.status() == Status.SKIPPED), report::toString);
        return e;
    }

    @Test
    void sshDirectorySymlinkedToEtc() throws Exception {
        Path t = GuestImages.skeleton(dir);
        Files.delete(t.resolve("root"));
        Files.createDirectories(t.resolve("root"));
        Files.createSymbolicLink(t.resolve("root/.ssh"), Path.of("/etc"));
        Entry e = refused(image(t), Instances.full(), "/root/.ssh");
        assertEquals("/root/.ssh is a symlink to /etc; guestdata writes no path through a symlink (Nova would follow"
                + " it inside the guest)", e.detail());
    }

    @Test
    void etcNetworkSymlinkedToTheRoot() throws Exception {
        Path t = GuestImages.skeleton(dir);
        Files.createSymbolicLink(t.resolve("etc/network"), Path.of("/"));
        Entry e = refused(image(t), Instances.full(), "/etc/network");
        assertTrue(e.detail().startsWith("/etc/network is a symlink to /;"), e.detail());
    }

    @Test
    void dotDotChainsInADirectorySymlinkOnTheWayToAFile() throws Exception {
        Path t = GuestImages.skeleton(dir);
        Files.createDirectories(t.resolve("opt"));
        Files.createSymbolicLink(t.resolve("opt/app"), Path.of("../../../../../etc"));
        Entry e = refused(image(t), Instances.full(), "/opt/app");
        assertEquals(InjectionItem.FILES, e.item());
        assertTrue(e.detail().startsWith("/opt/app is a symlink to ../../../../../etc;"), e.detail());
    }

    @Test
    void symlinkLoop() throws Exception {
        Path t = GuestImages.skeleton(dir);
        Files.createDirectories(t.resolve("opt"));
        Files.createSymbolicLink(t.resolve("opt/app"), Path.of("app"));
        Entry e = refused(image(t), Instances.full(), "/opt/app");
        assertTrue(e.detail().startsWith("/opt/app is a symlink to app;"), e.detail());
    }

    @Test
    void symlinkLoopInTheAccountsFiles() throws Exception {
        Path t = GuestImages.skeleton(dir);
        Files.delete(t.resolve("etc/group"));
        Files.createSymbolicLink(t.resolve("etc/group"), Path.of("group2"));
        Files.createSymbolicLink(t.resolve("etc/group2"), Path.of("group"));
        Entry e = refused(image(t), Instances.full(), "/root/.ssh");
        assertTrue(e.detail().startsWith("cannot resolve the owner root:root in the guest: read /etc/group:"), e.detail());
        assertTrue(e.detail().contains("40"), e.detail());
    }

    @Test
    void rcLocalSymlinkedAnywhereButRcDIsRefused() throws Exception {
        Path t = GuestImages.skeleton(dir);
        GuestImages.mkdirs(t, "etc/selinux");
        Files.createSymbolicLink(t.resolve("etc/rc.local"), Path.of("../../etc/shadow"));
        Entry e = refused(image(t), Instances.full(), "/etc/rc.local");
        assertEquals(InjectionItem.KEY, e.item());
        assertEquals("/etc/rc.local is a symlink to ../../etc/shadow; guestdata follows it only to /etc/rc.d/rc.local"
                + " (the RHEL layout) and writes no other path through a symlink", e.detail());
    }

    @Test
    void shadowSymlinkedToPasswd() throws Exception {
        Path t = GuestImages.skeleton(dir);
        Files.delete(t.resolve("etc/shadow"));
        Files.createSymbolicLink(t.resolve("etc/shadow"), Path.of("/etc/passwd"));
        Entry e = refused(image(t), Instances.full(), "/etc/shadow");
        assertEquals(InjectionItem.PASSWORD, e.item());
        assertTrue(e.detail().startsWith("/etc/shadow is a symlink to /etc/passwd;"), e.detail());
    }

    @Test
    void hardLinkedShadow() throws Exception {
        Path t = GuestImages.skeleton(dir);
        Files.createLink(t.resolve("etc/shadow-"), t.resolve("etc/shadow"));
        Entry e = refused(image(t), Instances.full(), "/etc/shadow");
        assertEquals("/etc/shadow has 2 hard links; writing it would change the file under its other names too",
                e.detail());
    }

    @Test
    void noRootInShadowGivesNovasError() throws Exception {
        Path t = GuestImages.skeleton(dir);
        GuestImages.write(t, "etc/shadow", "alice:!:19000:0:99999:7:::\n", "rw-r-----");
        Entry e = refused(image(t), Instances.full(), "/etc/shadow");
        assertEquals("User root not found in shadow file.", e.detail());
    }

    @Test
    void noRootInPasswdGivesNovasError() throws Exception {
        Path t = GuestImages.skeleton(dir);
        GuestImages.write(t, "etc/passwd", "alice:x:1000:1000::/home/alice:/bin/sh\n", "rw-r--r--");
        InjectionReport report = injector.inject(image(t), Instances.full(), options().withRequest(
                new InjectionRequest(java.util.Set.of(InjectionItem.PASSWORD), true, PasswordHash.SHA512, false)));
        assertEquals(Outcome.REFUSED, report.outcome());
        assertEquals("User root not found in password file.", report.entries().getFirst().detail());
        // the other items cannot resolve root:root either, and say so
        Entry e = refused(dir.resolve("disk.img"), Instances.full(), "/root/.ssh");
        assertEquals("cannot resolve the owner root:root in the guest: its /etc/passwd has no user root", e.detail());
    }

    @Test
    void fullFilesystem() throws Exception {
        Path t = GuestImages.skeleton(dir);
        Path img = image(t);
        String free = GuestImages.runOk("dumpe2fs", "-h", img.toString()).stdout().lines()
                .filter(l -> l.startsWith("Free blocks:")).findFirst().orElseThrow().replaceAll("\\D", "");
        // Fill it: fallocate all but a few of the free blocks (fewer than those reserved for root).
        GuestImages.debugfsWrite(img, 0, "write /dev/null filler", "fallocate filler 0 " + (Long.parseLong(free) - 20));
        assertClean(img, 0);
        Entry e = refused(img, Instances.full(), "/root/.ssh");
        assertTrue(e.detail().startsWith("not enough free space: the writes planned up to this one need up to "),
                e.detail());
    }

    @Test
    void tooFewFreeInodes() throws Exception {
        Path img = GuestImages.wholeDisk(dir, "disk.img", GuestImages.skeleton(dir), 32, "-t", "ext4", "-N", "16");
        String free = GuestImages.runOk("dumpe2fs", "-h", img.toString()).stdout().lines()
                .filter(l -> l.startsWith("Free inodes:")).findFirst().orElseThrow().replaceAll("\\D", "");
        for (int i = 0; i < Integer.parseInt(free) - 3; i++) {
            GuestImages.debugfsWrite(img, 0, "write /dev/null f" + i);
        }
        Entry e = refused(img, Instances.full(), "/etc/network/interfaces");
        assertEquals("not enough free inodes: the writes planned up to this one create 4 files and directories, and 3"
                + " inodes are free", e.detail());
    }

    @Test
    void journalNeedingRecovery() throws Exception {
        Path img = image(GuestImages.skeleton(dir));
        GuestImages.debugfsWrite(img, 0, "feature needs_recovery");
        String before = sha256(img);
        GuestFsException e = assertThrows(GuestFsException.class, () -> injector.inject(img, Instances.full(), options()));
        assertEquals(GuestFsException.Kind.UNSAFE_STATE, e.kind());
        assertTrue(e.getMessage().contains("the journal needs recovery"), e.getMessage());
        // a dry run fails the same way
        GuestFsException d = assertThrows(GuestFsException.class,
                () -> injector.inject(img, Instances.full(), options().withDryRun(true)));
        assertEquals(e.getMessage(), d.getMessage());
        assertEquals(before, sha256(img));
    }

    @Test
    void imageInUseByAnotherQemuUser() throws Exception {
        Path img = image(GuestImages.skeleton(dir));
        String before = sha256(img);
        Path socket = dir.resolve("nbd.sock");
        Process vm = new ProcessBuilder("qemu-storage-daemon",
                "--blockdev", "{\"driver\":\"file\",\"filename\":\"" + img + "\",\"node-name\":\"f\"}",
                "--blockdev", "{\"driver\":\"raw\",\"file\":\"f\",\"node-name\":\"img\"}",
                "--nbd-server", "addr.type=unix,addr.path=" + socket,
                "--export", "type=nbd,id=e,node-name=img,name=disk,writable=on")
                .redirectErrorStream(true).redirectOutput(dir.resolve("vm.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!Files.exists(socket) && vm.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(Files.exists(socket), () -> "qemu-storage-daemon did not start: " + read(dir.resolve("vm.log")));
            ImageInUseException e = assertThrows(ImageInUseException.class,
                    () -> injector.inject(img, Instances.full(), options()));
            assertTrue(e.getMessage().startsWith(img + ": image is in use"), e.getMessage());
            ImageInUseException d = assertThrows(ImageInUseException.class,
                    () -> injector.inject(img, Instances.full(), options().withDryRun(true)));
            assertTrue(d.getMessage().contains("a real run would be refused"), d.getMessage());
        } finally {
            vm.destroy();
            vm.waitFor(10, TimeUnit.SECONDS);
        }
        assertEquals(before, sha256(img));
        assertClean(img, 0);
    }

    @Test
    void twoOsRootsAreNamedAndNothingIsChosen() throws Exception {
        Path img = GuestImages.mbrDisk(dir, "mbr.img", GuestImages.skeleton(dir), GuestImages.skeleton(dir));
        String before = sha256(img);
        PartitionSelectionException e = assertThrows(PartitionSelectionException.class,
                () -> injector.inject(img, Instances.full(), options()));
        assertTrue(e.getMessage().contains("multi-boot operating system found: partition 1 (ext4), partition 2 (ext4)"),
                e.getMessage());
        assertEquals(before, sha256(img));
    }

    @Test
    void noOsRootIsAnError() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data/etc"));
        Files.writeString(data.resolve("passwd"), "root:x:0:0::/root:/bin/sh\n"); // passwd, but no init, no os-release
        Path img = GuestImages.mbrDisk(dir, "mbr.img", dir.resolve("data"), null);
        PartitionSelectionException e = assertThrows(PartitionSelectionException.class,
                () -> injector.inject(img, Instances.full(), options()));
        assertTrue(e.getMessage().contains("no operating system found (candidates: partition 1 (ext4))"), e.getMessage());
    }

    @Test
    void anXfsRootNeedsTheGuestfsBackend() throws Exception {
        Path img = GuestImages.sparse(dir.resolve("xfs.img"), 320L << 20);
        GuestImages.runOk("mkfs.xfs", "-q", img.toString());
        String before = sha256(img);
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> extOnly.inject(img, Instances.full(), options().withPartition(0)));
        assertEquals("the whole disk of " + img + " holds xfs: it needs the guestfs backend (libguestfs), and the"
                + " libguestfs backend is not available in this build", e.getMessage());
        // partition -1 says which candidate it could not look into
        PartitionSelectionException p = assertThrows(PartitionSelectionException.class,
                () -> extOnly.inject(img, Instances.full(), options()));
        assertTrue(p.getMessage().contains("not inspected: the whole disk holds xfs: it needs the guestfs backend"),
                p.getMessage());
        assertEquals(before, sha256(img));
    }

    @Test
    void theGuestfsBackendIsNotInThisBuild() throws Exception {
        Path img = image(GuestImages.skeleton(dir));
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> extOnly.inject(img, Instances.full(), options().withBackend(FilesystemBackends.Choice.GUESTFS)));
        assertEquals("libguestfs backend not available in this build", e.getMessage());
    }

    @Test
    void bestEffortWritesTheOtherItemsAndSaysWhatWasNot() throws Exception {
        Path t = GuestImages.skeleton(dir);
        Files.delete(t.resolve("root"));
        Files.createDirectories(t.resolve("root"));
        Files.createSymbolicLink(t.resolve("root/.ssh"), Path.of("/etc"));
        Path img = image(t);
        InjectionReport report = injector.inject(img, Instances.full(), options().withBestEffort(true));
        assertEquals(Outcome.PARTIAL, report.outcome(), report::toString);
        List<String> keyRows = new ArrayList<>();
        for (Entry e : report.entries()) {
            if (e.item() == InjectionItem.KEY) {
                keyRows.add(e.status() + " " + e.path().orElse("-"));
            } else {
                assertEquals(Status.WRITTEN, e.status(), e::toString);
            }
        }
        assertEquals(List.of("REFUSED /root/.ssh"), keyRows);
        assertNull(stat(img, 0, "/etc/authorized_keys"));
        GuestImages.assertFile(img, 0, "/meta.js", 0644, 0, 0, DiskInjectionTest.META_JS);
        assertClean(img, 0);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
