package io.guestdata.drive.iso9660;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.Arrays;

/**
 * Sequential output of an image through one fixed {@value #BUFFER_SIZE}-byte buffer: metadata is
 * put in small pieces, file content is read from its stream straight into the buffer, so memory
 * does not grow with file sizes. Tracks the byte position, so the writer can check that what it
 * writes lands where the layout said.
 */
final class SectorWriter {
    static final int BUFFER_SIZE = 64 * 1024;

    private final WritableByteChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_SIZE);
    private long position;

    SectorWriter(WritableByteChannel channel) {
        this.channel = channel;
    }

    long position() {
        return position;
    }

    void put(byte[] bytes) throws IOException {
        int off = 0;
        while (off < bytes.length) {
            if (!buffer.hasRemaining()) {
                flush();
            }
            int n = Math.min(buffer.remaining(), bytes.length - off);
            buffer.put(bytes, off, n);
            off += n;
            position += n;
        }
    }

    /** Writes zeros up to {@code target}; the layout guarantees we are not past it. */
    void padTo(long target) throws IOException {
        if (target < position) {
            throw new IllegalStateException("layout error: at byte " + position + ", expected to be at most at " + target);
        }
        long remaining = target - position;
        while (remaining > 0) {
            if (!buffer.hasRemaining()) {
                flush();
            }
            int n = (int) Math.min(buffer.remaining(), remaining);
            Arrays.fill(buffer.array(), buffer.position(), buffer.position() + n, (byte) 0);
            buffer.position(buffer.position() + n);
            remaining -= n;
            position += n;
        }
    }

    /** Fails unless the next byte written lands at {@code expected}. */
    void expect(long expected) {
        if (position != expected) {
            throw new IllegalStateException("layout error: at byte " + position + ", expected " + expected);
        }
    }

    /**
     * Copies exactly {@code size} bytes of {@code in}; fewer or more is an error naming {@code path},
     * since the layout was made from the declared size.
     */
    void copy(InputStream in, long size, String path) throws IOException {
        long remaining = size;
        while (remaining > 0) {
            if (!buffer.hasRemaining()) {
                flush();
            }
            int n = read(in, (int) Math.min(buffer.remaining(), remaining), path);
            if (n < 0) {
                throw new IOException(path + ": content ended after " + (size - remaining) + " bytes; the file was declared "
                        + size + " bytes");
            }
            buffer.position(buffer.position() + n);
            remaining -= n;
            position += n;
        }
        if (read(in, 0, path) >= 0) {
            throw new IOException(path + ": content has more than the declared " + size + " bytes");
        }
    }

    /** Reads up to {@code max} bytes into the buffer (with {@code max == 0}: one byte, to detect excess content). */
    private int read(InputStream in, int max, String path) throws IOException {
        try {
            return max == 0 ? in.read() : in.read(buffer.array(), buffer.position(), max);
        } catch (IOException e) {
            throw new IOException(path + ": reading content failed: " + e.getMessage(), e);
        }
    }

    void flush() throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        buffer.clear();
    }
}
