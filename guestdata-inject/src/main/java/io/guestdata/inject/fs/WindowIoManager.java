package io.guestdata.inject.fs;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * An {@code io_manager} for libext2fs written in Java ({@code struct struct_io_manager} and
 * {@code struct struct_io_channel}, {@code ext2fs/ext2_io.h}): libext2fs reads and writes blocks
 * by calling back into Java, and Java serves them from a {@link WindowOverlay} over a
 * {@link FilesystemWindow}. libext2fs is never given a file name it could open, never an offset it
 * could overshoot: this replaces {@code unix_io_manager} with its {@code offset=} option, which
 * would read and write wherever the filesystem's metadata pointed, past the end of its partition
 * into the next one, or grow the image file.
 *
 * <p>The manager table and its upcall stubs are process-wide, as a C {@code io_manager} is; a
 * channel is tied to its overlay by a name registered just for the {@code ext2fs_open2} call
 * ({@link #open}). Every callback catches everything: an exception must never unwind into C.
 * Only {@code open}, {@code close}, {@code set_blksize}, {@code read_blk(64)},
 * {@code write_blk(64)} and {@code flush} are provided; libext2fs falls back for the optional
 * entries (superblock writes through {@code write_blk64} with a negative count, zeroing through
 * plain writes).
 *
 * <p>Offsets are checked against the installed header by {@code StructLayoutTest}.
 */
@SuppressWarnings("restricted") // upcalls and reinterpret are this class's purpose
final class WindowIoManager {

    /** {@code errcode_t} values, {@code ext2_err.h}. */
    static final long EXT2_ET_MAGIC_IO_CHANNEL = 2133571333L;
    static final long EXT2_ET_MAGIC_IO_MANAGER = 2133571335L;
    static final long EXT2_ET_RO_FILSYS = 2133571349L;
    static final long EXT2_ET_SHORT_READ = 2133571364L;
    static final long EXT2_ET_SHORT_WRITE = 2133571365L;
    static final long EXT2_ET_BAD_DEVICE_NAME = 2133571386L;
    static final long EXT2_ET_INVALID_ARGUMENT = 2133571399L;
    /** {@code IO_FLAG_RW}, {@code ext2_io.h}. */
    static final int IO_FLAG_RW = 0x0001;

    // struct struct_io_manager
    static final long MANAGER_MAGIC = 0;
    static final long MANAGER_NAME = 8;
    static final long MANAGER_OPEN = 16;
    static final long MANAGER_CLOSE = 24;
    static final long MANAGER_SET_BLKSIZE = 32;
    static final long MANAGER_READ_BLK = 40;
    static final long MANAGER_WRITE_BLK = 48;
    static final long MANAGER_FLUSH = 56;
    static final long MANAGER_READ_BLK64 = 88;
    static final long MANAGER_WRITE_BLK64 = 96;
    static final long MANAGER_SIZE = 240;

    // struct struct_io_channel
    static final long CHANNEL_MAGIC = 0;
    static final long CHANNEL_MANAGER = 8;
    static final long CHANNEL_NAME = 16;
    static final long CHANNEL_BLOCK_SIZE = 24;
    static final long CHANNEL_REFCOUNT = 48;
    static final long CHANNEL_FLAGS = 52;
    static final long CHANNEL_PRIVATE_DATA = 168;
    static final long CHANNEL_ALIGN = 184;
    static final long CHANNEL_SIZE = 192;

    /** Field name → offset, for the layout test. */
    static final Map<String, Long> MANAGER_OFFSETS = Map.of("magic", MANAGER_MAGIC, "name", MANAGER_NAME,
            "open", MANAGER_OPEN, "close", MANAGER_CLOSE, "set_blksize", MANAGER_SET_BLKSIZE,
            "read_blk", MANAGER_READ_BLK, "write_blk", MANAGER_WRITE_BLK, "flush", MANAGER_FLUSH,
            "read_blk64", MANAGER_READ_BLK64, "write_blk64", MANAGER_WRITE_BLK64);
    static final Map<String, Long> CHANNEL_OFFSETS = Map.of("magic", CHANNEL_MAGIC, "manager", CHANNEL_MANAGER,
            "name", CHANNEL_NAME, "block_size", CHANNEL_BLOCK_SIZE, "refcount", CHANNEL_REFCOUNT,
            "flags", CHANNEL_FLAGS, "private_data", CHANNEL_PRIVATE_DATA, "align", CHANNEL_ALIGN);

    private static final String NAME_PREFIX = "guestdata-window:";
    private static final AtomicLong NEXT_ID = new AtomicLong();
    /** Overlays waiting for their {@code open} callback, by the name given to {@code ext2fs_open2}. */
    private static final Map<String, WindowOverlay> WAITING = new ConcurrentHashMap<>();
    /** Open channels, by the id kept in {@code channel->private_data}. */
    private static final Map<Long, Channel> OPEN = new ConcurrentHashMap<>();

    private static final MemorySegment MANAGER = createManager();

    /** One open channel: its overlay and the native memory of its struct. */
    private record Channel(WindowOverlay overlay, Arena arena) {
    }

    private WindowIoManager() {
    }

    /** The {@code io_manager} to pass to {@code ext2fs_open2}. */
    static MemorySegment manager() {
        return MANAGER;
    }

    /**
     * Makes {@code overlay} the target of the next {@code ext2fs_open2} called with the returned
     * name; call {@link #forget} with it after that call returns, whatever it returned.
     */
    static String register(WindowOverlay overlay) {
        String name = NAME_PREFIX + NEXT_ID.incrementAndGet();
        WAITING.put(name, overlay);
        return name;
    }

    static void forget(String name) {
        WAITING.remove(name);
    }

    /** Channels open now (for tests: every close must free its channel). */
    static int openChannels() {
        return OPEN.size();
    }

    // --- callbacks -------------------------------------------------------------------------

    private static long open(MemorySegment name, int flags, MemorySegment channelOut) {
        try {
            String n = name.reinterpret(Long.MAX_VALUE).getString(0);
            WindowOverlay overlay = WAITING.remove(n);
            if (overlay == null) {
                return EXT2_ET_BAD_DEVICE_NAME;
            }
            if ((flags & IO_FLAG_RW) != 0 && !overlay.writable()) {
                return EXT2_ET_RO_FILSYS;
            }
            Arena arena = Arena.ofShared();
            MemorySegment channel = arena.allocate(CHANNEL_SIZE, 8);
            long id = NEXT_ID.incrementAndGet();
            channel.set(JAVA_LONG, CHANNEL_MAGIC, EXT2_ET_MAGIC_IO_CHANNEL);
            channel.set(ADDRESS, CHANNEL_MANAGER, MANAGER);
            channel.set(ADDRESS, CHANNEL_NAME, arena.allocateFrom(n));
            channel.set(JAVA_INT, CHANNEL_BLOCK_SIZE, 1024);
            channel.set(JAVA_INT, CHANNEL_REFCOUNT, 1);
            channel.set(JAVA_INT, CHANNEL_FLAGS, 0);
            channel.set(ADDRESS, CHANNEL_PRIVATE_DATA, MemorySegment.ofAddress(id));
            channel.set(JAVA_INT, CHANNEL_ALIGN, 0);
            OPEN.put(id, new Channel(overlay, arena));
            channelOut.reinterpret(ADDRESS.byteSize()).set(ADDRESS, 0, channel);
            return 0;
        } catch (Throwable t) {
            return EXT2_ET_INVALID_ARGUMENT;
        }
    }

    private static long close(MemorySegment channel) {
        try {
            MemorySegment c = channel.reinterpret(CHANNEL_SIZE);
            int refs = c.get(JAVA_INT, CHANNEL_REFCOUNT) - 1;
            c.set(JAVA_INT, CHANNEL_REFCOUNT, refs);
            if (refs > 0) {
                return 0;
            }
            Channel ch = OPEN.remove(c.get(ADDRESS, CHANNEL_PRIVATE_DATA).address());
            if (ch == null) {
                return EXT2_ET_MAGIC_IO_CHANNEL;
            }
            c.set(JAVA_LONG, CHANNEL_MAGIC, 0);
            ch.arena().close();
            return 0;
        } catch (Throwable t) {
            return EXT2_ET_INVALID_ARGUMENT;
        }
    }

    private static long setBlockSize(MemorySegment channel, int size) {
        try {
            if (size <= 0) {
                return EXT2_ET_INVALID_ARGUMENT;
            }
            channel.reinterpret(CHANNEL_SIZE).set(JAVA_INT, CHANNEL_BLOCK_SIZE, size);
            return 0;
        } catch (Throwable t) {
            return EXT2_ET_INVALID_ARGUMENT;
        }
    }

    private static long readBlock(MemorySegment channel, long block, int count, MemorySegment data) {
        return transfer(channel, block, count, data, false);
    }

    private static long writeBlock(MemorySegment channel, long block, int count, MemorySegment data) {
        return transfer(channel, block, count, data, true);
    }

    /** {@code count} blocks at {@code block} between libext2fs' buffer and the channel's overlay. */
    private static long transfer(MemorySegment channel, long block, int count, MemorySegment data, boolean write) {
        long failed = write ? EXT2_ET_SHORT_WRITE : EXT2_ET_SHORT_READ;
        try {
            MemorySegment c = channel.reinterpret(CHANNEL_SIZE);
            Channel ch = channel(c);
            long[] range = range(c, block, count);
            if (range == null) {
                ch.overlay().refuse("a " + (write ? "write" : "read") + " of " + count + " blocks at block "
                        + Long.toUnsignedString(block));
                return failed;
            }
            java.nio.ByteBuffer buffer = data.reinterpret(range[1]).asByteBuffer();
            if (write) {
                ch.overlay().write(range[0], buffer);
            } else {
                ch.overlay().read(range[0], buffer);
            }
            return 0;
        } catch (Throwable t) {
            return failed;
        }
    }

    private static long flush(MemorySegment channel) {
        return 0; // nothing is written before the commit
    }

    private static Channel channel(MemorySegment c) throws IOException {
        Channel ch = OPEN.get(c.get(ADDRESS, CHANNEL_PRIVATE_DATA).address());
        if (ch == null || c.get(JAVA_LONG, CHANNEL_MAGIC) != EXT2_ET_MAGIC_IO_CHANNEL) {
            throw new IOException("not a channel of this manager");
        }
        return ch;
    }

    /**
     * Byte position and length of {@code count} blocks at {@code block} (a negative count is a
     * byte count, as in every libext2fs io manager); null when it overflows or is too long for
     * one buffer.
     */
    private static long[] range(MemorySegment c, long block, int count) {
        long blockSize = c.get(JAVA_INT, CHANNEL_BLOCK_SIZE);
        long length = count < 0 ? -(long) count : count * blockSize;
        if (block < 0 || length > Integer.MAX_VALUE) {
            return null;
        }
        try {
            return new long[] {Math.multiplyExact(block, blockSize), length};
        } catch (ArithmeticException e) {
            return null;
        }
    }

    // --- the table -------------------------------------------------------------------------

    private static MemorySegment createManager() {
        Linker linker = Linker.nativeLinker();
        Arena global = Arena.global();
        MemorySegment m = global.allocate(MANAGER_SIZE, 8);
        m.set(JAVA_LONG, MANAGER_MAGIC, EXT2_ET_MAGIC_IO_MANAGER);
        m.set(ADDRESS, MANAGER_NAME, global.allocateFrom("guestdata window I/O manager"));
        FunctionDescriptor blockIo = FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS);
        MemorySegment read = stub(linker, "readBlock", blockIo, global);
        MemorySegment write = stub(linker, "writeBlock", blockIo, global);
        m.set(ADDRESS, MANAGER_OPEN, stub(linker, "open",
                FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_INT, ADDRESS), global));
        m.set(ADDRESS, MANAGER_CLOSE, stub(linker, "close", FunctionDescriptor.of(JAVA_LONG, ADDRESS), global));
        m.set(ADDRESS, MANAGER_SET_BLKSIZE, stub(linker, "setBlockSize",
                FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_INT), global));
        m.set(ADDRESS, MANAGER_READ_BLK, read);
        m.set(ADDRESS, MANAGER_WRITE_BLK, write);
        m.set(ADDRESS, MANAGER_FLUSH, stub(linker, "flush", FunctionDescriptor.of(JAVA_LONG, ADDRESS), global));
        m.set(ADDRESS, MANAGER_READ_BLK64, read);
        m.set(ADDRESS, MANAGER_WRITE_BLK64, write);
        return m;
    }

    private static MemorySegment stub(Linker linker, String method, FunctionDescriptor descriptor, Arena arena) {
        try {
            MethodHandle target = MethodHandles.lookup().findStatic(WindowIoManager.class, method,
                    descriptor.toMethodType());
            return linker.upcallStub(target, descriptor, arena);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
