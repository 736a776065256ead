package io.guestdata.inject;

import io.guestdata.inject.fs.Ext2Tools;
import io.guestdata.testkit.CephTest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.guestdata.inject.InjectionReport.Outcome;
import io.guestdata.inject.InjectionReport.Status;
import io.guestdata.inject.block.BlockDevice;
import io.guestdata.inject.block.DiskImage;
import io.guestdata.inject.block.FailingDisk;
import io.guestdata.inject.block.ImageInUseException;
import io.guestdata.inject.block.UndoJournal;
import io.guestdata.inject.ceph.CephCluster;
import io.guestdata.inject.guestfs.GuestfsSettings;
import io.guestdata.inject.sandbox.Ext2fsSandbox;
import io.guestdata.inject.sandbox.SandboxSettings;
import io.guestdata.inject.rbd.RbdImage;
import io.guestdata.inject.rbd.RbdTarget;

import static io.guestdata.inject.GuestImages.assertClean;
import static io.guestdata.inject.GuestImages.sha256;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole injection pipeline (partition tables, the ext2/3/4 backend, the undo journal) on RBD
 * images of the real test cluster, as on raw files: images made by mke2fs -d, imported with
 * {@code rbd import}, injected through {@link DiskInjector}, exported with {@code rbd export} and
 * read back by debugfs and e2fsck -fn, as {@link DiskInjectionTest} reads files.
 */
@CephTest
class RbdInjectionTest {

    @RegisterExtension
    static final CephCluster.Scratch scratch = new CephCluster.Scratch();
    private final CephCluster ceph = scratch.cluster();

    @TempDir
    Path dir;

    private final DiskInjector injector = new DiskInjector(FilesystemBackends.thisBuild(),
            RandomGenerator.of("L64X128MixRandom"));

    InjectionOptions options() {
        return options(dir);
    }

    /** Daemons' and undo journals' directories below {@code dir}. */
    static InjectionOptions options(Path dir) {
        return GuestImages.options(dir);
    }

    static final RbdImage.Settings SETTINGS = new RbdImage.Settings(Duration.ofSeconds(20));

    String imported(Path local) {
        return imported(scratch, local, "inject");
    }

    /**
     * {@code rbd import} of a local image as client.admin (format 2, default features, as Nova's
     * import) under a new name starting with {@code prefix}; removed by {@code scratch}.
     */
    static String imported(CephCluster.Scratch scratch, Path local, String prefix) {
        CephCluster ceph = CephCluster.shared();
        String name = CephCluster.uniqueName(prefix);
        ceph.rbdAdminOk("import", "--no-progress", local.toString(), ceph.pool() + "/" + name);
        scratch.image(ceph.pool() + "/" + name);
        return name;
    }

    Path exported(String name) {
        return exported(dir, name);
    }

    /** {@code rbd export} of the image to {@code dir/NAME.exported} (replaced if there). */
    static Path exported(Path dir, String name) {
        Path out = dir.resolve(name + ".exported");
        try {
            Files.deleteIfExists(out);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        CephCluster ceph = CephCluster.shared();
        ceph.rbdAdminOk("export", "--no-progress", ceph.pool() + "/" + name, out.toString());
        return out;
    }

    static RbdTarget target(String image) {
        CephCluster ceph = CephCluster.shared();
        return new RbdTarget(ceph.pool(), "", image, Optional.of(ceph.user()), Optional.of(ceph.conf()),
                Optional.empty(), Optional.empty(), Map.of());
    }

    Path tree() throws Exception {
        return DiskInjectionTest.tree(dir);
    }

    @Test
    void everythingIsInjectedIntoAnExt4RbdImageAsIntoAFile() throws Exception {
        Path img = GuestImages.wholeDisk(dir, "disk.img", tree(), 32, "-t", "ext4");
        Path local = dir.resolve("local.img");
        Files.copy(img, local);
        String name = imported(img);

        long t0 = System.nanoTime();
        InjectionReport report = injector.inject(target(name), SETTINGS, Instances.full(), options());
        long rbdMs = (System.nanoTime() - t0) / 1_000_000;
        t0 = System.nanoTime();
        InjectionReport fileReport = injector.inject(local, Instances.full(), options());
        long fileMs = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("RbdInjectionTest: injection into a 32 MiB ext4 RBD image " + rbdMs + " ms, the same image"
                + " as a local file " + fileMs + " ms");

        assertEquals(Outcome.DONE, report.outcome(), () -> String.valueOf(report));
        assertEquals(0, report.count(Status.FAILED) + report.count(Status.REFUSED) + report.count(Status.NOT_WRITTEN));
        assertEquals("rbd:" + ceph.pool() + "/" + name, report.image());
        assertEquals(Optional.of("raw"), report.format());
        assertEquals(Optional.of("ext2fs"), report.backend());
        assertEquals(Outcome.DONE, fileReport.outcome(), () -> String.valueOf(fileReport));
        Path out = exported(name);
        DiskInjectionTest.assertEverything(out, 0, Instances.full());
        assertClean(out, 0);
        assertEquals("", ceph.rbdAdminOk("lock", "ls", ceph.pool() + "/" + name).strip(), "the lock is released");
        assertEquals(List.of(), listUndo(), "no journal left");
    }

    /** As the CLI and the service run it: libext2fs in the bubblewrap worker, fed from our RBD image over its pipe. */
    @Test
    void theSandboxedWorkerInjectsIntoAnRbdImage() throws Exception {
        String name = imported(GuestImages.wholeDisk(dir, "disk.img", tree(), 32, "-t", "ext4"));
        try (Ext2fsSandbox sandbox = Ext2fsSandbox.start(SandboxSettings.defaults().withPoolSize(1)
                .withWarmupRounds(0))) {
            DiskInjector sandboxed = new DiskInjector(FilesystemBackends.thisBuild(GuestfsSettings.DEFAULT,
                    Ext2fsBackend.sandboxed(sandbox)), RandomGenerator.of("L64X128MixRandom"));
            InjectionReport report = sandboxed.inject(target(name), SETTINGS, Instances.full(), options());
            assertEquals(Outcome.DONE, report.outcome(), () -> String.valueOf(report));
        }
        Path out = exported(name);
        DiskInjectionTest.assertEverything(out, 0, Instances.full());
        assertClean(out, 0);
    }

    @Test
    void aGptPartitionedRbdImageGetsItsOsRootFound() throws Exception {
        Path img = GuestImages.gptDisk(dir, "gpt.img", tree());
        long offset = GuestImages.gptPartition2Offset(img);
        String name = imported(img);
        InjectionReport report = injector.inject(target(name), SETTINGS, Instances.full(), options().withPartition(-1));
        assertEquals(Outcome.DONE, report.outcome(), () -> String.valueOf(report));
        assertEquals(Optional.of("partition 2 (ext4)"), report.target());
        Path out = exported(name);
        DiskInjectionTest.assertEverything(out, offset, Instances.full());
        assertClean(out, offset);
    }

    @Test
    void aWatchedImageIsRefusedAndADryRunAcceptsIt() throws Exception {
        String name = imported(GuestImages.wholeDisk(dir, "disk.img", tree(), 32, "-t", "ext4"));
        String before = sha256(exported(name));
        scratch.client(ceph.librbdClient(name, "hold"));
        ImageInUseException e = assertThrows(ImageInUseException.class,
                () -> injector.inject(target(name), SETTINGS, Instances.full(), options()));
        assertTrue(e.getMessage().matches("rbd:" + ceph.pool() + "/" + name + ": is open elsewhere: watched by"
                + " client\\.\\d+ at [0-9.:]+/\\d+ .*osd_client_watch_timeout, 30 s by default\\)"), e.getMessage());
        InjectionReport dry = injector.inject(target(name), SETTINGS, Instances.full(), options().withDryRun(true));
        assertEquals(Outcome.PLANNED, dry.outcome(), () -> String.valueOf(dry));
        assertEquals(before, sha256(exported(name)), "nothing written");
    }

    /** A build without libguestfs refuses XFS in an RBD image as in a file, before writing (RbdGuestfsInjectionTest has the rest). */
    @Test
    void xfsOnRbdWithoutTheGuestfsBackendIsRefusedNamingTheFilesystem() throws Exception {
        Path img = GuestImages.sparse(dir.resolve("xfs.img"), 320L << 20);
        GuestImages.runOk("mkfs.xfs", "-q", img.toString());
        String name = imported(img);
        String before = sha256(exported(name));
        DiskInjector extOnly = new DiskInjector(new FilesystemBackends(List.of(new Ext2fsBackend())),
                RandomGenerator.of("L64X128MixRandom"));
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> extOnly.inject(target(name), SETTINGS, Instances.full(), options().withPartition(0)));
        assertTrue(e.getMessage().contains("xfs") && e.getMessage().contains("rbd:" + ceph.pool() + "/" + name),
                e.getMessage());
        assertEquals(before, sha256(exported(name)));
        assertEquals("", ceph.rbdAdminOk("lock", "ls", ceph.pool() + "/" + name).strip(), "the lock is released");
    }

    /**
     * An injection interrupted while writing (its disk write fails after the first range) leaves its
     * undo journal, found by the cluster, pool and image id; the next run against the same image
     * rolls it back before reading anything.
     */
    @Test
    void anInterruptedInjectionIsRolledBackByTheNextRun() throws Exception {
        Path img = GuestImages.sparse(dir.resolve("disk.img"), 40L << 20);
        Ext2Tools.mke2fs(img, 0, 32 << 10, tree(), "-t", "ext4");
        String name = imported(img);
        long first = 36L << 20;
        long second = 37L << 20;
        try (DiskImage disk = DiskImage.openRbd(target(name), true, SETTINGS)) {
            UndoJournal journal = disk.journalIn(dir.resolve("undo"));
            assertEquals(Optional.empty(), disk.useJournal(journal));
            BlockDevice failsAfterOneWrite = new FailingDisk(disk, 1);
            var changes = List.of(new UndoJournal.Change(first, "AAAA".getBytes(StandardCharsets.US_ASCII)),
                    new UndoJournal.Change(second, "BBBB".getBytes(StandardCharsets.US_ASCII)));
            assertThrows(java.io.IOException.class, () -> journal.commit(failsAfterOneWrite, changes));
            ByteBuffer b = ByteBuffer.allocate(4);
            disk.read(first, b);
            assertEquals("AAAA", new String(b.array(), StandardCharsets.US_ASCII), "the first range was written");
        }
        List<String> pending = listUndo();
        assertEquals(1, pending.size(), pending.toString());
        assertTrue(pending.getFirst().matches("rbd-[0-9a-f-]{36}-\\d+-[0-9a-f]+\\.undo"), pending.getFirst());

        InjectionReport report = injector.inject(target(name), SETTINGS, Instances.full(), options());
        assertEquals(Outcome.DONE, report.outcome(), () -> String.valueOf(report));
        assertTrue(report.notes().stream().anyMatch(n -> n.contains("interrupted")), report.notes().toString());
        assertEquals(List.of(), listUndo());
        byte[] out = Files.readAllBytes(exported(name));
        assertArrayEquals(new byte[4], Arrays.copyOfRange(out, (int) first, (int) first + 4), "rolled back");
        assertClean(dir.resolve(name + ".exported"), 0);
    }

    List<String> listUndo() throws Exception {
        return listUndo(dir);
    }

    /** The undo journals left in {@code dir}/undo, by name. */
    static List<String> listUndo(Path dir) throws Exception {
        Path undo = dir.resolve("undo");
        if (!Files.isDirectory(undo)) {
            return List.of();
        }
        try (var s = Files.list(undo)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

}
