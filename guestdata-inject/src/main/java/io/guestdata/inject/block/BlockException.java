package io.guestdata.inject.block;

import java.io.IOException;
import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * A disk image cannot be read or written as asked. The message names the image, the partition
 * when one is concerned, what is wrong and what to do about it; it is meant to be printed as is
 * on one line.
 *
 * <p>Subclasses say which front door refused: {@link ImageInUseException},
 * {@link ImageFormatException}, {@link PartitionTableException},
 * {@link PartitionSelectionException}, {@link OutOfBoundsException},
 * {@link QemuExportException}. All of them are thrown before the first byte is written unless
 * the subclass says otherwise.
 */
public class BlockException extends IOException {
    private static final long serialVersionUID = 1L;

    private final Path image;
    private final int partition;

    /**
     * @param image the image file, device or export at fault (may be null for a network target)
     * @param partition the partition number (Linux numbering), or -1 when no partition is concerned
     * @param message what is wrong and what to do
     */
    public BlockException(Path image, int partition, String message) {
        super(format(image, partition, message));
        this.image = image;
        this.partition = partition;
    }

    public BlockException(Path image, int partition, String message, Throwable cause) {
        super(format(image, partition, message), cause);
        this.image = image;
        this.partition = partition;
    }

    public BlockException(Path image, String message) {
        this(image, -1, message);
    }

    public BlockException(Path image, String message, Throwable cause) {
        this(image, -1, message, cause);
    }

    /** The image, device or export file at fault; null for a network target without a path. */
    public Path image() {
        return image;
    }

    /** The partition at fault (Linux numbering), if one is concerned. */
    public OptionalInt partition() {
        return partition < 0 ? OptionalInt.empty() : OptionalInt.of(partition);
    }

    private static String format(Path image, int partition, String message) {
        // The partition number is carried as a field; messages name it in their own words.
        return (image == null ? "(network block device)" : image.toString()) + ": " + message;
    }
}
