package io.guestdata.inject;

import io.guestdata.testkit.ToolTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGeneratorFactory;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.guestdata.core.Instance;
import io.guestdata.inject.InjectionReport.Outcome;
import io.guestdata.inject.block.ImageFormat;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.sandbox.Ext2fsSandbox;
import io.guestdata.inject.sandbox.SandboxSettings;

import static io.guestdata.inject.GuestImages.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The same injections in-process and through the bubblewrap sandbox (real bwrap, real worker
 * JVMs): byte-identical images (SHA-256 of the whole image file), equal reports, and equal
 * refusals and errors (kind and message). Both run with the same clock and the same seeded random
 * generator, on the same path (the image is restored in between), so every byte must match.
 */
@ToolTest
class SandboxParityTest {

    private static final InstantSource CLOCK = InstantSource.fixed(Instant.parse("2026-03-04T05:06:07Z"));

    private static Ext2fsSandbox sandbox;

    @TempDir
    Path dir;

    @BeforeAll
    static void startSandbox() {
        sandbox = Ext2fsSandbox.start(SandboxSettings.defaults().withPoolSize(1).withWarmupRounds(1));
    }

    @AfterAll
    static void stopSandbox() {
        sandbox.close();
    }

    private static DiskInjector injector(Ext2fsBackend ext2fs) {
        return new DiskInjector(new FilesystemBackends(List.of(ext2fs)),
                RandomGeneratorFactory.of("L64X128MixRandom").create(20260304L));
    }

    private InjectionOptions options() {
        return GuestImages.options(dir);
    }

    /** What one injection left: the report (or the exception) and the image's hash. */
    private record Run(String result, String sha256) {
    }

    private static Run run(DiskInjector injector, Path img, Instance instance, InjectionOptions options) {
        String result;
        try {
            InjectionReport report = injector.inject(img, instance, options);
            result = report.toString();
        } catch (Exception e) {
            result = e.getClass().getSimpleName() + (e instanceof GuestFsException g ? " " + g.kind() : "") + ": "
                    + e.getMessage();
        }
        return new Run(result, sha256(img));
    }

    /** Injects into {@code img} in-process, restores it, injects through the sandbox; both must agree. */
    private Run assertSame(Path img, Instance instance, InjectionOptions options) throws Exception {
        Path original = dir.resolve("original.img");
        Files.copy(img, original, StandardCopyOption.REPLACE_EXISTING);
        Run in = run(injector(Ext2fsBackend.inProcess(CLOCK)), img, instance, options);
        Files.copy(original, img, StandardCopyOption.REPLACE_EXISTING);
        Run sandboxed = run(injector(Ext2fsBackend.sandboxed(sandbox, CLOCK)), img, instance, options);
        assertEquals(in.result(), sandboxed.result(), "the report or the error differs");
        assertEquals(in.sha256(), sandboxed.sha256(), "the images differ: " + in.result());
        return sandboxed;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"-t ext4", "-t ext2", "-t ext3", "-t ext4 -b 1024", "-t ext4 -O metadata_csum,64bit"})
    void everythingOnEveryFlavour(String mkfs) throws Exception {
        Path tree = GuestImages.skeleton(dir);
        GuestImages.write(tree, "etc/motd", "old motd\n", "rw-r-----");
        Files.setAttribute(tree.resolve("etc/motd"), "unix:uid", 1000);
        Files.setAttribute(tree.resolve("etc/motd"), "unix:gid", 1000);
        Path img = GuestImages.wholeDisk(dir, "disk.img", tree, 32, mkfs.split(" "));
        String before = sha256(img);
        Run run = assertSame(img, Instances.full(), options());
        assertTrue(run.result().contains("outcome=DONE"), run.result());
        assertNotEquals(before, run.sha256());
        GuestImages.assertClean(img, 0);
        DiskInjectionTest.assertEverything(img, 0, Instances.full());
    }

    @Test
    void partitionMinusOneOnAnMbrDiskAndNOnAGptDisk() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.writeString(data.resolve("README"), "not an OS\n");
        Path mbr = GuestImages.mbrDisk(dir, "mbr.img", data, GuestImages.skeleton(dir));
        Run minusOne = assertSame(mbr, Instances.full(), options());
        assertTrue(minusOne.result().contains("target=Optional[partition 2 (ext4)]"), minusOne.result());
        Path gpt = GuestImages.gptDisk(dir, "gpt.img", GuestImages.skeleton(dir.resolve("g")));
        Run two = assertSame(gpt, Instances.full(), options().withPartition(2));
        assertTrue(two.result().contains("outcome=DONE"), two.result());
    }

    @Test
    void qcow2() throws Exception {
        Path raw = GuestImages.mbrDisk(dir, "base.img", null, GuestImages.skeleton(dir));
        Path qcow2 = GuestImages.toQcow2(raw, dir.resolve("disk.qcow2"));
        Run run = assertSame(qcow2, Instances.full(), options().withImageFormat(Optional.of(ImageFormat.QCOW2)));
        assertTrue(run.result().contains("outcome=DONE"), run.result());
    }

    @Test
    void dryRun() throws Exception {
        Path img = GuestImages.wholeDisk(dir, "disk.img", GuestImages.skeleton(dir), 32, "-t", "ext4");
        String before = sha256(img);
        Run run = assertSame(img, Instances.full(), options().withDryRun(true));
        assertEquals(before, run.sha256());
        assertTrue(run.result().contains("outcome=" + Outcome.PLANNED), run.result());
    }

    @Test
    void refusalsAndErrorsAreTheSame() throws Exception {
        Path t = GuestImages.skeleton(dir);
        Files.delete(t.resolve("root"));
        Files.createDirectories(t.resolve("root"));
        Files.createSymbolicLink(t.resolve("root/.ssh"), Path.of("/etc"));
        Path img = GuestImages.wholeDisk(dir, "disk.img", t, 32, "-t", "ext4");
        String before = sha256(img);
        Run refused = assertSame(img, Instances.full(), options());
        assertTrue(refused.result().contains("outcome=REFUSED"), refused.result());
        assertEquals(before, refused.sha256());
        Run partial = assertSame(img, Instances.full(), options().withBestEffort(true));
        assertTrue(partial.result().contains("outcome=PARTIAL"), partial.result());

        Path journal = GuestImages.wholeDisk(dir, "journal.img", GuestImages.skeleton(dir.resolve("j")), 32, "-t", "ext4");
        GuestImages.debugfsWrite(journal, 0, "feature needs_recovery");
        Run recovery = assertSame(journal, Instances.full(), options());
        assertTrue(recovery.result().startsWith("GuestFsException UNSAFE_STATE: ")
                && recovery.result().contains("the journal needs recovery"), recovery.result());
        Run dry = assertSame(journal, Instances.full(), options().withDryRun(true));
        assertTrue(dry.result().contains("the journal needs recovery"), dry.result());
    }

    /**
     * The checks of issue 10 through the worker's protocol: inode attributes reach the planner (an
     * append-only /etc/shadow refused before the first write), a lying link count and a
     * hard-linked directory are refused by the census, and a block bitmap outside the filesystem
     * fails the open, each as in-process.
     */
    @Test
    void flagsLinkCountsAndCorruptDescriptorsAreRefusedTheSameWay() throws Exception {
        String[][] cases = {
            {"sif /etc/shadow flags 0x80020", "outcome=REFUSED", "append-only"},
            {"unlink /root/.ssh/authorized_keys\nln /etc/passwd /root/.ssh/authorized_keys", "outcome=REFUSED",
                "link count lies"},
            {"ln /etc /root/etc", "outcome=REFUSED", "/etc"},
            {"set_bg 0 block_bitmap 16777216\nset_bg 0 checksum calc", "GuestFsException CORRUPT", "block bitmap"},
        };
        for (String[] c : cases) {
            Path t = GuestImages.skeleton(dir.resolve("case" + c[0].hashCode()));
            Files.createDirectories(t.resolve("root/.ssh"));
            GuestImages.write(t, "root/.ssh/authorized_keys", "", "rw-------");
            Path img = GuestImages.wholeDisk(dir, "flagged.img", t, 32, "-t", "ext4");
            GuestImages.debugfsWrite(img, 0, c[0].split("\n"));
            String before = sha256(img);
            Run run = assertSame(img, Instances.full(), options().withPartition(0));
            assertTrue(run.result().contains(c[1]) && run.result().contains(c[2]), c[0] + ": " + run.result());
            assertEquals(before, run.sha256(), c[0] + ": nothing written");
        }
    }

    @Test
    void aCorruptSuperblockFailsTheSameWay() throws Exception {
        Path img = GuestImages.wholeDisk(dir, "disk.img", GuestImages.skeleton(dir), 32, "-t", "ext4");
        try (var ch = java.nio.channels.FileChannel.open(img, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.allocate(4), 1024 + 32); // s_blocks_per_group = 0
        }
        Run run = assertSame(img, Instances.full(), options().withPartition(0));
        assertTrue(run.result().startsWith("GuestFsException "), run.result());
    }

    @Test
    void aGuestFsExceptionCarriesTheSameCodeAndText() {
        GuestFsException e = assertThrows(GuestFsException.class, () -> {
            throw new GuestFsException(GuestFsException.Kind.LIBEXT2FS, "read", null, "reading", 2133571347L,
                    "Bad magic number in super-block");
        });
        assertEquals("read: reading: Bad magic number in super-block (errcode 2133571347)", e.getMessage());
        assertEquals(2133571347L, e.errcode());
    }
}
