package io.guestdata.inject.fs;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

import io.guestdata.inject.fs.GuestFsException.Kind;
import io.guestdata.inject.fs.PathResolver.Found;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * An ext2/3/4 filesystem in an image file or block device, read and written in-process through
 * libext2fs (e2fsprogs) called with the Foreign Function &amp; Memory API; no VM, no mount.
 *
 * <p>The call sequence is the one e2fsprogs' own tools use (debugfs, mke2fs -d): {@code ext2fs_open2}
 * with the unix I/O manager and {@code offset=} option, {@code ext2fs_read_bitmaps},
 * {@code ext2fs_mkdir} / {@code ext2fs_new_inode} + {@code ext2fs_link} +
 * {@code ext2fs_inode_alloc_stats2} + {@code ext2fs_write_new_inode}, content through
 * {@code ext2fs_file_*}, mode and owner through {@code ext2fs_read_inode}/{@code ext2fs_write_inode},
 * then {@code ext2fs_close_free}. Paths are resolved name by name by {@link PathResolver}, never with
 * {@code ext2fs_namei}.
 *
 * <p>Before the first write: the superblock is read from the image and checked
 * ({@link Ext2FeatureCheck}) before libext2fs opens anything, and again on libext2fs' copy; the
 * geometry, group descriptors and bitmaps are checked as a kernel and e2fsck would
 * ({@link Ext2Consistency}), on every open; the first {@code stat} or write takes a census of the
 * tree ({@link Ext2Census}: true link counts, directory names, block ownership); every
 * write checks its target (symlink, type, hard links, inode flags) and the free blocks and inodes
 * it needs as {@link PolicedFilesystem} rules for every backend; this class supplies its
 * primitives. A refused call writes nothing. A READ_ONLY open passes no {@code EXT2_FLAG_RW}, so the
 * image is opened {@code O_RDONLY}.
 *
 * <p>libext2fs takes no lock: the caller (the block layer) must keep a VM or a second writer away
 * from the image for the whole open→close window. Calls on one instance are serialised; every
 * native buffer lives in a confined arena closed before the call returns.
 */
public final class Ext2Filesystem extends PolicedFilesystem {

    /** Largest chunk handed to one {@code ext2fs_file_read/write} ({@code unsigned int} length). */
    private static final int IO_CHUNK = 1 << 20;
    /** PATH_MAX: longer symlink targets are refused as corrupt. */
    private static final int SYMLINK_MAX = 4096;

    /** Most bytes one open filesystem may change (held in memory until the commit at close). */
    public static final long MAX_CHANGED_BYTES = 256L << 20;

    private final String image;
    private final OpenMode mode;
    private final long blockSize;
    private final InstantSource clock;
    private final WindowOverlay overlay;
    private final AutoCloseable ownedWindow;
    private Ext2Filsys fs;
    /** Taken on the first call that checks links (stat and every write), then kept up to date. */
    private Ext2Census census;

    private Ext2Filesystem(String image, OpenMode mode, Ext2Filsys fs, long blockSize, InstantSource clock,
                           WindowOverlay overlay, AutoCloseable ownedWindow) {
        this.image = image;
        this.mode = mode;
        this.fs = fs;
        this.blockSize = blockSize;
        this.clock = clock;
        this.overlay = overlay;
        this.ownedWindow = ownedWindow;
    }

    /**
     * Opens the ext2/3/4 filesystem that fills {@code window}. Every byte libext2fs reads comes
     * from the window and every byte it writes is kept in memory; {@link #close()} commits the
     * changes to the window in one {@link FilesystemWindow#commit}, after libext2fs has closed the
     * filesystem cleanly. Nothing outside the window is ever read or written.
     *
     * @throws GuestFsException OPEN_FAILED (not ext, short, unreadable), UNSAFE_STATE (journal needs
     *                          recovery, not clean, errors recorded) or UNSUPPORTED_FEATURE; nothing
     *                          is written in any of these cases
     */
    public static Ext2Filesystem open(FilesystemWindow window, OpenMode mode) throws GuestFsException {
        return open(window, mode, InstantSource.system());
    }

    /** As {@link #open(FilesystemWindow, OpenMode)}, with the clock that stamps ctime and mtime. */
    public static Ext2Filesystem open(FilesystemWindow window, OpenMode mode, InstantSource clock)
            throws GuestFsException {
        return open(window, mode, clock, null);
    }

    /**
     * Opens the filesystem starting {@code byteOffset} bytes into the image file {@code image}
     * and reaching to its end ({@link FileWindow}: changes are written in place at close, without
     * an undo journal or a lock; guest images go through the block layer instead).
     */
    public static Ext2Filesystem open(Path image, long byteOffset, OpenMode mode) throws GuestFsException {
        return open(image, byteOffset, mode, InstantSource.system());
    }

    /** As {@link #open(Path, long, OpenMode)}, with the clock that stamps ctime and mtime. */
    public static Ext2Filesystem open(Path image, long byteOffset, OpenMode mode, InstantSource clock)
            throws GuestFsException {
        Objects.requireNonNull(image, "image");
        return open(image, byteOffset, -1, mode, clock);
    }

    /**
     * Opens the filesystem in the window of {@code windowBytes} bytes from {@code byteOffset} of the
     * file (the partition, or the whole device; -1: to the end of the file): its blocks must fit in
     * it ({@link Ext2Consistency}), and nothing outside it is read or written.
     */
    public static Ext2Filesystem open(Path image, long byteOffset, long windowBytes, OpenMode mode,
                                      InstantSource clock) throws GuestFsException {
        Objects.requireNonNull(image, "image");
        FileWindow window;
        try {
            window = FileWindow.open(image, byteOffset, windowBytes, mode == OpenMode.READ_WRITE);
        } catch (IOException e) {
            throw new GuestFsException(Kind.OPEN_FAILED, "open " + image, null, "cannot open the image: " + e);
        }
        try {
            return open(window, mode, clock, window);
        } catch (GuestFsException | RuntimeException e) {
            closeQuietly(window, e);
            throw e;
        }
    }

    private static Ext2Filesystem open(FilesystemWindow window, OpenMode mode, InstantSource clock,
                                       AutoCloseable ownedWindow) throws GuestFsException {
        Objects.requireNonNull(window, "window");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(clock, "clock");
        String image = window.describe();
        Ext2SuperBlock onDisk = readSuperBlock(window, image);
        // An image that is not ext at all, or too short, is left to libext2fs, whose message says why.
        if (onDisk != null && onDisk.magic() == Ext2SuperBlock.EXT2_SUPER_MAGIC) {
            Ext2FeatureCheck.check(onDisk, mode, image);
        }
        WindowOverlay overlay = new WindowOverlay(window, mode == OpenMode.READ_WRITE, MAX_CHANGED_BYTES);
        Ext2Filsys fs = openLibext2fs(overlay, mode, image);
        // libext2fs' own stamps (new directories, the superblock's write time) from the same clock as ours
        fs.setNow(clock.instant().getEpochSecond());
        try {
            Ext2SuperBlock sb = Ext2SuperBlock.parse(fs.superBlock());
            Ext2FeatureCheck.check(sb, mode, image);
            boolean writable = (fs.flags() & LibExt2fs.EXT2_FLAG_RW) != 0;
            if (writable != (mode == OpenMode.READ_WRITE)) {
                throw new IllegalStateException("libext2fs flags 0x" + Integer.toHexString(fs.flags())
                        + " do not match " + mode);
            }
            // descriptors before bitmaps, then the bitmaps (libext2fs would read a bitmap from wherever a corrupt
            // descriptor points, or silently use an empty one)
            Ext2Consistency.check(fs, window.size(), image);
            return new Ext2Filesystem(image, mode, fs, sb.blockSize(), clock, overlay, ownedWindow);
        } catch (GuestFsException | RuntimeException e) {
            closeHandle(fs);
            throw e;
        }
    }

    /** The primary superblock as the window holds it, or null if the window is too short (libext2fs then says why). */
    private static Ext2SuperBlock readSuperBlock(FilesystemWindow window, String image) throws GuestFsException {
        if (window.size() < Ext2SuperBlock.BYTE_OFFSET + Ext2SuperBlock.SIZE) {
            return null;
        }
        ByteBuffer buffer = ByteBuffer.allocate((int) Ext2SuperBlock.SIZE);
        try {
            window.read(Ext2SuperBlock.BYTE_OFFSET, buffer);
        } catch (IOException e) {
            throw new GuestFsException(Kind.OPEN_FAILED, "open " + image, null, "cannot read the superblock: " + e.getMessage());
        }
        return Ext2SuperBlock.parse(MemorySegment.ofArray(buffer.array()));
    }

    private static Ext2Filsys openLibext2fs(WindowOverlay overlay, OpenMode mode, String image)
            throws GuestFsException {
        int flags = LibExt2fs.EXT2_FLAG_64BITS;
        if (mode == OpenMode.READ_WRITE) {
            flags |= LibExt2fs.EXT2_FLAG_RW;
        }
        String name = WindowIoManager.register(overlay);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(ADDRESS);
            long err = LibExt2fs.open2(arena.allocateFrom(name), MemorySegment.NULL, flags,
                    WindowIoManager.manager(), slot);
            if (err != 0) {
                throw new GuestFsException(Kind.OPEN_FAILED, "open " + image, null,
                        withViolation("libext2fs cannot open it as ext2/3/4", overlay), err);
            }
            return new Ext2Filsys(slot.get(ADDRESS, 0));
        } finally {
            WindowIoManager.forget(name);
        }
    }

    /** {@code doing}, and the access outside the window that made libext2fs fail, if that was the cause. */
    private static String withViolation(String doing, WindowOverlay overlay) {
        String v = overlay.violation();
        return v == null ? doing : doing + " (refused: " + v + ")";
    }

    /** {@code ext2fs_close_free}: flushes into the overlay if anything is dirty, frees the handle either way. */
    private static long closeHandle(Ext2Filsys fs) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(ADDRESS);
            slot.set(ADDRESS, 0, fs.address());
            return LibExt2fs.closeFree(slot);
        }
    }

    private static void closeQuietly(AutoCloseable c, Exception primary) {
        try {
            c.close();
        } catch (Exception suppressed) {
            primary.addSuppressed(suppressed);
        }
    }

    @Override
    protected Primitives primitives(String operation, GuestPath path, boolean checked) throws GuestFsException {
        return new Call(operation, path, checked);
    }

    @Override
    protected String readOnly() {
        return mode == OpenMode.READ_WRITE ? null : image + " is opened READ_ONLY";
    }

    @Override
    public synchronized long freeBytes() throws GuestFsException {
        requireOpen("free space", null);
        return availableBlocks() * blockSize;
    }

    @Override
    public synchronized OptionalLong freeInodes() throws GuestFsException {
        requireOpen("free inodes", null);
        return OptionalLong.of(Ext2SuperBlock.parse(fs.superBlock()).freeInodesCount());
    }

    /**
     * Whether a READ_WRITE open would be refused, without opening anything for writing: reads the
     * primary superblock and applies the same checks (journal needing recovery, unclean or
     * erroneous state, unsupported features). A dry run uses it to fail as the real run would.
     *
     * @throws GuestFsException with the same kind and message a READ_WRITE {@link #open} gives
     */
    public static void checkWritable(FilesystemWindow window) throws GuestFsException {
        Objects.requireNonNull(window, "window");
        String image = window.describe();
        Ext2SuperBlock onDisk = readSuperBlock(window, image);
        if (onDisk == null) {
            throw new GuestFsException(Kind.OPEN_FAILED, "open " + image, null, "too short for an ext2/3/4 superblock");
        }
        Ext2FeatureCheck.check(onDisk, OpenMode.READ_WRITE, image);
    }

    /**
     * Closes the filesystem: libext2fs writes its bitmaps, group descriptors and superblock (into
     * memory), and only when that succeeded are all changes of this open committed to the window
     * at once. If libext2fs fails to close, nothing at all is written.
     */
    @Override
    public synchronized void close() throws GuestFsException {
        if (fs == null) {
            return;
        }
        Ext2Filsys handle = fs;
        fs = null;
        GuestFsException failure = null;
        long err = closeHandle(handle);
        if (err != 0) {
            failure = new GuestFsException(Kind.LIBEXT2FS, "close " + image, null,
                    withViolation("flushing and closing (nothing was written to the image)", overlay), err);
        } else if (overlay.changed()) {
            try {
                overlay.window().commit(overlay.changes());
            } catch (IOException e) {
                failure = new GuestFsException(Kind.COMMIT_FAILED, "close " + image, null,
                        "writing the changes to the image failed: " + e.getMessage());
            }
        }
        if (ownedWindow != null) {
            try {
                ownedWindow.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new GuestFsException(Kind.COMMIT_FAILED, "close " + image, null,
                            "closing the image file failed: " + e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Bytes changed so far and not yet committed (for reports and tests). */
    synchronized long pendingBytes() {
        return overlay.dirtyBytes();
    }

    /** Free blocks less those reserved for root, never negative. */
    private long availableBlocks() {
        return Ext2SuperBlock.parse(fs.superBlock()).availableBlocks();
    }

    private void requireOpen(String operation, GuestPath path) throws GuestFsException {
        if (fs == null) {
            throw new GuestFsException(Kind.CLOSED, operation, path, image + " is already closed");
        }
    }

    @Override
    public String toString() {
        return "Ext2Filesystem[" + image + ", " + mode + (fs == null ? ", closed]" : "]");
    }

    /** One public call: its name, its path, and a confined arena for every native buffer it needs. */
    private final class Call implements Primitives {

        private final String operation;
        private final GuestPath path;
        /** Whether every directory walked and the target's link count are checked against the census. */
        private final boolean checked;
        private final Arena arena = Arena.ofConfined();

        Call(String operation, GuestPath path, boolean checked) throws GuestFsException {
            this.operation = operation;
            this.path = Objects.requireNonNull(path, "path");
            this.checked = checked;
            try {
                requireOpen(operation, path);
            } catch (GuestFsException e) {
                arena.close();
                throw e;
            }
        }

        @Override
        public void close() {
            arena.close();
        }

        GuestFsException error(Kind kind, String detail) {
            return new GuestFsException(kind, operation, path, detail);
        }

        private void check(long err, String doing) throws GuestFsException {
            if (err != 0) {
                throw new GuestFsException(Kind.LIBEXT2FS, operation, path, withViolation(doing, overlay), err);
            }
        }

        @Override
        public void beforeWalk() throws GuestFsException {
            if (checked) {
                census().requireTreeDirectory(rootInode(), rootInode(), "the root directory", operation, path);
            }
        }

        private Ext2Census census() throws GuestFsException {
            if (census == null) {
                census = Ext2Census.take(fs, image, overlay.window());
            }
            return census;
        }

        /** The target's true link count; CORRUPT when {@code i_links_count} says otherwise. */
        int trueLinks(Found found, Ext2Inode inode) throws GuestFsException {
            return census().requireTrueLinks(found.inode(), inode.linksCount(), found.where(), operation, path);
        }

        // --- PathResolver.Tree -------------------------------------------------------------

        @Override
        public int rootInode() {
            return Ext2SuperBlock.EXT2_ROOT_INO;
        }

        @Override
        public int lookup(int dir, byte[] name) throws GuestFsException {
            MemorySegment slot = arena.allocate(JAVA_INT);
            long err = LibExt2fs.lookup(fs.address(), dir, arena.allocateFrom(JAVA_BYTE, name), name.length, slot);
            if (err == LibExt2fs.EXT2_ET_FILE_NOT_FOUND) {
                return 0;
            }
            check(err, "looking up " + new String(name, UTF_8)
                    + " in directory inode " + Integer.toUnsignedString(dir));
            int ino = slot.get(JAVA_INT, 0);
            if (checked && census().isDirectory(ino)) {
                census().requireTreeDirectory(ino, dir, "\"" + new String(name, UTF_8) + "\" in directory inode "
                        + Integer.toUnsignedString(dir), operation, path);
            }
            return ino;
        }

        @Override
        public FileType type(int inode) throws GuestFsException {
            return readInode(inode).type();
        }

        @Override
        public byte[] readLink(int ino) throws GuestFsException {
            Ext2Inode inode = readInode(ino);
            long size = inode.size();
            if (size > SYMLINK_MAX) {
                throw error(Kind.LIBEXT2FS, "symlink inode " + Integer.toUnsignedString(ino)
                        + " claims a " + size + "-byte target, more than PATH_MAX");
            }
            if ((inode.flags() & (Ext2Inode.EXT4_INLINE_DATA_FL | Ext2Inode.EXT4_ENCRYPT_FL)) != 0) {
                throw error(Kind.INODE_FLAGS_REFUSED, "symlink inode " + Integer.toUnsignedString(ino)
                        + " is inline-data or encrypted; its target cannot be read");
            }
            if (LibExt2fs.isFastSymlink(inode.segment())) {
                return inode.blockBytes((int) size);
            }
            return readContent(ino, (int) size);
        }

        // --- inodes --------------------------------------------------------------------------

        Ext2Inode readInode(int ino) throws GuestFsException {
            Ext2Inode inode = Ext2Inode.allocate(arena);
            check(LibExt2fs.readInode(fs.address(), ino, inode.segment()),
                    "reading inode " + Integer.toUnsignedString(ino));
            return inode;
        }

        void writeInode(int ino, Ext2Inode inode) throws GuestFsException {
            check(LibExt2fs.writeInode(fs.address(), ino, inode.segment()),
                    "writing inode " + Integer.toUnsignedString(ino));
        }


        // --- Primitives ----------------------------------------------------------------------

        @Override
        public FileStat stat(Found found) throws GuestFsException {
            Ext2Inode inode = readInode(found.inode());
            Optional<String> target = inode.type() == FileType.SYMLINK
                    ? Optional.of(new String(readLink(found.inode()), UTF_8))
                    : Optional.empty();
            int links = inode.type() == FileType.DIRECTORY ? inode.linksCount() : trueLinks(found, inode);
            return new FileStat(inode.type(), inode.mode() & 07777, inode.uid(), inode.gid(), inode.size(),
                    links, Integer.toUnsignedLong(found.inode()), target, InodeAttribute.ofExt2Flags(inode.flags()));
        }

        @Override
        public long size(Found found) throws GuestFsException {
            return readInode(found.inode()).size();
        }

        @Override
        public int links(Found found) throws GuestFsException {
            return trueLinks(found, readInode(found.inode()));
        }

        @Override
        public Flags flags(int entry, String where) throws GuestFsException {
            int flags = readInode(entry).flags();
            return new Flags(InodeAttribute.ofExt2Flags(flags), "i_flags 0x" + Integer.toHexString(flags));
        }

        @Override
        public Space space(int entry, String where) {
            return new Space(blockSize, availableBlocks(),
                    OptionalLong.of(Ext2SuperBlock.parse(fs.superBlock()).freeInodesCount()));
        }

        /** Data blocks an inode holds (what truncating it frees), in filesystem blocks. */
        @Override
        public long heldBlocks(Found found) throws GuestFsException {
            return LibExt2fs.inodeDataBlocks2(fs.address(), readInode(found.inode()).segment()) * 512 / blockSize;
        }

        @Override
        public byte[] read(Found found, long size, int maxBytes) throws GuestFsException {
            return readContent(found.inode(), (int) size);
        }

        @Override
        public void create(int parent, String parentWhere, byte[] name, byte[] content) throws GuestFsException {
            int ino = createRegularFile(parent, name);
            writeContent(ino, 0, content, false);
        }

        @Override
        public void rewrite(Found found, byte[] content) throws GuestFsException {
            writeContent(found.inode(), 0, content, true);
        }

        @Override
        public void append(Found found, long size, byte[] content) throws GuestFsException {
            writeContent(found.inode(), size, content, false);
        }

        @Override
        public void chmod(Found found, int mode) throws GuestFsException {
            Ext2Inode inode = readInode(found.inode());
            inode.setMode((inode.mode() & FileType.S_IFMT) | mode);
            inode.touchChange(clock.instant().getEpochSecond());
            writeInode(found.inode(), inode);
        }

        @Override
        public void chown(Found found, int uid, int gid) throws GuestFsException {
            Ext2Inode inode = readInode(found.inode());
            inode.setOwner(uid, gid);
            inode.touchChange(clock.instant().getEpochSecond());
            writeInode(found.inode(), inode);
        }

        // --- creating ------------------------------------------------------------------------

        /** The create sequence of e2fsprogs' misc/create_inode.c (do_write_internal). */
        private int createRegularFile(int parent, byte[] name) throws GuestFsException {
            int mode = FileType.REGULAR.bits() | 0644;
            MemorySegment inoSlot = arena.allocate(JAVA_INT);
            check(LibExt2fs.newInode(fs.address(), parent, mode, inoSlot), "allocating an inode");
            int ino = inoSlot.get(JAVA_INT, 0);
            linkIntoDirectory(parent, name, ino);
            census().addedFile(ino);
            LibExt2fs.inodeAllocStats2(fs.address(), ino, +1, 0);
            Ext2Inode inode = Ext2Inode.allocate(arena);
            inode.setMode(mode);
            inode.setLinksCount(1);
            inode.setOwner(0, 0);
            inode.touch(clock.instant().getEpochSecond(), true);
            if ((Ext2SuperBlock.parse(fs.superBlock()).featureIncompat() & Ext2FeatureCheck.INCOMPAT_EXTENTS) != 0) {
                // ext2fs_extent_open2 on an empty inode writes the extent header into i_block and
                // sets EXT4_EXTENTS_FL, as mke2fs -d and debugfs write do.
                MemorySegment handleSlot = arena.allocate(ADDRESS);
                check(LibExt2fs.extentOpen2(fs.address(), ino, inode.segment(), handleSlot),
                        "initialising the extent tree");
                LibExt2fs.extentFree(handleSlot.get(ADDRESS, 0));
            }
            check(LibExt2fs.writeNewInode(fs.address(), ino, inode.segment()), "writing the new inode");
            return ino;
        }

        private void linkIntoDirectory(int parent, byte[] name, int ino) throws GuestFsException {
            MemorySegment cName = cString(name);
            long err = LibExt2fs.link(fs.address(), parent, cName, ino, LibExt2fs.EXT2_FT_REG_FILE);
            if (err == LibExt2fs.EXT2_ET_DIR_NO_SPACE) {
                check(LibExt2fs.expandDir(fs.address(), parent), "expanding the directory");
                err = LibExt2fs.link(fs.address(), parent, cName, ino, LibExt2fs.EXT2_FT_REG_FILE);
            }
            check(err, "linking the new file into its directory");
        }

        /** {@code ext2fs_mkdir} (expanding a full parent and retrying, as debugfs does), then mode and owner. */
        @Override
        public int makeDirectory(int parent, String parentWhere, byte[] name, int mode, int uid, int gid)
                throws GuestFsException {
            MemorySegment cName = cString(name);
            long err = LibExt2fs.mkdir(fs.address(), parent, cName);
            if (err == LibExt2fs.EXT2_ET_DIR_NO_SPACE) {
                check(LibExt2fs.expandDir(fs.address(), parent), "expanding the parent directory");
                err = LibExt2fs.mkdir(fs.address(), parent, cName);
            }
            check(err, "creating directory " + new String(name, UTF_8));
            MemorySegment slot = arena.allocate(JAVA_INT);
            check(LibExt2fs.lookup(fs.address(), parent, arena.allocateFrom(JAVA_BYTE, name), name.length, slot),
                    "looking up the new directory " + new String(name, UTF_8));
            int ino = slot.get(JAVA_INT, 0);
            census().addedDirectory(ino, parent);
            Ext2Inode inode = readInode(ino);
            inode.setMode(FileType.DIRECTORY.bits() | (mode & 07777));
            inode.setOwner(uid, gid);
            writeInode(ino, inode);
            return ino;
        }

        /** A NUL-terminated copy of a name's exact bytes. */
        private MemorySegment cString(byte[] name) {
            MemorySegment c = arena.allocate(name.length + 1L);
            MemorySegment.copy(name, 0, c, JAVA_BYTE, 0, name.length);
            return c;
        }

        // --- content -------------------------------------------------------------------------

        byte[] readContent(int ino, int size) throws GuestFsException {
            MemorySegment fileSlot = arena.allocate(ADDRESS);
            check(LibExt2fs.fileOpen(fs.address(), ino, 0, fileSlot), "opening inode " + Integer.toUnsignedString(ino));
            MemorySegment file = fileSlot.get(ADDRESS, 0);
            byte[] content = new byte[size];
            try (Arena buffers = Arena.ofConfined()) {
                MemorySegment buffer = buffers.allocate(Math.max(1, Math.min(size, IO_CHUNK)));
                MemorySegment got = buffers.allocate(JAVA_INT);
                int done = 0;
                while (done < size) {
                    int wanted = Math.min(size - done, (int) buffer.byteSize());
                    long err = LibExt2fs.fileRead(file, buffer, wanted, got);
                    if (err != 0) {
                        LibExt2fs.fileClose(file);
                        check(err, "reading");
                    }
                    int n = got.get(JAVA_INT, 0);
                    if (n <= 0) {
                        LibExt2fs.fileClose(file);
                        throw error(Kind.LIBEXT2FS, "inode " + Integer.toUnsignedString(ino) + " ended after "
                                + done + " of its " + size + " bytes");
                    }
                    MemorySegment.copy(buffer, JAVA_BYTE, 0, content, done, n);
                    done += n;
                }
            }
            check(LibExt2fs.fileClose(file), "closing after reading");
            return content;
        }

        /**
         * Writes {@code content} at {@code offset}; with {@code truncate} the file is first cut to 0
         * (its blocks freed by {@code ext2fs_file_set_size2}). Then ctime and mtime are stamped on the
         * closed inode.
         */
        void writeContent(int ino, long offset, byte[] content, boolean truncate) throws GuestFsException {
            MemorySegment fileSlot = arena.allocate(ADDRESS);
            check(LibExt2fs.fileOpen(fs.address(), ino, LibExt2fs.EXT2_FILE_WRITE, fileSlot),
                    "opening inode " + Integer.toUnsignedString(ino) + " for writing");
            MemorySegment file = fileSlot.get(ADDRESS, 0);
            long err = writeOpen(file, offset, content, truncate);
            long closeErr = LibExt2fs.fileClose(file);
            check(err, "writing " + content.length + " bytes");
            check(closeErr, "closing after writing");
            Ext2Inode inode = readInode(ino);
            inode.touch(clock.instant().getEpochSecond(), false);
            writeInode(ino, inode);
        }

        private long writeOpen(MemorySegment file, long offset, byte[] content, boolean truncate) {
            long err;
            if (truncate && (err = LibExt2fs.fileSetSize2(file, 0)) != 0) {
                return err;
            }
            if (content.length == 0) {
                return 0;
            }
            if ((err = LibExt2fs.fileLlseek(file, offset)) != 0) {
                return err;
            }
            try (Arena buffers = Arena.ofConfined()) {
                MemorySegment buffer = buffers.allocate(Math.min(content.length, IO_CHUNK));
                MemorySegment written = buffers.allocate(JAVA_INT);
                int done = 0;
                while (done < content.length) {
                    int n = Math.min(content.length - done, (int) buffer.byteSize());
                    MemorySegment.copy(content, done, buffer, JAVA_BYTE, 0, n);
                    int put = 0;
                    while (put < n) {
                        if ((err = LibExt2fs.fileWrite(file, buffer.asSlice(put), n - put, written)) != 0) {
                            return err;
                        }
                        int w = written.get(JAVA_INT, 0);
                        if (w <= 0) {
                            return LibExt2fs.EXT2_ET_SHORT_WRITE;
                        }
                        put += w;
                    }
                    done += n;
                }
            }
            return LibExt2fs.fileSetSize2(file, offset + content.length);
        }
    }
}
