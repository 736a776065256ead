package io.guestdata.inject.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A whole raw image file or block device (or the raw FUSE view of a qcow2/network image that a
 * {@link QemuStorageExport} provides), read and written in place.
 *
 * <p>Opened writable, it holds an exclusive {@link ImageLock} from before the first write until
 * {@link #close()}; a busy image is refused at open time.
 */
public final class RawImage implements BlockDevice {
    private final Path path;
    private final FileChannel channel;
    private final long size;
    private final boolean writable;
    private final ImageLock lock;
    private final int logicalSectorSize;

    private RawImage(Path path, FileChannel channel, long size, boolean writable, ImageLock lock, int logicalSectorSize) {
        this.path = path;
        this.channel = channel;
        this.size = size;
        this.writable = writable;
        this.lock = lock;
        this.logicalSectorSize = logicalSectorSize;
    }

    /** Opens a raw image or block device read-only; takes no lock. */
    public static RawImage openReadOnly(Path path) throws BlockException {
        return open(path, false, null);
    }

    /**
     * Locks the image exclusively, then opens it read-write.
     *
     * @throws ImageInUseException if a VM, a QEMU tool or another writer has it open
     */
    public static RawImage openWritable(Path path) throws BlockException {
        ImageLock lock = ImageLock.acquire(path);
        try {
            return open(path, true, lock);
        } catch (BlockException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /** Opens an export file whose image is already held (and locked) by qemu-storage-daemon. */
    static RawImage openExported(Path exportFile, boolean writable) throws BlockException {
        return open(exportFile, writable, null);
    }

    private static RawImage open(Path path, boolean writable, ImageLock lock) throws BlockException {
        try {
            FileChannel channel = writable
                    ? FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)
                    : FileChannel.open(path, StandardOpenOption.READ);
            try {
                // A block device's st_size is 0: its size and sector size come from sysfs.
                var geometry = BlockDeviceGeometry.of(path);
                long size = geometry.isPresent() ? geometry.get().sizeBytes() : channel.size();
                int sector = geometry.map(BlockDeviceGeometry::logicalSectorSize).orElse(512);
                return new RawImage(path, channel, size, writable, lock, sector);
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        } catch (IOException e) {
            throw new BlockException(path, "cannot open " + (writable ? "read-write" : "read-only") + ": " + e, e);
        }
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
        BlockDevice.checkRange(path, -1, size, position, dst.remaining(), "read");
        long at = position;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, at);
            if (n < 0) {
                throw new BlockException(path, "unexpected end of file at offset " + at + " (the image shrank?)");
            }
            at += n;
        }
    }

    @Override
    public void write(long position, ByteBuffer src) throws IOException {
        checkWrite(position, src.remaining());
        long at = position;
        while (src.hasRemaining()) {
            at += channel.write(src, at);
        }
    }

    @Override
    public Path path() {
        return path;
    }

    /**
     * The logical sector size MBR partition tables are read with: the kernel's logical block
     * size for a block device, 512 for an image file (image files carry no sector size; a GPT's
     * is found from where its header is).
     */
    public int logicalSectorSize() {
        return logicalSectorSize;
    }

    @Override
    public long offset() {
        return 0;
    }

    @Override
    public boolean writable() {
        return writable;
    }

    @Override
    public void flush() throws IOException {
        if (writable) {
            channel.force(true);
        }
    }

    /** Closes the channel, then releases the lock (so no write can follow the unlock). */
    @Override
    public void close() throws IOException {
        try {
            channel.close();
        } finally {
            if (lock != null) {
                lock.close();
            }
        }
    }
}
