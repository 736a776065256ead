package io.guestdata.inject;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

import io.guestdata.inject.block.FilesystemType;
import io.guestdata.inject.block.ImageFormat;
import io.guestdata.inject.block.InjectPartition;

/**
 * What an {@link ImageFileBackend} opens: the image file as given, its container format (given to
 * QEMU, never probed again) and the partition; or, for an image that is not a file (an RBD image
 * that this process holds open under its lock), the NBD export on a Unix socket that serves its
 * bytes ({@link io.guestdata.inject.nbd.NbdExport}), which the backend opens instead of the image.
 *
 * @param image      the original image file or block device
 * @param format     its format, as {@link io.guestdata.inject.block.DiskImage} resolved and checked it
 * @param partition  {@link InjectPartition.Number}, {@link InjectPartition.WholeDisk}, or
 *                   {@link InjectPartition.Find} to let the backend find the OS root itself
 * @param filesystem the filesystem type guestdata saw there; empty for {@link InjectPartition.Find}
 * @param nbdSocket  the Unix socket of the NBD export serving the image's bytes (raw), when the
 *                   backend is to open that instead of {@code image}, which then only names it
 */
public record ImageTarget(Path image, ImageFormat format, InjectPartition partition, Optional<FilesystemType> filesystem,
                          Optional<Path> nbdSocket) {

    /** An image file opened by the backend itself. */
    public ImageTarget(Path image, ImageFormat format, InjectPartition partition, Optional<FilesystemType> filesystem) {
        this(image, format, partition, filesystem, Optional.empty());
    }

    public ImageTarget {
        Objects.requireNonNull(nbdSocket, "nbdSocket");
        if (nbdSocket.isPresent() && format != ImageFormat.RAW) {
            throw new IllegalArgumentException("an NBD export serves raw bytes, not " + format.qemuName());
        }
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(partition, "partition");
        Objects.requireNonNull(filesystem, "filesystem");
        if (partition instanceof InjectPartition.Disabled) {
            throw new IllegalArgumentException("injection is disabled: no target");
        }
    }

    /** This target, served by the NBD export on {@code socket} instead of opened as a file. */
    public ImageTarget servedAt(Path socket) {
        return new ImageTarget(image, format, partition, filesystem, Optional.of(socket));
    }

    /** "partition 2", "the whole disk" or "the OS root". */
    public String where() {
        return switch (partition) {
            case InjectPartition.Number(int n) -> "partition " + n;
            case InjectPartition.WholeDisk w -> "the whole disk";
            case InjectPartition.Find f -> "the OS root";
            case InjectPartition.Disabled d -> throw new IllegalStateException("disabled");
        };
    }
}
