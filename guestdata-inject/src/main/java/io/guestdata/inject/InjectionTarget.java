package io.guestdata.inject;

import java.util.Objects;

import io.guestdata.inject.block.DiskImage;
import io.guestdata.inject.block.FilesystemType;
import io.guestdata.inject.block.PartitionView;

/**
 * The filesystem injection writes into: the opened disk, the chosen partition (number 0 for the
 * whole disk) and what its superblock says it holds.
 *
 * @param disk       the disk image as opened (format, raw view, export)
 * @param partition  the chosen window of it
 * @param filesystem its filesystem type, by superblock magic
 */
public record InjectionTarget(DiskImage disk, PartitionView partition, FilesystemType filesystem) {
    public InjectionTarget {
        Objects.requireNonNull(disk, "disk");
        Objects.requireNonNull(partition, "partition");
        Objects.requireNonNull(filesystem, "filesystem");
    }

    /** "partition 2" or "the whole disk". */
    public String where() {
        return partition.number() == 0 ? "the whole disk" : "partition " + partition.number();
    }
}
