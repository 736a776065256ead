package io.guestdata.inject.fs;

/** The type bits of a mode ({@code S_IFMT}, {@code LINUX_S_IF*} in {@code ext2fs.h}). */
public enum FileType {
    REGULAR(0100000),
    DIRECTORY(0040000),
    SYMLINK(0120000),
    CHARACTER_DEVICE(0020000),
    BLOCK_DEVICE(0060000),
    FIFO(0010000),
    SOCKET(0140000),
    UNKNOWN(0);

    static final int S_IFMT = 0170000;

    private final int bits;

    FileType(int bits) {
        this.bits = bits;
    }

    /** The {@code S_IF*} bits of this type. */
    public int bits() {
        return bits;
    }

    /** The type named by the {@code S_IFMT} bits of a full mode. */
    public static FileType ofMode(int mode) {
        int type = mode & S_IFMT;
        for (FileType t : values()) {
            if (t.bits == type && t != UNKNOWN) {
                return t;
            }
        }
        return UNKNOWN;
    }
}
