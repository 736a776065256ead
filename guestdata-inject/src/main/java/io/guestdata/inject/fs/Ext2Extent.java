package io.guestdata.inject.fs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * libext2fs' decoded extent, {@code struct ext2fs_extent} ({@code ext2fs.h}): what
 * {@code ext2fs_extent_get} fills in for a leaf extent or an index entry of an extent tree. Not an
 * on-disk structure (libext2fs decodes {@code ext3_extent}/{@code ext3_extent_idx} into it, host
 * order); offsets checked against the installed header by {@code StructLayoutTest}.
 */
final class Ext2Extent {

    static final long SIZE = 24;
    static final long OFFSET_PBLK = 0;
    static final long OFFSET_LBLK = 8;
    static final long OFFSET_LEN = 16;
    static final long OFFSET_FLAGS = 20;

    /** Header field name → offset this class relies on, for the layout test. */
    static final Map<String, Long> OFFSETS = Map.of("e_pblk", OFFSET_PBLK, "e_lblk", OFFSET_LBLK,
            "e_len", OFFSET_LEN, "e_flags", OFFSET_FLAGS);

    private final MemorySegment segment;

    Ext2Extent(Arena arena) {
        this.segment = arena.allocate(SIZE, 8);
    }

    MemorySegment segment() {
        return segment;
    }

    /** First physical block (of the extent, or the child node of an index entry). */
    long physical() {
        return segment.get(JAVA_LONG, OFFSET_PBLK);
    }

    /** Blocks covered: the extent's length for a leaf. */
    long length() {
        return Integer.toUnsignedLong(segment.get(JAVA_INT, OFFSET_LEN));
    }

    int flags() {
        return segment.get(JAVA_INT, OFFSET_FLAGS);
    }
}
