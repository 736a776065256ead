package io.guestdata.inject.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * A readable (and, when opened so, writable) range of bytes: a whole raw image or block device,
 * a raw export of a qcow2/network image, or one partition of any of these.
 *
 * <p>A native library that wants to open the bytes itself (libext2fs) opens {@link #path()} and
 * adds {@link #offset()} to every position ({@code unix_io}'s {@code offset=} option); it must
 * stay within {@link #size()} bytes from there. A network image read through its library in this
 * process ({@link io.guestdata.inject.rbd.RbdImage}) has no such file: its {@link #path()} is only
 * its name for messages ({@code rbd:POOL/IMAGE}); nothing in guestdata opens a device's
 * {@link #path()} today (libext2fs reads through a {@link io.guestdata.inject.fs.FilesystemWindow}).
 *
 * <p>Reads and writes are positional and complete: they transfer the whole remaining buffer or
 * throw. A transfer that would cross the end of the view throws {@link OutOfBoundsException}
 * before any byte moves.
 */
public interface BlockDevice extends AutoCloseable {
    /** Size of this view in bytes. */
    long size();

    /**
     * Reads {@code dst.remaining()} bytes starting at {@code position} (relative to this view).
     *
     * @throws OutOfBoundsException if the range leaves the view
     */
    void read(long position, ByteBuffer dst) throws IOException;

    /**
     * Writes all of {@code src.remaining()} bytes at {@code position} (relative to this view).
     *
     * @throws OutOfBoundsException if the range leaves the view
     * @throws BlockException if the device was opened read-only
     */
    void write(long position, ByteBuffer src) throws IOException;

    /** The raw file or device a native library can open to reach these bytes; a network image's name. */
    Path path();

    /** Byte offset inside {@link #path()} where this view starts. */
    long offset();

    /** Whether {@link #write} is allowed. */
    boolean writable();

    /** Forces written bytes to stable storage. */
    void flush() throws IOException;

    /**
     * Reads {@code length} bytes at {@code position} into a new little-endian buffer.
     *
     * @throws OutOfBoundsException if the range leaves the view
     */
    default ByteBuffer readBytes(long position, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        read(position, b);
        return b.flip();
    }

    /**
     * A view of {@code length} bytes starting at {@code start} of this device, numbered
     * {@code number} (0 for the whole disk). Closing the view does not close this device.
     */
    default PartitionView slice(int number, long start, long length) throws OutOfBoundsException {
        return new PartitionView(this, number, start, length);
    }

    /** Releases the device (and its lock or export, if it owns one). Views own nothing. */
    @Override
    void close() throws IOException;

    /**
     * The checks before a {@link #write} of {@code length} bytes at {@code position} of a whole device (not a
     * partition view): it is writable, and the range lies in it.
     *
     * @throws BlockException       it was opened read-only
     * @throws OutOfBoundsException the range leaves the device
     */
    default void checkWrite(long position, long length) throws BlockException {
        if (!writable()) {
            throw new BlockException(path(), "opened read-only; open it writable to inject");
        }
        checkRange(path(), -1, size(), position, length, "write");
    }

    /** Throws {@link OutOfBoundsException} unless {@code [position, position+length)} lies in {@code [0, size)}. */
    static void checkRange(Path path, int partition, long size, long position, long length, String what)
            throws OutOfBoundsException {
        if (position < 0 || length < 0 || position > size || length > size - position) {
            throw new OutOfBoundsException(path, partition, what + " of " + length + " bytes at offset " + position
                    + " leaves the " + size + "-byte " + (partition > 0 ? "partition " + partition : "device")
                    + "; nothing was transferred");
        }
    }
}
