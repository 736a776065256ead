package io.guestdata.inject;

import io.guestdata.testkit.ToolTest;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.guestdata.inject.InjectionReport.Outcome;
import io.guestdata.inject.block.BackingFilePolicy;
import io.guestdata.inject.block.ImageFormatException;
import io.guestdata.inject.block.InjectPartition;
import io.guestdata.inject.block.QemuStorageExport;
import io.guestdata.inject.fs.Ext2Filesystem;
import io.guestdata.inject.fs.GuestFilesystem;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.fs.OpenMode;
import io.guestdata.inject.guestfs.GuestfsDrive;
import io.guestdata.inject.guestfs.GuestfsSettings;

import static io.guestdata.inject.GuestImages.assertClean;
import static io.guestdata.inject.GuestImages.runOk;
import static io.guestdata.inject.GuestImages.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile image formats end to end through {@link DiskInjector}, as a tenant would hand them in
 * (issue 10): backing files naming host files, external data files, multi-file VMDKs; in the real
 * run, the dry run and the {@code -1} probe alike. And the chains an operator allows (Nova's
 * {@code _base}): injected into the top overlay only, read back with e2fsck and debugfs.
 */
@ToolTest
class ImageFormatSafetyTest {
    /** Long enough for a refusal; an open of a FIFO the image names would block far longer. */
    static final Duration NO_HANG = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    Path base;
    Path ext4;

    private final DiskInjector injector = new DiskInjector(FilesystemBackends.thisBuild(),
            RandomGenerator.of("L64X128MixRandom"));

    @BeforeEach
    void images() throws Exception {
        base = Files.createDirectory(dir.resolve("_base"));
        ext4 = GuestImages.wholeDisk(dir, "guest.raw", GuestImages.skeleton(dir), 32, "-t", "ext4");
    }

    InjectionOptions options() {
        return InjectionOptions.defaults().withExport(QemuStorageExport.Settings.defaults().withTempRoot(dir));
    }

    InjectionOptions withBase() {
        return options().withBackingFiles(BackingFilePolicy.below(List.of(base), "--base-image-dir"));
    }

    /** Every way the image is opened: the real run (-1 probe first), -1 dry run, whole-disk real and dry run. */
    List<InjectionOptions> everyPath(InjectionOptions o) {
        return List.of(o, o.withDryRun(true), o.withPartition(0), o.withPartition(0).withDryRun(true));
    }

    ImageFormatException refused(Path image, InjectionOptions o) {
        return assertTimeoutPreemptively(NO_HANG, () -> assertThrows(ImageFormatException.class,
                () -> injector.inject(image, Instances.full(), o)), "blocked: a file the image names was opened");
    }

    static boolean contains(Path file, byte[] needle) throws Exception {
        byte[] hay = Files.readAllBytes(file);
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    static void assertInjected(Path raw) {
        GuestImages.assertFile(raw, 0, "/meta.js", 0644, 0, 0, DiskInjectionTest.META_JS);
        assertTrue(GuestImages.cat(raw, 0, "/root/.ssh/authorized_keys").contains(DiskInjectionTest.ALICE_KEY));
        assertTrue(GuestImages.cat(raw, 0, "/etc/shadow").startsWith("root:$6$"));
        assertClean(raw, 0);
    }

    // ---- refused ----

    @Test
    void aHostSecretAsBackingFileIsRefusedEverywhereAndNothingOfItReachesTheImage() throws Exception {
        byte[] secret = "root:$6$HOSTSECRET-a1b2c3$xyz:19000:0:99999:7:::\n".getBytes(StandardCharsets.US_ASCII);
        Path shadow = Files.write(dir.resolve("shadow"), secret);
        // the tenant's filesystem in the overlay's own clusters, the host file named as its backing file
        Path img = GuestImages.toQcow2(ext4, dir.resolve("tenant.qcow2"));
        runOk("qemu-img", "rebase", "-q", "-u", "-f", "qcow2", "-b", shadow.toString(), "-F", "raw", img.toString());
        String before = sha256(img);
        for (InjectionOptions o : everyPath(options())) {
            ImageFormatException e = refused(img, o);
            assertTrue(e.getMessage().startsWith(img + ": names the backing file '" + shadow + "'"), e.getMessage());
            assertTrue(e.getMessage().contains("--base-image-dir"), e.getMessage());
        }
        for (InjectionOptions o : everyPath(withBase())) {
            assertTrue(refused(img, o).getMessage().contains("outside every base image directory"));
        }
        assertEquals(before, sha256(img));
        assertFalse(contains(img, "HOSTSECRET".getBytes(StandardCharsets.US_ASCII)));
        try (var left = Files.list(dir)) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith(QemuStorageExport.DIR_PREFIX)));
        }
    }

    @Test
    void anExternalDataFileIsNeverOpenedInTheRealRunTheDryRunOrTheProbe() throws Exception {
        Path data = dir.resolve("data.raw");
        Path img = dir.resolve("df.qcow2");
        runOk("qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2", "-o", "data_file=" + data, ext4.toString(),
                img.toString());
        Files.delete(data);
        runOk("mkfifo", data.toString()); // an open for reading blocks until a writer comes: a hang = failure
        String before = sha256(img);
        for (InjectionOptions o : everyPath(withBase())) {
            ImageFormatException e = refused(img, o);
            assertTrue(e.getMessage().contains("stores its data in an external data file named '" + data + "'"),
                    e.getMessage());
        }
        for (InjectionOptions o : everyPath(withBase().withBackend(FilesystemBackends.Choice.GUESTFS))) {
            refused(img, o);
        }
        assertEquals(before, sha256(img));
    }

    @Test
    void multiFileVmdksAreRefusedAndASingleFileOneIsInjected() throws Exception {
        for (String subformat : List.of("monolithicFlat", "twoGbMaxExtentFlat", "twoGbMaxExtentSparse")) {
            Path vmdk = dir.resolve(subformat + ".vmdk");
            runOk("qemu-img", "convert", "-q", "-f", "raw", "-O", "vmdk", "-o", "subformat=" + subformat,
                    ext4.toString(), vmdk.toString());
            for (InjectionOptions o : everyPath(options())) {
                assertTrue(refused(vmdk, o).getMessage().contains("is a VMDK descriptor file"));
            }
        }
        Path vmdk = dir.resolve("sparse.vmdk");
        runOk("qemu-img", "convert", "-q", "-f", "raw", "-O", "vmdk", "-o", "subformat=monolithicSparse",
                ext4.toString(), vmdk.toString());
        InjectionReport report = injector.inject(vmdk, Instances.full(), options());
        assertEquals(Outcome.DONE, report.outcome(), report::toString);
        assertEquals(Optional.of("vmdk"), report.format());
        Path back = dir.resolve("back.raw");
        runOk("qemu-img", "convert", "-q", "-f", "vmdk", "-O", "raw", vmdk.toString(), back.toString());
        assertInjected(back);
    }

    @Test
    void luksIsRefused() throws Exception {
        Path luks = dir.resolve("disk.luks");
        for (int attempt = 1; ; attempt++) { // QEMU's PBKDF2 timing reads 0 ms of CPU now and then: a few tries
            io.guestdata.testkit.Command.Result r = GuestImages.run(List.of("qemu-img", "create", "-q", "--object", "secret,id=s0,data=pw",
                    "-f", "luks", "-o", "key-secret=s0,iter-time=250", luks.toString(), "4M"));
            if (r.exit() == 0) {
                break;
            }
            assertTrue(attempt < 5 && r.stderr().contains("Unable to get accurate CPU usage"), r.stderr());
        }
        for (InjectionOptions o : everyPath(options())) {
            assertTrue(refused(luks, o).getMessage().contains("LUKS-encrypted"));
        }
    }

    // ---- allowed chains ----

    @Test
    void anOverlayOfABaseImageIsInjectedIntoTheOverlayOnly() throws Exception {
        Path baseImage = Files.copy(ext4, base.resolve("debian.raw"));
        String baseBefore = sha256(baseImage);
        Path disk = dir.resolve("instance-disk.qcow2");
        runOk("qemu-img", "create", "-q", "-f", "qcow2", "-b", baseImage.toString(), "-F", "raw", disk.toString());

        ImageFormatException e = refused(disk, options());
        assertTrue(e.getMessage().contains("names the backing file '" + baseImage + "'"), e.getMessage());

        String dryBefore = sha256(disk);
        assertEquals(Outcome.PLANNED, injector.inject(disk, Instances.full(), withBase().withDryRun(true)).outcome());
        assertEquals(dryBefore, sha256(disk));

        InjectionReport report = injector.inject(disk, Instances.full(), withBase());
        assertEquals(Outcome.DONE, report.outcome(), report::toString);
        assertEquals(Optional.of("qcow2"), report.format());
        assertEquals(baseBefore, sha256(baseImage), "the base image must not change");
        runOk("qemu-img", "check", "-q", disk.toString());
        assertInjected(GuestImages.toRaw(disk, dir.resolve("flat.raw")));
    }

    @Test
    void aTwoLevelChainBelowTheBaseDirIsInjectedIntoTheTopOnly() throws Exception {
        Path baseImage = Files.copy(ext4, base.resolve("debian.raw"));
        Path snapshot = base.resolve("snapshot.qcow2");
        runOk("qemu-img", "create", "-q", "-f", "qcow2", "-b", "debian.raw", "-F", "raw", snapshot.toString());
        String baseBefore = sha256(baseImage);
        String snapshotBefore = sha256(snapshot);
        Path disk = dir.resolve("disk.qcow2");
        runOk("qemu-img", "create", "-q", "-f", "qcow2", "-b", snapshot.toString(), "-F", "qcow2", disk.toString());

        InjectionReport report = injector.inject(disk, Instances.full(), withBase().withPartition(0));
        assertEquals(Outcome.DONE, report.outcome(), report::toString);
        assertEquals(baseBefore, sha256(baseImage));
        assertEquals(snapshotBefore, sha256(snapshot));
        assertInjected(GuestImages.toRaw(disk, dir.resolve("flat.raw")));
        // the base itself, read alone, has none of it
        assertEquals(null, GuestImages.stat(baseImage, 0, "/meta.js"));
    }

    // ---- the guestfs path: libguestfs' QEMU follows the names itself ----

    /** Records what libguestfs would be given; opens a raw copy of the image read-only instead. */
    static final class RecordingLauncher implements GuestfsBackend.Launcher {
        final List<String> calls = new ArrayList<>();
        final Path rawCopy;

        RecordingLauncher(Path rawCopy) {
            this.rawCopy = rawCopy;
        }

        @Override
        public Optional<String> unavailable() {
            return Optional.empty();
        }

        @Override
        public GuestFilesystem open(GuestfsDrive drive, InjectPartition target, boolean readOnly)
                throws GuestFsException {
            GuestfsDrive.File file = (GuestfsDrive.File) drive;
            calls.add(file.image() + " " + file.format() + " " + (readOnly ? "ro" : "rw"));
            return Ext2Filesystem.open(rawCopy, 0, OpenMode.READ_ONLY);
        }
    }

    @Test
    void theGuestfsPathInspectsAgainAndNeedsRecordedBackingFormats() throws Exception {
        RecordingLauncher libguestfs = new RecordingLauncher(ext4);
        DiskInjector viaGuestfs = new DiskInjector(new FilesystemBackends(List.of(new Ext2fsBackend(),
                new GuestfsBackend(libguestfs))), RandomGenerator.of("L64X128MixRandom"));
        Path baseImage = Files.copy(ext4, base.resolve("debian.raw"));
        Path disk = dir.resolve("disk.qcow2");
        runOk("qemu-img", "create", "-q", "-f", "qcow2", "-b", baseImage.toString(), "-F", "raw", disk.toString());
        InjectionOptions guestfs = withBase().withBackend(FilesystemBackends.Choice.GUESTFS).withDryRun(true);

        InjectionReport report = viaGuestfs.inject(disk, Instances.full(), guestfs);
        assertEquals(Outcome.PLANNED, report.outcome(), report::toString);
        assertEquals(List.of(disk + " qcow2 ro"), libguestfs.calls);

        // the backing format extension's type made unknown: QEMU would probe the backing file
        long extension;
        try (FileChannel ch = FileChannel.open(disk, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer header = ByteBuffer.allocate(128);
            ch.read(header, 0);
            extension = header.getInt(100); // header_length: qemu-img writes the backing format extension first
            assertEquals(0xe2792aca, header.getInt((int) extension));
            ch.write(ByteBuffer.wrap(new byte[] {0x12, 0x34, 0x56, 0x78}), extension);
        }
        libguestfs.calls.clear();
        for (InjectionOptions o : List.of(guestfs, guestfs.withDryRun(false))) {
            ImageFormatException e = assertThrows(ImageFormatException.class,
                    () -> viaGuestfs.inject(disk, Instances.full(), o));
            assertTrue(e.getMessage().contains("does not record the format of its backing file '" + baseImage + "'"),
                    e.getMessage());
        }
        assertEquals(List.of(), libguestfs.calls, "libguestfs was never given the image");
        // guestdata's own graph states the format: the ext2fs path still injects
        assertEquals(Outcome.DONE, injector.inject(disk, Instances.full(), withBase()).outcome());
    }

    @Test
    @Tag("guestfs")
    void theGuestfsBackendInjectsIntoAnAllowedOverlay() throws Exception {
        Path baseImage = Files.copy(ext4, base.resolve("debian.raw"));
        String baseBefore = sha256(baseImage);
        Path disk = dir.resolve("disk.qcow2");
        runOk("qemu-img", "create", "-q", "-f", "qcow2", "-b", baseImage.toString(), "-F", "raw", disk.toString());
        java.util.Map<String, String> env = new java.util.HashMap<>(System.getenv());
        env.putIfAbsent("LIBGUESTFS_BACKEND_SETTINGS", "force_tcg");
        DiskInjector real = new DiskInjector(FilesystemBackends.thisBuild(GuestfsSettings.fromEnvironment(env)),
                RandomGenerator.of("L64X128MixRandom"));
        InjectionReport report = real.inject(disk, Instances.full(),
                withBase().withBackend(FilesystemBackends.Choice.GUESTFS).withPartition(0));
        assertEquals(Outcome.DONE, report.outcome(), report::toString);
        assertEquals(Optional.of("guestfs"), report.backend());
        assertEquals(baseBefore, sha256(baseImage));
        Path flat = GuestImages.toRaw(disk, dir.resolve("flat.raw"));
        GuestImages.assertFile(flat, 0, "/meta.js", 0644, 0, 0, DiskInjectionTest.META_JS);
        assertClean(flat, 0);
    }
}
