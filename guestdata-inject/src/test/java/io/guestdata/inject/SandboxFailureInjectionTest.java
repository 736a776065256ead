package io.guestdata.inject;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.guestdata.inject.InjectionReport.Outcome;
import io.guestdata.inject.InjectionReport.Status;
import io.guestdata.inject.block.FilesystemType;
import io.guestdata.inject.block.QemuStorageExport;
import io.guestdata.inject.fs.AccessPolicy;
import io.guestdata.inject.fs.FileStat;
import io.guestdata.inject.fs.GuestFilesystem;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.fs.GuestPath;
import io.guestdata.inject.fs.OpenMode;
import io.guestdata.inject.sandbox.Ext2fsSandbox;
import io.guestdata.inject.sandbox.SandboxSettings;
import io.guestdata.inject.sandbox.SandboxedFilesystem;

import static io.guestdata.inject.GuestImages.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A whole injection ({@link DiskInjector}) whose sandboxed worker is killed with SIGKILL in the
 * middle (real bwrap, real worker): before the first write it is an error (the CLI's exit 7,
 * nothing written); during the writes the report says FAILED (exit 9); either way the image is
 * byte for byte what it was, because only this process commits, and only at the close.
 */
class SandboxFailureInjectionTest {

    private static Ext2fsSandbox sandbox;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        sandbox = Ext2fsSandbox.start(SandboxSettings.defaults().withPoolSize(1).withWarmupRounds(0));
    }

    @AfterAll
    static void stop() {
        sandbox.close();
    }

    /** The sandboxed backend, with its filesystems' worker killed at the first call named {@code trigger}. */
    private record KillAt(String trigger) implements FilesystemBackend {
        @Override
        public String name() {
            return Ext2fsBackend.NAME;
        }

        @Override
        public boolean supports(FilesystemType type) {
            return type == FilesystemType.EXT4;
        }

        @Override
        public GuestFilesystem open(InjectionTarget target, OpenMode mode) {
            throw new AssertionError("used inside a session only");
        }

        @Override
        public Session openSession() {
            Session inner = Ext2fsBackend.sandboxed(sandbox).openSession();
            FilesystemBackend killing = new FilesystemBackend() {
                @Override
                public String name() {
                    return Ext2fsBackend.NAME;
                }

                @Override
                public boolean supports(FilesystemType type) {
                    return type == FilesystemType.EXT4;
                }

                @Override
                public GuestFilesystem open(InjectionTarget target, OpenMode mode) throws GuestFsException,
                        java.io.IOException {
                    GuestFilesystem fs = inner.backend().open(target, mode);
                    return mode == OpenMode.READ_WRITE ? new Killing((SandboxedFilesystem) fs, trigger) : fs;
                }
            };
            return new Session(killing, inner::close);
        }
    }

    /** Forwards to the sandboxed filesystem; kills its worker before the first {@code trigger} call. */
    private static final class Killing extends ForwardingFilesystem {
        private final SandboxedFilesystem sandboxed;
        private final String trigger;

        Killing(SandboxedFilesystem fs, String trigger) {
            super(fs);
            this.sandboxed = fs;
            this.trigger = trigger;
        }

        private boolean killed;

        private void maybeKill(String call) {
            if (call.equals(trigger) && !killed) {
                killed = true;
                ProcessHandle worker = sandboxed.workerProcess().orElseThrow();
                try {
                    new ProcessBuilder("kill", "-KILL", Long.toString(worker.pid())).start().waitFor();
                    worker.onExit().get(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }
        }

        @Override
        public boolean exists(GuestPath path, AccessPolicy policy) throws GuestFsException {
            maybeKill("exists");
            return super.exists(path, policy);
        }

        @Override
        public FileStat stat(GuestPath path, AccessPolicy policy) throws GuestFsException {
            maybeKill("stat");
            return super.stat(path, policy);
        }

        @Override
        public byte[] read(GuestPath path, int maxBytes, AccessPolicy policy) throws GuestFsException {
            maybeKill("read");
            return super.read(path, maxBytes, policy);
        }

        @Override
        public void makeDirectories(GuestPath dir, int mode, int uid, int gid, AccessPolicy policy)
                throws GuestFsException {
            maybeKill("mkdir");
            super.makeDirectories(dir, mode, uid, gid, policy);
        }

        @Override
        public void replace(GuestPath file, byte[] content, AccessPolicy policy) throws GuestFsException {
            maybeKill("replace");
            super.replace(file, content, policy);
        }

        @Override
        public void append(GuestPath file, byte[] content, AccessPolicy policy) throws GuestFsException {
            maybeKill("append");
            super.append(file, content, policy);
        }
    }

    private InjectionReport inject(Path img, String trigger) throws Exception {
        DiskInjector injector = new DiskInjector(new FilesystemBackends(List.of(new KillAt(trigger))),
                RandomGenerator.of("L64X128MixRandom"));
        return injector.inject(img, Instances.full(), InjectionOptions.defaults().withPartition(0)
                .withExport(QemuStorageExport.Settings.defaults().withTempRoot(dir)).withUndoDirectory(dir.resolve("undo")));
    }

    @Test
    void withoutBubblewrapTheBackendCannotBeUsedAndNothingIsOpened() throws Exception {
        Path img = GuestImages.wholeDisk(dir, "disk.img", GuestImages.skeleton(dir), 32, "-t", "ext4");
        Path noTools = java.nio.file.Files.createDirectories(dir.resolve("no-tools"));
        try (Ext2fsSandbox without = Ext2fsSandbox.start(SandboxSettings.defaults().withSearchPath(List.of(noTools)))) {
            DiskInjector injector = new DiskInjector(FilesystemBackends.thisBuild(
                    io.guestdata.inject.guestfs.GuestfsSettings.DEFAULT, Ext2fsBackend.sandboxed(without)),
                    RandomGenerator.of("L64X128MixRandom"));
            BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> injector.inject(img,
                    Instances.full(), InjectionOptions.defaults().withPartition(0).withUndoDirectory(dir.resolve("undo"))));
            assertEquals("the whole disk of " + img + " holds ext4, which needs the ext2fs backend, and it cannot be"
                    + " used: the ext2fs sandbox needs bubblewrap (Debian package bubblewrap) and util-linux' prlimit and"
                    + " setpriv: bwrap (Debian package bubblewrap) was not found in " + noTools + "; or run libext2fs"
                    + " without the sandbox (inject --sandbox off, serve setting inject-sandbox: off), for trusted images"
                    + " only", e.getMessage());
        }
    }

    @Test
    void killedWhilePlanningIsAnErrorAndNothingIsWritten() throws Exception {
        Path img = GuestImages.wholeDisk(dir, "disk.img", GuestImages.skeleton(dir), 32, "-t", "ext4");
        String before = sha256(img);
        GuestFsException e = assertThrows(GuestFsException.class, () -> inject(img, "read"));
        assertEquals(GuestFsException.Kind.SANDBOX, e.kind());
        assertTrue(e.getMessage().startsWith("read /etc/passwd: the sandboxed ext2fs worker died with signal 9"
                + " (SIGKILL); nothing this open changed was written to the image"), e.getMessage());
        assertEquals(before, sha256(img));
        GuestImages.assertClean(img, 0);
    }

    @Test
    void killedWhileWritingFailsTheReportAndTheImageIsUnchanged() throws Exception {
        Path img = GuestImages.wholeDisk(dir, "disk.img", GuestImages.skeleton(dir), 32, "-t", "ext4");
        String before = sha256(img);
        InjectionReport report = inject(img, "append");
        assertEquals(Outcome.FAILED, report.outcome(), report::toString);
        InjectionReport.Entry failed = report.entries().stream().filter(x -> x.status() == Status.FAILED).findFirst()
                .orElseThrow();
        assertEquals("/root/.ssh/authorized_keys", failed.path().orElseThrow());
        assertTrue(failed.detail().contains("the sandboxed ext2fs worker died with signal 9 (SIGKILL)"), failed.detail());
        assertTrue(report.notes().stream().anyMatch(n -> n.contains("nothing was written to the image")),
                report.notes()::toString);
        assertEquals(before, sha256(img), "nothing reached the image: the commit happens only at the close");
        GuestImages.assertClean(img, 0);
    }
}
