package io.guestdata.inject.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * A window of a {@link BlockDevice}: one partition (numbered as Linux numbers it) or, with
 * number 0, the whole disk. Every read and write is checked against the window before it is
 * passed on, so nothing outside the partition can be touched through it.
 *
 * <p>The view owns nothing: closing it leaves the parent open.
 */
public final class PartitionView implements BlockDevice {
    private final BlockDevice parent;
    private final int number;
    private final long start;
    private final long length;

    /**
     * @throws OutOfBoundsException if the window does not lie inside the parent
     */
    public PartitionView(BlockDevice parent, int number, long start, long length) throws OutOfBoundsException {
        BlockDevice.checkRange(parent.path(), number, parent.size(), start, length, "partition");
        this.parent = parent;
        this.number = number;
        this.start = start;
        this.length = length;
    }

    /** A view of {@code partition} on {@code disk}. */
    public static PartitionView of(BlockDevice disk, Partition partition) throws OutOfBoundsException {
        return new PartitionView(disk, partition.number(), partition.start(), partition.length());
    }

    /** A non-owning view of the whole of {@code disk}, numbered 0. */
    public static PartitionView wholeDisk(BlockDevice disk) throws OutOfBoundsException {
        return new PartitionView(disk, 0, 0, disk.size());
    }

    /** Partition number (Linux numbering); 0 for the whole disk. */
    public int number() {
        return number;
    }

    /** Start of the window inside the parent device, in bytes. */
    public long start() {
        return start;
    }

    /** The device this is a window of. */
    public BlockDevice parent() {
        return parent;
    }

    @Override
    public long size() {
        return length;
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
        BlockDevice.checkRange(parent.path(), number, length, position, dst.remaining(), "read");
        parent.read(start + position, dst);
    }

    @Override
    public void write(long position, ByteBuffer src) throws IOException {
        BlockDevice.checkRange(parent.path(), number, length, position, src.remaining(), "write");
        parent.write(start + position, src);
    }

    @Override
    public Path path() {
        return parent.path();
    }

    @Override
    public long offset() {
        return parent.offset() + start;
    }

    @Override
    public boolean writable() {
        return parent.writable();
    }

    @Override
    public void flush() throws IOException {
        parent.flush();
    }

    @Override
    public void close() {
        // A view owns nothing.
    }

    @Override
    public String toString() {
        return (number == 0 ? "whole disk" : "partition " + number) + " of " + parent.path()
                + " [" + start + ", +" + length + ")";
    }
}
