package io.guestdata.inject.block;

import java.nio.file.Path;

/**
 * The partition table is unreadable or inconsistent (both GPT headers bad, a partition past the end of the disk,
 * an extended-partition loop). Nothing was written.
 */
public final class PartitionTableException extends BlockException {
    private static final long serialVersionUID = 1L;

    public PartitionTableException(Path image, int partition, String message) {
        super(image, partition, message);
    }

    public PartitionTableException(Path image, String message) {
        super(image, message);
    }

    public PartitionTableException(Path image, String message, Throwable cause) {
        super(image, message, cause);
    }
}
