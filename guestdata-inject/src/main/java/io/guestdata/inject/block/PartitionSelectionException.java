package io.guestdata.inject.block;

import java.nio.file.Path;

/**
 * {@code inject_partition} does not select a usable target: the partition does not exist, no OS root or more than
 * one was found, or the target holds no filesystem we can write. Nothing was written.
 */
public final class PartitionSelectionException extends BlockException {
    private static final long serialVersionUID = 1L;

    public PartitionSelectionException(Path image, int partition, String message) {
        super(image, partition, message);
    }

    public PartitionSelectionException(Path image, String message) {
        super(image, message);
    }

    public PartitionSelectionException(Path image, String message, Throwable cause) {
        super(image, message, cause);
    }
}
