package io.guestdata.inject.fs;

import java.util.Objects;

/**
 * New bytes for one run of a {@link FilesystemWindow}: what a closed filesystem wants written.
 *
 * @param position offset of the first byte, relative to the window's start
 * @param bytes    the new content (not copied: the producer hands it over)
 */
public record WindowChange(long position, byte[] bytes) {
    public WindowChange {
        Objects.requireNonNull(bytes, "bytes");
        if (position < 0) {
            throw new IllegalArgumentException("position must not be negative: " + position);
        }
    }

    /** One past the last byte. */
    public long end() {
        return position + bytes.length;
    }

    @Override
    public String toString() {
        return "WindowChange[" + position + ", +" + bytes.length + "]";
    }
}
