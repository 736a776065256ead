package io.guestdata.inject.fs;

/** How a guest filesystem is opened. */
public enum OpenMode {
    /** libext2fs opens the image without {@code EXT2_FLAG_RW}: the descriptor is read-only and nothing can be written. */
    READ_ONLY,
    /** Writes allowed after the safety checks; the image must not be in use by a VM (locking is the block layer's job). */
    READ_WRITE
}
