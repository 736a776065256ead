package io.guestdata.inject;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

import io.guestdata.inject.block.FilesystemType;
import io.guestdata.inject.block.ImageFormat;
import io.guestdata.inject.block.InjectPartition;

/**
 * What an {@link ImageFileBackend} opens: the image file as given, its container format (given to
 * QEMU, never probed again) and the partition.
 *
 * @param image      the original image file or block device
 * @param format     its format, as {@link io.guestdata.inject.block.DiskImage} resolved and checked it
 * @param partition  {@link InjectPartition.Number}, {@link InjectPartition.WholeDisk}, or
 *                   {@link InjectPartition.Find} to let the backend find the OS root itself
 * @param filesystem the filesystem type guestdata saw there; empty for {@link InjectPartition.Find}
 */
public record ImageTarget(Path image, ImageFormat format, InjectPartition partition, Optional<FilesystemType> filesystem) {
    public ImageTarget {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(partition, "partition");
        Objects.requireNonNull(filesystem, "filesystem");
        if (partition instanceof InjectPartition.Disabled) {
            throw new IllegalArgumentException("injection is disabled: no target");
        }
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
