package io.guestdata.inject.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * A {@link FilesystemWindow} over a plain file from a byte offset to its end, for tools, tests and
 * benchmarks that hold a filesystem image themselves ({@link Ext2Filesystem#open(Path, long, OpenMode)}).
 * Its commit writes the changes in place and forces them to disk, without an undo journal and
 * without a lock: injection into guest images goes through the block layer's journaled window
 * instead.
 */
public final class FileWindow implements FilesystemWindow, AutoCloseable {
    private final Path file;
    private final long offset;
    private final long size;
    private final FileChannel channel;

    private FileWindow(Path file, long offset, long size, FileChannel channel) {
        this.file = file;
        this.offset = offset;
        this.size = size;
        this.channel = channel;
    }

    /** Opens {@code file} from {@code offset} to its end; writable for {@link #commit}. */
    public static FileWindow open(Path file, long offset, boolean writable) throws IOException {
        return open(file, offset, -1, writable);
    }

    /**
     * Opens {@code size} bytes of {@code file} from {@code offset} (-1: to the end of the file; the
     * channel's size, which for a block device is the device's size).
     */
    public static FileWindow open(Path file, long offset, long size, boolean writable) throws IOException {
        FileChannel channel = writable
                ? FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)
                : FileChannel.open(file, StandardOpenOption.READ);
        try {
            long total = channel.size();
            if (offset < 0 || offset > total) {
                throw new IOException(file + ": offset " + offset + " is outside the " + total + "-byte file");
            }
            long length = size < 0 ? total - offset : size;
            if (length > total - offset) {
                throw new IOException(file + ": " + length + " bytes from offset " + offset + " leave the " + total
                        + "-byte file");
            }
            return new FileWindow(file, offset, length, channel);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
        if (position < 0 || position > size || dst.remaining() > size - position) {
            throw new IOException(describe() + ": a read of " + dst.remaining() + " bytes at " + position
                    + " leaves the window");
        }
        long at = offset + position;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, at);
            if (n < 0) {
                throw new IOException(describe() + ": unexpected end of file at " + at);
            }
            at += n;
        }
    }

    @Override
    public void commit(List<WindowChange> changes) throws IOException {
        for (WindowChange c : changes) {
            if (c.end() > size) {
                throw new IOException(describe() + ": a change at " + c.position() + " leaves the window");
            }
        }
        for (WindowChange c : changes) {
            ByteBuffer b = ByteBuffer.wrap(c.bytes());
            long at = offset + c.position();
            while (b.hasRemaining()) {
                at += channel.write(b, at);
            }
        }
        channel.force(true);
    }

    @Override
    public String describe() {
        return file + (offset == 0 ? "" : " at offset " + offset);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
