package io.guestdata.inject;

import java.io.IOException;
import java.util.Optional;

import io.guestdata.inject.block.FilesystemType;
import io.guestdata.inject.fs.GuestFilesystem;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.fs.OpenMode;

/**
 * A way to open a guest filesystem in-process. An injection ({@link DiskInjector}) opens it in its
 * filesystem stage ({@link CheckFilesystem}) and plans and writes only through
 * {@link GuestFilesystem}, so a backend is everything that differs between, say, libext2fs and
 * libguestfs. Backends are listed in {@link FilesystemBackends#thisBuild()}.
 *
 * <p>A backend either reads the image through guestdata's own view of it ({@link #open}: the
 * image opened by {@link io.guestdata.inject.block.DiskImage}, under its lock), or, as an
 * {@link ImageFileBackend}, opens the image file itself with its own QEMU, after guestdata has
 * let go of it.
 */
public interface FilesystemBackend {

    /** The name {@code --backend} takes: {@code ext2fs}, {@code guestfs}. */
    String name();

    /** Whether this backend reads and writes that filesystem. */
    boolean supports(FilesystemType type);

    /**
     * Why this backend cannot be used on this machine (e.g. libguestfs is not installed), naming
     * what to install; empty when it can. Asked only when the backend is needed.
     */
    default Optional<String> unavailable() {
        return Optional.empty();
    }

    /**
     * Opens the target's filesystem.
     *
     * @throws GuestFsException the filesystem cannot (or must not) be opened so; nothing was written
     * @throws IOException      the image cannot be read
     */
    GuestFilesystem open(InjectionTarget target, OpenMode mode) throws GuestFsException, IOException;

    /**
     * Throws what {@link #open} with {@link OpenMode#READ_WRITE} would throw because of the
     * filesystem's state (journal needing recovery, unsupported features), without opening it
     * for writing: how a dry run fails as the real run would. The default checks nothing.
     */
    default void checkWritable(InjectionTarget target) throws GuestFsException, IOException {
    }

    /**
     * This backend as one injection ({@link DiskInjector#inject}) uses it: every filesystem that
     * injection opens is opened through the session's backend, and closing the session releases
     * what it held. The sandboxed ext2fs backend holds a worker process there, which serves that
     * injection only. The default holds nothing: the session's backend is this backend.
     */
    default Session openSession() {
        return new Session(this, () -> {
        });
    }

    /** A backend bound to one injection, and how to release what it holds (never throws). */
    record Session(FilesystemBackend backend, Runnable release) implements AutoCloseable {
        public Session {
            java.util.Objects.requireNonNull(backend, "backend");
            java.util.Objects.requireNonNull(release, "release");
        }

        @Override
        public void close() {
            release.run();
        }
    }
}
