package io.guestdata.inject.fs;

import java.lang.foreign.MemorySegment;
import java.util.Map;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The in-memory filesystem handle {@code struct struct_ext2_filsys} ({@code ext2fs.h}, the type
 * behind {@code ext2_filsys}). It is not an on-disk structure and its layout is the library's
 * ABI, so this class touches only the fields libext2fs offers no accessor for: it reads
 * {@code flags} (to prove a read-only open really is read-only) and {@code super} (the superblock
 * pointer that {@code ext2fs_free_blocks_count} and the feature checks take), and sets {@code now},
 * the time libext2fs stamps on what it creates itself (the inodes of {@code ext2fs_mkdir}, the
 * superblock's write time) instead of {@code time(NULL)}, as {@code E2FSPROGS_FAKE_TIME} does.
 *
 * <p>The offsets are checked against the installed header by {@code StructLayoutTest}, which
 * compiles a C program printing {@code offsetof(struct struct_ext2_filsys, ...)}.
 */
// Restricted FFM methods (downcalls, reinterpret) are this class's purpose; the JVM runs
// with --enable-native-access for this module.
@SuppressWarnings("restricted")
final class Ext2Filsys {

    static final long OFFSET_FLAGS = 16;
    static final long OFFSET_SUPER = 32;
    /** {@code time_t now}: 64-bit on the platforms the FFM bindings support. */
    static final long OFFSET_NOW = 184;
    /** Bytes of the struct this class may touch: up to and including {@code now}. */
    private static final long TOUCHED_BYTES = OFFSET_NOW + JAVA_LONG.byteSize();

    /** Field name → offset this class relies on, for the layout test. */
    static final Map<String, Long> OFFSETS = Map.of("flags", OFFSET_FLAGS, "super", OFFSET_SUPER, "now", OFFSET_NOW);

    private final MemorySegment handle;

    Ext2Filsys(MemorySegment handle) {
        this.handle = handle.reinterpret(TOUCHED_BYTES);
    }

    /** The {@code ext2_filsys} pointer itself, as passed to libext2fs functions. */
    MemorySegment address() {
        return handle;
    }

    int flags() {
        return handle.get(JAVA_INT, OFFSET_FLAGS);
    }

    /** Sets {@code fs->now}: from then on libext2fs stamps this time (seconds since the epoch), not its own clock. */
    void setNow(long epochSecond) {
        handle.set(JAVA_LONG, OFFSET_NOW, epochSecond);
    }

    /** {@code fs->super}: libext2fs' in-memory copy of the superblock ({@code struct ext2_super_block}). */
    MemorySegment superBlock() {
        return handle.get(ADDRESS, OFFSET_SUPER).reinterpret(Ext2SuperBlock.SIZE);
    }
}
