package io.guestdata.inject;

import java.io.IOException;
import java.util.Objects;
import java.util.Set;

import io.guestdata.inject.block.ImageFormat;
import io.guestdata.inject.fs.GuestFilesystem;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.fs.OpenMode;

/**
 * A backend that opens the image file itself, with a QEMU of its own (libguestfs' appliance),
 * instead of reading guestdata's view of it. An injection chooses the partition and the filesystem
 * from its own open of the image ({@link LocateFilesystem}), then closes it (no lock, no
 * qemu-storage-daemon of guestdata's stays on the image: QEMU could not lock it), checks that
 * nobody else holds the image, and then calls {@link #openImage} ({@link CheckFilesystem}). An RBD image is the exception: it
 * stays open under guestdata's lock and the target names the NBD export serving it
 * ({@link ImageTarget#nbdSocket()}, {@link ExportedDisk}). The planning and writing are the same as
 * for any backend: only the {@link GuestFilesystem} comes from here.
 */
public interface ImageFileBackend extends FilesystemBackend {

    /**
     * The filesystem opened, and where it is, as the report says it ({@code partition 2 (xfs)},
     * {@code the OS root found by inspect_os: /dev/sda2 on /, /dev/sda3 on /srv}).
     */
    record Opened(GuestFilesystem filesystem, String target) {
        public Opened {
            Objects.requireNonNull(filesystem, "filesystem");
            Objects.requireNonNull(target, "target");
        }
    }

    /** The container formats {@link #openImage} takes. */
    Set<ImageFormat> formats();

    /**
     * Opens the target's filesystem from the image file (or the NBD export the target names);
     * read-only for {@link OpenMode#READ_ONLY}. Nothing of guestdata's holds an image file when this
     * is called.
     *
     * @throws GuestFsException the filesystem cannot be opened or found; nothing was written
     * @throws IOException      the image cannot be used ({@link io.guestdata.inject.block.ImageInUseException}
     *                          when another process holds it)
     */
    Opened openImage(ImageTarget target, OpenMode mode) throws GuestFsException, IOException;

    /** Not used for these backends: guestdata's view of the image is closed before they open it. */
    @Override
    default GuestFilesystem open(InjectionTarget target, OpenMode mode) {
        throw new UnsupportedOperationException("the " + name() + " backend opens the image file itself (openImage)");
    }
}
