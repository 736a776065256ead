package io.guestdata.inject.block;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Size and logical sector size of a Linux block device, read from sysfs
 * ({@code /sys/dev/block/MAJOR:MINOR/size} counts 512-byte units whatever the device's sector
 * size; {@code queue/logical_block_size} is on the whole disk, so a partition asks its parent).
 * Only a {@code stat} of the device node is done; the device is not opened.
 *
 * @param sizeBytes device size in bytes
 * @param logicalSectorSize the kernel's logical block size (512 or 4096)
 */
record BlockDeviceGeometry(long sizeBytes, int logicalSectorSize) {
    /** The geometry of {@code device} if it is a block device, else empty. */
    static Optional<BlockDeviceGeometry> of(Path device) throws IOException {
        Path real = device.toRealPath();
        if (!ImageLock.isBlockDevice(real)) {
            return Optional.empty();
        }
        long rdev = ((Number) Files.getAttribute(real, "unix:rdev")).longValue();
        Path sys = Path.of("/sys/dev/block", major(rdev) + ":" + minor(rdev)).toRealPath();
        long sectors = Long.parseLong(Files.readString(sys.resolve("size")).strip());
        Path queue = Files.isDirectory(sys.resolve("queue")) ? sys.resolve("queue") : sys.getParent().resolve("queue");
        int logical = Files.exists(queue.resolve("logical_block_size"))
                ? Integer.parseInt(Files.readString(queue.resolve("logical_block_size")).strip())
                : 512;
        return Optional.of(new BlockDeviceGeometry(sectors * 512, logical));
    }

    /** glibc's gnu_dev_major. */
    static long major(long rdev) {
        return ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & 0xfffff000L);
    }

    /** glibc's gnu_dev_minor. */
    static long minor(long rdev) {
        return (rdev & 0xff) | ((rdev >>> 12) & 0xffffff00L);
    }
}
