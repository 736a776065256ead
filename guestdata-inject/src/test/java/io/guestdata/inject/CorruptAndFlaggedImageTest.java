package io.guestdata.inject;

import io.guestdata.testkit.Command;
import io.guestdata.testkit.ToolTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.random.RandomGenerator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.guestdata.core.Instance;
import io.guestdata.inject.InjectionReport.Entry;
import io.guestdata.inject.InjectionReport.Outcome;
import io.guestdata.inject.InjectionReport.Status;
import io.guestdata.inject.block.QemuStorageExport;
import io.guestdata.inject.fs.Ext2Tools;
import io.guestdata.inject.fs.GuestFsException;

import static io.guestdata.inject.GuestImages.assertClean;
import static io.guestdata.inject.GuestImages.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10, parts 2 and 5, end to end through {@link DiskInjector}: corrupt metadata refused when the
 * filesystem is opened (the CLI's exit 7), lying link counts, directory hard links and inode flags
 * refused by the plan (exit 8), before the first write, for the real run and the dry run alike.
 */
@ToolTest
class CorruptAndFlaggedImageTest {

    @TempDir
    Path dir;

    private final DiskInjector injector = new DiskInjector(new FilesystemBackends(List.of(new Ext2fsBackend())),
            RandomGenerator.of("L64X128MixRandom"));

    private InjectionOptions options(boolean dryRun) {
        return InjectionOptions.defaults().withExport(QemuStorageExport.Settings.defaults().withTempRoot(dir))
                .withDryRun(dryRun);
    }

    private Path image() throws Exception {
        Path t = GuestImages.skeleton(dir);
        Files.createDirectories(t.resolve("root/.ssh"));
        Files.writeString(t.resolve("root/.ssh/authorized_keys"), "ssh-ed25519 AAAAC3Nza old@key\n");
        Files.createDirectories(t.resolve("etc/network"));
        return GuestImages.wholeDisk(dir, "disk.img", t, 32, "-t", "ext4");
    }

    private static void debugfsWrite(Path img, String request) {
        Command.Result r = Ext2Tools.run(List.of("debugfs", "-w", "-f", "/dev/stdin", img.toString()), request + "\n");
        if (r.exit() != 0 || r.stderr().lines().skip(1).anyMatch(l -> !l.isBlank())) {
            throw new AssertionError("debugfs -w " + request + ": " + r.stdout() + r.stderr());
        }
    }

    /** Injects everything; expects REFUSED, nothing written, the image unchanged; returns the refused entry. */
    private Entry refused(Path img, Instance instance, boolean dryRun, String path) throws Exception {
        String before = sha256(img);
        InjectionReport report = injector.inject(img, instance, options(dryRun));
        assertEquals(Outcome.REFUSED, report.outcome(), () -> String.valueOf(report));
        assertEquals(0, report.count(Status.WRITTEN));
        assertEquals(before, sha256(img), "a refused plan writes nothing");
        Entry e = report.entries().stream().filter(x -> x.status() == Status.REFUSED).findFirst().orElseThrow();
        assertEquals(path, e.path().orElse(null), e::toString);
        return e;
    }

    /** The reproduction: append-only /etc/shadow with keys, network and password gave exit 9, half written. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void appendOnlyShadowIsRefusedBeforeTheFirstWrite(boolean dryRun) throws Exception {
        Path img = image();
        debugfsWrite(img, "sif /etc/shadow flags 0x80020");
        Entry e = refused(img, Instances.full(), dryRun, "/etc/shadow");
        assertEquals(InjectionItem.PASSWORD, e.item());
        assertTrue(e.detail().startsWith("/etc/shadow is append-only (chattr +a): it may only grow by appends"),
                e.detail());
    }

    @Test
    void immutableAuthorizedKeys() throws Exception {
        Path img = image();
        debugfsWrite(img, "sif /root/.ssh/authorized_keys flags 0x80010");
        Entry e = refused(img, Instances.full(), false, "/root/.ssh/authorized_keys");
        assertTrue(e.detail().contains("is immutable (chattr +i)"), e.detail());
    }

    /** Appending to an append-only file is what the kernel allows; Nova's chmod 0600 after it is not. */
    @Test
    void appendOnlyAuthorizedKeysIsRefusedForTheChmodAfterTheAppend() throws Exception {
        Path img = image();
        debugfsWrite(img, "sif /root/.ssh/authorized_keys flags 0x80020");
        Entry e = refused(img, Instances.full(), false, "/root/.ssh/authorized_keys");
        assertTrue(e.detail().contains("appending is allowed, but the chmod that follows it is not"), e.detail());
    }

    @Test
    void appendOnlyDirectoryGetsNoNewEntry() throws Exception {
        Path img = image();
        debugfsWrite(img, "sif /etc/network flags 0x80020");
        Entry e = refused(img, Instances.full(), false, "/etc/network");
        assertTrue(e.detail().contains("/etc/network is append-only (chattr +a)"), e.detail());
    }

    @Test
    void immutableSshDirectoryIsNotChowned() throws Exception {
        Path img = image();
        debugfsWrite(img, "sif /root/.ssh flags 0x80010");
        Entry e = refused(img, Instances.full(), false, "/root/.ssh");
        assertTrue(e.detail().contains("its owner and mode cannot be set"), e.detail());
    }

    /** The issue: authorized_keys and /etc/passwd one inode, i_links_count 1: keys were appended to passwd. */
    @Test
    void authorizedKeysThatIsPasswdUnderALyingLinkCount() throws Exception {
        Path img = image();
        debugfsWrite(img, "unlink /root/.ssh/authorized_keys");
        debugfsWrite(img, "ln /etc/passwd /root/.ssh/authorized_keys");
        Entry e = refused(img, Instances.full(), false, "/root/.ssh/authorized_keys");
        assertTrue(e.detail().contains("link count lies: /root/.ssh/authorized_keys (inode "), e.detail());
    }

    @Test
    void hardLinkedEtcDirectory() throws Exception {
        Path img = image();
        debugfsWrite(img, "ln /etc /root/etc");
        String before = sha256(img);
        InjectionReport report = injector.inject(img, Instances.full(), options(false));
        assertEquals(Outcome.REFUSED, report.outcome(), report::toString);
        assertEquals(before, sha256(img));
        assertTrue(report.entries().stream().anyMatch(x -> x.status() == Status.REFUSED
                && x.detail().contains("directory hard link: \"etc\"")), report::toString);
    }

    /** The reproduction: a block bitmap outside the filesystem; inject answered 0 and broke the image. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void blockBitmapOutsideTheFilesystemFailsTheOpen(boolean dryRun) throws Exception {
        Path img = image();
        debugfsWrite(img, "set_bg 0 block_bitmap 16777216\nset_bg 0 checksum calc");
        String before = sha256(img);
        GuestFsException e = assertThrows(GuestFsException.class,
                () -> injector.inject(img, Instances.full(), options(dryRun).withPartition(0)));
        assertEquals(GuestFsException.Kind.CORRUPT, e.kind());
        assertTrue(e.getMessage().contains("group 0: the block bitmap at block 16777216 is outside"), e.getMessage());
        // partition -1: the OS probe cannot inspect it, and says why (also exit 7, nothing written)
        Exception probe = assertThrows(java.io.IOException.class,
                () -> injector.inject(img, Instances.full(), options(dryRun)));
        assertTrue(probe.getMessage().contains("corrupt filesystem: group 0: the block bitmap"), probe.getMessage());
        assertEquals(before, sha256(img));
    }

    /** Flags elsewhere do not matter: a clean image with an append-only log still takes the injection. */
    @Test
    void unrelatedFlagsDoNotRefuse() throws Exception {
        Path img = image();
        debugfsWrite(img, "sif /etc/os-release flags 0x80010");
        InjectionReport report = injector.inject(img, Instances.full(), options(false));
        assertEquals(Outcome.DONE, report.outcome(), report::toString);
        assertClean(img, 0);
    }
}
