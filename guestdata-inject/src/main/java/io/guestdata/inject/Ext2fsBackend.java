package io.guestdata.inject;

import java.time.InstantSource;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import io.guestdata.inject.block.FilesystemType;
import io.guestdata.inject.fs.Ext2Filesystem;
import io.guestdata.inject.fs.GuestFilesystem;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.fs.OpenMode;
import io.guestdata.inject.sandbox.Ext2fsSandbox;
import io.guestdata.inject.sandbox.SandboxSession;

/**
 * ext2, ext3 and ext4 through libext2fs ({@link Ext2Filesystem}), no VM, no mount: in this process,
 * or {@link #sandboxed sandboxed} in a worker process of its own per injection (what the CLI and
 * the service use for tenant images: a libext2fs bug on a crafted image then cannot reach this
 * process's memory). Either way the image is read and written only by this process, through the
 * partition's window.
 */
public final class Ext2fsBackend implements FilesystemBackend {

    public static final String NAME = "ext2fs";

    private static final Set<FilesystemType> TYPES = EnumSet.of(FilesystemType.EXT2, FilesystemType.EXT3,
            FilesystemType.EXT4);

    /** Null: libext2fs runs in this process. */
    private final Ext2fsSandbox sandbox;
    private final InstantSource clock;

    /** libext2fs in this process: for trusted images, tests and debugging. */
    public Ext2fsBackend() {
        this(null, InstantSource.system());
    }

    private Ext2fsBackend(Ext2fsSandbox sandbox, InstantSource clock) {
        this.sandbox = sandbox;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** libext2fs in this process, stamping with {@code clock}. */
    public static Ext2fsBackend inProcess(InstantSource clock) {
        return new Ext2fsBackend(null, clock);
    }

    /** libext2fs in {@code sandbox}'s workers, one per injection ({@link #openSession()}). */
    public static Ext2fsBackend sandboxed(Ext2fsSandbox sandbox) {
        return sandboxed(sandbox, InstantSource.system());
    }

    /** As {@link #sandboxed(Ext2fsSandbox)}, stamping with {@code clock}. */
    public static Ext2fsBackend sandboxed(Ext2fsSandbox sandbox, InstantSource clock) {
        return new Ext2fsBackend(Objects.requireNonNull(sandbox, "sandbox"), clock);
    }

    /** Whether libext2fs runs in a sandboxed worker. */
    public boolean isSandboxed() {
        return sandbox != null;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean supports(FilesystemType type) {
        return TYPES.contains(type);
    }

    @Override
    public Optional<String> unavailable() {
        return sandbox == null ? Optional.empty() : sandbox.unavailable();
    }

    /**
     * Opens the target's filesystem. Sandboxed and outside an injection's session, the filesystem
     * gets a worker of its own, killed when it is closed.
     */
    @Override
    public GuestFilesystem open(InjectionTarget target, OpenMode mode) throws GuestFsException {
        if (sandbox == null) {
            return Ext2Filesystem.open(window(target), mode, clock);
        }
        return sandbox.session(clock).openOwned(window(target), mode);
    }

    @Override
    public void checkWritable(InjectionTarget target) throws GuestFsException {
        if (sandbox == null) {
            Ext2Filesystem.checkWritable(window(target));
            return;
        }
        try (SandboxSession session = sandbox.session(clock)) {
            session.checkWritable(window(target));
        }
    }

    /** Sandboxed: every open of the injection in one worker, killed when the injection ends. */
    @Override
    public Session openSession() {
        if (sandbox == null) {
            return FilesystemBackend.super.openSession();
        }
        SandboxSession session = sandbox.session(clock);
        return new Session(new InSession(session, sandbox), session::close);
    }

    private static DiskWindow window(InjectionTarget target) {
        return new DiskWindow(target.disk(), target.partition());
    }

    @Override
    public String toString() {
        return NAME + (sandbox == null ? "" : " (sandboxed)");
    }

    /** The sandboxed backend inside one injection's session. */
    private record InSession(SandboxSession session, Ext2fsSandbox sandbox) implements FilesystemBackend {
        @Override
        public String name() {
            return NAME;
        }

        @Override
        public Optional<String> unavailable() {
            return sandbox.unavailable();
        }

        @Override
        public boolean supports(FilesystemType type) {
            return TYPES.contains(type);
        }

        @Override
        public GuestFilesystem open(InjectionTarget target, OpenMode mode) throws GuestFsException {
            return session.open(window(target), mode);
        }

        @Override
        public void checkWritable(InjectionTarget target) throws GuestFsException {
            session.checkWritable(window(target));
        }

        @Override
        public String toString() {
            return NAME + " (sandboxed, one injection)";
        }
    }
}
