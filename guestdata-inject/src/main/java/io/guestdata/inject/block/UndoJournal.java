package io.guestdata.inject.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * The undo journal that makes an injection's writes to a disk image all-or-nothing across a crash
 * (the role libext2fs's undo I/O manager and {@code e2undo} play for e2fsprogs' tools, in a form
 * that also covers images served by qemu-storage-daemon).
 *
 * <p>An injection changes nothing on the disk until its filesystem has been closed cleanly in
 * memory. Then {@link #commit} does, in this order: (1) writes, beside nothing of the image, a
 * journal holding the <em>original</em> bytes of every range about to change, to a temporary
 * name, forces it to disk and renames it into place (so a journal under its final name is always
 * complete); (2) writes the new bytes to the disk and flushes the disk; (3) deletes the journal.
 * A process killed in (1) leaves the disk untouched (and at most a temporary file that the next
 * open deletes); killed in (2) or (3), it leaves a complete journal, and the next opener of the
 * image, before it reads anything else, {@link #rollBack rolls the disk back} to the bytes it had
 * before that injection. Rolling back twice is harmless.
 *
 * <p>A journal is found by the image's identity (device and inode of its real path, the
 * device number of a block device, an RBD image's cluster fsid, pool id and image id, or a network
 * disk's canonical URI), in a directory of the operator's ({@code --undo-dir};
 * {@link #defaultDirectory}). It also records the image's birth time, size and path, and a CRC32C
 * of every page of the new bytes: before rolling back, every page of the disk must hold either
 * its original or its new bytes, so a journal left behind by an earlier image that happened to
 * get the same inode is never applied to another disk.
 *
 * <h2>File layout (little-endian)</h2>
 * <pre>
 *  0   8  magic "GDUNDO\0\1"
 *  8   8  st_dev of the image (st_rdev for a block device)
 * 16   8  st_ino of the image
 * 24   8  birth time of the image, milliseconds since the epoch (0 when the filesystem has none)
 * 32   8  size of the disk in bytes (the virtual size for qcow2 and other formats)
 * 40   4  number of ranges N
 * 44   4  length P of the image path
 * 48   P  the image path as given, UTF-8 (for messages)
 *     then N times:
 *      8  position on the disk
 *      4  length L
 *      L  original bytes
 *      4  number of pages K = ceil(L / 4096); then K times 4 bytes: CRC32C of that page of the new bytes
 * end-16  8  CRC32C of every byte before it
 * end-8   8  magic "GDUNDEND"
 * </pre>
 */
public final class UndoJournal {
    static final byte[] MAGIC = "GDUNDO\0\1".getBytes(StandardCharsets.ISO_8859_1);
    static final byte[] END_MAGIC = "GDUNDEND".getBytes(StandardCharsets.ISO_8859_1);
    static final int PAGE = 4096;
    private static final String SUFFIX = ".undo";
    private static final String TEMP_SUFFIX = ".undo.tmp";

    /** New bytes for one range of the disk. */
    public record Change(long position, byte[] bytes) {
        public Change {
            Objects.requireNonNull(bytes, "bytes");
            if (position < 0) {
                throw new IllegalArgumentException("position must not be negative: " + position);
            }
        }
    }

    /** The image a journal belongs to. */
    record Identity(long device, long inode, long birthMillis, String fileName) {
        Identity(long device, long inode, long birthMillis) {
            this(device, inode, birthMillis, Long.toHexString(device) + "-" + Long.toHexString(inode));
        }
    }

    private final Path directory;
    private final Path image;
    private final Identity identity;

    private UndoJournal(Path directory, Path image, Identity identity) {
        this.directory = directory;
        this.image = image;
        this.identity = identity;
    }

    /**
     * The journal of {@code image} in {@code directory} (which is created, mode 0700, if missing).
     *
     * @throws BlockException the image cannot be identified or the directory cannot be made
     */
    public static UndoJournal of(Path directory, Path image) throws BlockException {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(image, "image");
        try {
            Path real = image.toRealPath();
            Map<String, Object> unix = Files.readAttributes(real, "unix:dev,ino,rdev,mode");
            boolean device = ((Integer) unix.get("mode") & 0170000) == 0060000;
            long dev = device ? (Long) unix.get("rdev") : (Long) unix.get("dev");
            long ino = device ? 0 : (Long) unix.get("ino");
            long birth = device ? 0 : Files.readAttributes(real, BasicFileAttributes.class).creationTime().toMillis();
            Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            return new UndoJournal(directory, image, new Identity(dev, ino, birth));
        } catch (IOException | UnsupportedOperationException e) {
            throw new BlockException(image, "cannot prepare its undo journal in " + directory + ": " + e.getMessage(), e);
        }
    }

    /**
     * The journal of an RBD image in {@code directory}: found by the cluster's fsid, the pool id and
     * librbd's image id (which a rename keeps), in a file {@code rbd-FSID-POOL-ID.undo}. Its header
     * holds the pool id as the device, the first 8 bytes of SHA-256("FSID/IMAGEID") as the inode and
     * 0 as the birth time.
     *
     * @param name how messages name the image ({@code rbd:POOL/IMAGE})
     * @throws BlockException the fsid or id holds characters other than letters, digits and '-', or
     *                        the directory cannot be made
     */
    public static UndoJournal ofRbd(Path directory, Path name, String fsid, long poolId, String imageId)
            throws BlockException {
        Objects.requireNonNull(directory, "directory");
        if (!fsid.matches("[0-9A-Za-z-]{1,64}") || !imageId.matches("[0-9A-Za-z-]{1,64}") || poolId < 0) {
            throw new BlockException(name, "cannot name its undo journal: unexpected cluster fsid '" + fsid
                    + "', pool id " + poolId + " or image id '" + imageId + "'");
        }
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest((fsid + "/" + imageId).getBytes(StandardCharsets.UTF_8));
            long inode = ByteBuffer.wrap(digest).getLong();
            Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            return new UndoJournal(directory, name, new Identity(poolId, inode, 0,
                    "rbd-" + fsid + "-" + poolId + "-" + imageId));
        } catch (IOException | java.security.NoSuchAlgorithmException e) {
            throw new BlockException(name, "cannot prepare its undo journal in " + directory + ": " + e.getMessage(), e);
        }
    }

    /**
     * The journal of a network disk (NBD export, iSCSI LUN) in {@code directory}: found by its canonical URI
     * ({@link io.guestdata.inject.net.NetworkDisk#uri()}), in a file {@code net-HASH.undo}, HASH the first 16
     * bytes of SHA-256(URI) in hex. Its header holds 0 as the device, the first 8 bytes of that hash as the inode
     * and 0 as the birth time. A server exposes no identity of the disk behind an export or LUN, so the same disk
     * reached by another URI (another host name or port) does not find the journal; the page checksums still keep
     * a journal from being applied to a disk that holds neither its original nor its new bytes.
     *
     * @param name how messages name the disk
     */
    public static UndoJournal ofNetwork(Path directory, Path name, String uri) throws BlockException {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(uri, "uri");
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(uri.getBytes(StandardCharsets.UTF_8));
            long inode = ByteBuffer.wrap(digest).getLong();
            Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            return new UndoJournal(directory, name, new Identity(0, inode, 0,
                    "net-" + java.util.HexFormat.of().formatHex(digest, 0, 16)));
        } catch (IOException | java.security.NoSuchAlgorithmException e) {
            throw new BlockException(name, "cannot prepare its undo journal in " + directory + ": " + e.getMessage(), e);
        }
    }

    /**
     * Where journals go unless the operator says otherwise: {@code $XDG_STATE_HOME/guestdata/undo},
     * else {@code $HOME/.local/state/guestdata/undo}.
     */
    public static Path defaultDirectory(Map<String, String> environment) {
        String state = environment.get("XDG_STATE_HOME");
        if (state != null && !state.isBlank() && Path.of(state).isAbsolute()) {
            return Path.of(state, "guestdata", "undo");
        }
        String home = environment.getOrDefault("HOME", System.getProperty("user.home"));
        return Path.of(home, ".local", "state", "guestdata", "undo");
    }

    /** The complete journal file of this image, if an interrupted injection left one. */
    public Optional<Path> pending() {
        Path p = file();
        return Files.exists(p) ? Optional.of(p) : Optional.empty();
    }

    Path file() {
        return directory.resolve(identity.fileName() + SUFFIX);
    }

    private Path tempFile() {
        return directory.resolve(identity.fileName() + TEMP_SUFFIX);
    }

    /**
     * Writes {@code changes} to {@code disk} as one unit (the class comment says how). The caller
     * holds the image exclusively (its lock, or QEMU's locks through qemu-storage-daemon).
     *
     * @throws IOException the journal or the disk could not be written; if the disk write failed,
     *                     the message says the journal is left for the next open to roll back
     */
    public void commit(BlockDevice disk, List<Change> changes) throws IOException {
        if (changes.isEmpty()) {
            return;
        }
        for (Change c : changes) {
            BlockDevice.checkRange(disk.path(), -1, disk.size(), c.position(), c.bytes().length, "write");
        }
        Files.deleteIfExists(tempFile());
        writeJournal(disk, changes);
        try {
            for (Change c : changes) {
                disk.write(c.position(), ByteBuffer.wrap(c.bytes()));
            }
            disk.flush();
        } catch (IOException e) {
            throw new IOException(e.getMessage() + "; the undo journal " + file() + " is kept: the next injection"
                    + " into this image rolls it back to its state before this one", e);
        }
        Files.delete(file());
        forceDirectory();
    }

    /**
     * If an interrupted injection left a complete journal, restores the original bytes it holds,
     * flushes the disk and deletes the journal; a left-over temporary journal (a crash before any
     * byte of the disk changed) is deleted. The caller holds the image exclusively.
     *
     * @return what was done, for the report; empty when there was nothing to do
     * @throws BlockException the journal is damaged, or the disk holds bytes that are neither the
     *                        journal's original nor its new bytes (the journal is then set aside,
     *                        renamed {@code .stale}, and the image is not touched)
     */
    public Optional<String> rollBack(BlockDevice disk) throws IOException {
        Files.deleteIfExists(tempFile());
        Path file = file();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        Parsed parsed = parse(file, bytes);
        if (parsed.birthMillis() != identity.birthMillis() || parsed.diskSize() != disk.size()) {
            Path stale = setAside(file);
            return Optional.of("an undo journal of an earlier image with the same device and inode (" + parsed.path()
                    + ") was set aside as " + stale + "; this image was not changed");
        }
        for (Parsed.Range r : parsed.ranges()) {
            checkPages(disk, file, r);
        }
        long bytesRestored = 0;
        for (Parsed.Range r : parsed.ranges()) {
            disk.write(r.position(), ByteBuffer.wrap(r.original()));
            bytesRestored += r.original().length;
        }
        disk.flush();
        Files.delete(file);
        forceDirectory();
        return Optional.of("an injection into this image had been interrupted while writing; its " + parsed.ranges().size()
                + " changed range" + (parsed.ranges().size() == 1 ? "" : "s") + " (" + bytesRestored + " bytes) were rolled"
                + " back from the undo journal before anything else was read");
    }

    /** Every page of the range must hold its original or its new bytes, or the journal is not this disk's. */
    private void checkPages(BlockDevice disk, Path file, Parsed.Range r) throws IOException {
        ByteBuffer current = ByteBuffer.allocate(r.original().length);
        disk.read(r.position(), current);
        byte[] now = current.array();
        for (int page = 0; page * PAGE < now.length; page++) {
            int from = page * PAGE;
            int to = Math.min(now.length, from + PAGE);
            boolean original = Arrays.equals(now, from, to, r.original(), from, to);
            if (!original && crc(now, from, to - from) != r.newPageCrcs()[page]) {
                Path stale = setAside(file);
                throw new BlockException(image, "its undo journal (now " + stale + ") does not match the disk: the"
                        + " bytes at offset " + (r.position() + from) + " are neither those before nor those after the"
                        + " interrupted injection, so it was not applied and the image was not changed; check the image"
                        + " (e2fsck -fn) before using it");
            }
        }
    }

    private Path setAside(Path file) throws IOException {
        Path stale = file.resolveSibling(file.getFileName() + "." + System.currentTimeMillis() + ".stale");
        Files.move(file, stale, StandardCopyOption.ATOMIC_MOVE);
        return stale;
    }

    private void writeJournal(BlockDevice disk, List<Change> changes) throws IOException {
        byte[] path = image.toString().getBytes(StandardCharsets.UTF_8);
        Path temp = tempFile();
        CRC32C sum = new CRC32C();
        try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer head = le(48 + path.length);
            head.put(MAGIC).putLong(identity.device()).putLong(identity.inode()).putLong(identity.birthMillis())
                    .putLong(disk.size()).putInt(changes.size()).putInt(path.length).put(path);
            put(out, head.flip(), sum);
            for (Change c : changes) {
                byte[] original = new byte[c.bytes().length];
                disk.read(c.position(), ByteBuffer.wrap(original));
                int pages = (original.length + PAGE - 1) / PAGE;
                ByteBuffer entry = le(12 + original.length + 4 + 4 * pages);
                entry.putLong(c.position()).putInt(original.length).put(original).putInt(pages);
                for (int p = 0; p < pages; p++) {
                    int from = p * PAGE;
                    entry.putInt((int) crc(c.bytes(), from, Math.min(PAGE, original.length - from)));
                }
                put(out, entry.flip(), sum);
            }
            ByteBuffer tail = le(16).putLong(sum.getValue()).put(END_MAGIC);
            put(out, tail.flip(), null);
            out.force(true);
        } catch (IOException e) {
            Files.deleteIfExists(temp);
            throw new IOException("cannot write the undo journal " + temp + " (nothing was written to the image): "
                    + e.getMessage(), e);
        }
        try {
            Files.move(temp, file(), StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the undo directory " + directory + " does not support atomic renames", e);
        }
        forceDirectory();
    }

    private record Parsed(long device, long inode, long birthMillis, long diskSize, String path, List<Range> ranges) {
        record Range(long position, byte[] original, long[] newPageCrcs) {
        }
    }

    private Parsed parse(Path file, byte[] bytes) throws BlockException {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        try {
            if (bytes.length < 64 || !Arrays.equals(bytes, 0, 8, MAGIC, 0, 8)
                    || !Arrays.equals(bytes, bytes.length - 8, bytes.length, END_MAGIC, 0, 8)) {
                throw damaged(file, "no journal magic at its start or end");
            }
            CRC32C sum = new CRC32C();
            sum.update(bytes, 0, bytes.length - 16);
            if (sum.getValue() != b.getLong(bytes.length - 16)) {
                throw damaged(file, "its checksum does not match");
            }
            b.position(8);
            long dev = b.getLong();
            long ino = b.getLong();
            long birth = b.getLong();
            long size = b.getLong();
            int count = b.getInt();
            int pathLength = b.getInt();
            byte[] path = new byte[pathLength];
            b.get(path);
            List<Parsed.Range> ranges = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                long position = b.getLong();
                byte[] original = new byte[b.getInt()];
                b.get(original);
                long[] crcs = new long[b.getInt()];
                for (int p = 0; p < crcs.length; p++) {
                    crcs[p] = Integer.toUnsignedLong(b.getInt());
                }
                if (crcs.length != (original.length + PAGE - 1) / PAGE) {
                    throw damaged(file, "range " + i + " has " + crcs.length + " page checksums for " + original.length
                            + " bytes");
                }
                ranges.add(new Parsed.Range(position, original, crcs));
            }
            if (b.position() != bytes.length - 16) {
                throw damaged(file, "it has " + (bytes.length - 16 - b.position()) + " bytes after its last range");
            }
            if (dev != identity.device() || ino != identity.inode()) {
                throw damaged(file, "it names another image (device " + dev + ", inode " + ino + ")");
            }
            return new Parsed(dev, ino, birth, size, new String(path, StandardCharsets.UTF_8), ranges);
        } catch (RuntimeException e) {
            throw damaged(file, "it ends early or holds impossible lengths (" + e + ")");
        }
    }

    private BlockException damaged(Path file, String why) {
        return new BlockException(image, "an interrupted injection left the undo journal " + file + ", but it is damaged ("
                + why + "), so the image cannot be rolled back automatically and was not changed; check it with e2fsck -fn"
                + " and remove the journal");
    }

    private void forceDirectory() throws IOException {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }

    private static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static void put(FileChannel out, ByteBuffer b, CRC32C sum) throws IOException {
        if (sum != null) {
            sum.update(b.duplicate());
        }
        while (b.hasRemaining()) {
            out.write(b);
        }
    }

    private static long crc(byte[] bytes, int from, int length) {
        CRC32C c = new CRC32C();
        c.update(bytes, from, length);
        return c.getValue();
    }
}
