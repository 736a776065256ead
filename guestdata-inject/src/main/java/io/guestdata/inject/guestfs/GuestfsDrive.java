package io.guestdata.inject.guestfs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.fs.GuestFsException.Kind;

/**
 * What libguestfs' appliance is given as its disk ({@code guestfs_add_drive_opts}): an image file
 * with its format, or the default export of an NBD server on a Unix socket. The one place that
 * decides how a drive is added.
 */
public sealed interface GuestfsDrive {

    /** For messages: the image file, or the disk behind the socket. */
    String name();

    /** For messages: the format, and how it is reached ({@code raw}, {@code raw over NBD at /run/x/nbd.sock}). */
    String how();

    /** Refuses a drive that cannot be opened (missing, unreadable), before an appliance is launched. */
    void check(String operation) throws GuestFsException;

    void addTo(GuestfsHandle handle, boolean readOnly) throws LibguestfsException;

    /**
     * An image file, its format given ({@code raw} or {@code qcow2}, never probed: probing a raw
     * image that looks like qcow2 would follow its backing file on the host).
     */
    record File(Path image, String format) implements GuestfsDrive {
        public File {
            Objects.requireNonNull(image, "image");
            Objects.requireNonNull(format, "format");
            format = format.toLowerCase(Locale.ROOT);
            if (!GuestfsFilesystem.FORMATS.contains(format)) {
                throw new IllegalArgumentException("image format " + format + " is not one of " + GuestfsFilesystem.FORMATS
                        + "; it is given, never probed");
            }
        }

        @Override
        public String name() {
            return image.toString();
        }

        @Override
        public String how() {
            return format;
        }

        @Override
        public void check(String operation) throws GuestFsException {
            if (!Files.exists(image)) {
                throw new GuestFsException(Kind.OPEN_FAILED, operation, null, "no such image file");
            }
            if (!Files.isReadable(image)) {
                throw new GuestFsException(Kind.OPEN_FAILED, operation, null, "the image is not readable");
            }
        }

        @Override
        public void addTo(GuestfsHandle handle, boolean readOnly) throws LibguestfsException {
            handle.addDrive(image, format, readOnly);
        }
    }

    /**
     * The default export of an NBD server listening on {@code socket}, raw: {@code protocol=nbd},
     * {@code server=["unix:SOCKET"]}, {@code format=raw}. QEMU is given the socket and nothing else.
     *
     * @param name how messages name the disk behind it ({@code rbd:POOL/IMAGE})
     */
    record Nbd(Path socket, String name) implements GuestfsDrive {
        public Nbd {
            Objects.requireNonNull(socket, "socket");
            Objects.requireNonNull(name, "name");
        }

        @Override
        public String how() {
            return "raw over NBD at " + socket;
        }

        @Override
        public void check(String operation) throws GuestFsException {
            if (!Files.exists(socket)) {
                throw new GuestFsException(Kind.OPEN_FAILED, operation, null, "the NBD socket " + socket + " is gone");
            }
        }

        @Override
        public void addTo(GuestfsHandle handle, boolean readOnly) throws LibguestfsException {
            handle.addNbdDrive(socket, readOnly);
        }
    }
}
