package io.guestdata.inject;

import java.io.IOException;

import io.guestdata.inject.block.FilesystemType;
import io.guestdata.inject.fs.GuestFilesystem;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.fs.OpenMode;

/**
 * A way to open a guest filesystem in-process. The orchestrator ({@link DiskInjector}) plans and
 * writes only through {@link GuestFilesystem}, so a backend is everything that differs between,
 * say, libext2fs and libguestfs. Backends are listed in {@link FilesystemBackends#thisBuild()}.
 */
public interface FilesystemBackend {

    /** The name {@code --backend} takes: {@code ext2fs}, {@code guestfs}. */
    String name();

    /** Whether this backend reads and writes that filesystem. */
    boolean supports(FilesystemType type);

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
}
