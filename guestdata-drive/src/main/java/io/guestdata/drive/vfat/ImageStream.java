package io.guestdata.drive.vfat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * Writes an image front to back. Regions that are all zeros (free clusters, the unused part of the
 * FATs, the slack after each file) are skipped with {@link #skipTo(long)}: on a seekable channel
 * whose position is at its end (a new or truncated file) by moving the position, which leaves a
 * hole that reads as zeros and takes no disk space; on any other channel by writing zeros.
 * Offsets are relative to where the channel was when the stream started.
 */
final class ImageStream {
    private static final int ZEROS = 64 * 1024;
    private final WritableByteChannel out;
    private final SeekableByteChannel seekable;
    private final long base;
    private long position;
    private ByteBuffer zeros;

    ImageStream(WritableByteChannel out) throws IOException {
        this.out = out;
        SeekableByteChannel s = out instanceof SeekableByteChannel c && c.position() == c.size() ? c : null;
        this.seekable = s;
        this.base = s == null ? 0 : s.position();
    }

    /** Current offset in the image. */
    long position() {
        return position;
    }

    /** True if skipped regions become holes rather than written zeros. */
    boolean sparse() {
        return seekable != null;
    }

    /** Writes all remaining bytes of {@code buffer} at the current offset. */
    void write(ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            position += out.write(buffer);
        }
    }

    /** Moves forward to {@code offset}; the bytes between read as zeros. */
    void skipTo(long offset) throws IOException {
        if (offset < position) {
            throw new IllegalStateException("image regions out of order: at " + position + ", asked for " + offset);
        }
        if (seekable != null) {
            position = offset;
            seekable.position(base + position);
            return;
        }
        if (zeros == null) {
            zeros = ByteBuffer.allocate(ZEROS);
        }
        while (position < offset) {
            zeros.clear().limit((int) Math.min(ZEROS, offset - position));
            write(zeros);
        }
    }

    /** Ends the image at {@code size} bytes; a trailing hole is closed by writing its last byte. */
    void finish(long size) throws IOException {
        if (seekable != null && size > position && seekable.size() < base + size) {
            skipTo(size - 1);
            write(ByteBuffer.allocate(1));
        } else {
            skipTo(size);
        }
    }
}
