package io.guestdata.inject.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.guestdata.inject.DiskTargetSyntaxException;
import io.guestdata.inject.net.ChapPassword;
import io.guestdata.inject.net.NetworkDisk;

import io.guestdata.inject.rbd.RbdImage;
import io.guestdata.inject.rbd.RbdTarget;

/**
 * A guest disk opened for injection, whatever its format: the front door of the block layer.
 *
 * <ul>
 *   <li>raw file or block device: opened in place; writable opens take the exclusive
 *       {@link ImageLock} first and keep it until {@link #close()};</li>
 *   <li>qcow2 and every other format QEMU reads: every layer's header is read and checked by
 *       {@link ImageInspector} from a channel of ours (encryption, external data files, VMDK
 *       extents, backing files and the {@link BackingFilePolicy}) before anything else opens the
 *       image; the image is probed with {@link ImageLock#probe} so that a busy image gets the
 *       same error as a raw one; then a {@link QemuStorageExport} serves it as a raw FUSE file,
 *       with a block graph that names every file itself, and QEMU's own locks hold it;</li>
 *   <li>a network disk QEMU opens ({@link #openNetwork}: an NBD export, an iSCSI LUN), or any
 *       block device given as QEMU {@code --blockdev} JSON: exported the same way;</li>
 *   <li>an RBD image ({@link #openRbd}): read and written through librbd in this process, under
 *       librbd's exclusive lock ({@link RbdImage}).</li>
 * </ul>
 *
 * Closing closes the raw view, then stops the daemon. Everything above is checked before the
 * first byte can be written.
 */
public final class DiskImage implements BlockDevice {
    /**
     * How to open.
     *
     * @param format the format asked for ({@code --image-format}); empty for auto
     * @param writable open for writing (and lock)
     * @param backingFiles which backing files an image may name: none by default; files below
     *     base image directories ({@code --base-image-dir}: Nova's instance disks are overlays of
     *     {@code _base}). Writes go to the image only; backing files are opened read-only
     * @param export how a qemu-storage-daemon is run
     */
    public record Options(Optional<ImageFormat> format, boolean writable, BackingFilePolicy backingFiles,
            QemuStorageExport.Settings export) {
        /** Auto-detected format, writable, no backing files, default daemon settings. */
        public static Options writableAuto() {
            return new Options(Optional.empty(), true, BackingFilePolicy.refuseAll(),
                    QemuStorageExport.Settings.defaults());
        }

        public Options withFormat(Optional<ImageFormat> f) {
            return new Options(f, writable, backingFiles, export);
        }

        public Options withWritable(boolean w) {
            return new Options(format, w, backingFiles, export);
        }

        public Options withBackingFiles(BackingFilePolicy policy) {
            return new Options(format, writable, policy, export);
        }

        public Options withExport(QemuStorageExport.Settings s) {
            return new Options(format, writable, backingFiles, s);
        }
    }

    private final Path image;
    private final ImageFormat format;
    private final BlockDevice raw;
    private final QemuStorageExport export;
    private final NetworkDisk network;
    private UndoJournal journal;

    private DiskImage(Path image, ImageFormat format, BlockDevice raw, QemuStorageExport export, NetworkDisk network) {
        this.image = image;
        this.format = format;
        this.raw = raw;
        this.export = export;
        this.network = network;
    }

    /**
     * Opens an RBD image through librbd in this process ({@link RbdImage}: a writable open checks
     * that nobody else has it and takes its exclusive lock first). Its bytes are the disk, raw, as
     * Nova's libvirt driver attaches RBD disks ({@code format="raw"}); {@link #image()} is the name
     * {@code rbd:POOL/IMAGE}, not a host file.
     *
     * @throws ImageInUseException another client watches the image or holds its lock
     * @throws BlockException      the cluster, pool or image cannot be used
     */
    public static DiskImage openRbd(RbdTarget target, boolean writable, RbdImage.Settings settings)
            throws BlockException {
        RbdImage rbd = RbdImage.open(target, writable, settings);
        return new DiskImage(rbd.path(), ImageFormat.RAW, rbd, null, null);
    }

    /** The RBD image, when this disk is one. */
    public Optional<RbdImage> rbd() {
        return raw instanceof RbdImage r ? Optional.of(r) : Optional.empty();
    }

    /** The network disk (NBD, iSCSI), when this disk is one. */
    public Optional<NetworkDisk> network() {
        return Optional.ofNullable(network);
    }

    /**
     * Whether the disk has no file of its own that QEMU or libguestfs could open (an RBD image held through librbd,
     * an NBD or iSCSI disk): another process reaches it only through an export of ours ({@code ExportedDisk}).
     */
    public boolean fileless() {
        return rbd().isPresent() || network().isPresent();
    }

    /**
     * The undo journal of this disk in {@code directory}: by the RBD image's cluster, pool and id,
     * by a network disk's canonical URI, or by the image file's identity.
     */
    public UndoJournal journalIn(Path directory) throws BlockException {
        if (network != null) {
            return UndoJournal.ofNetwork(directory, image, network.uri());
        }
        if (raw instanceof RbdImage r) {
            RbdImage.Identity id = r.identity();
            return UndoJournal.ofRbd(directory, image, id.fsid(), id.poolId(), id.imageId());
        }
        return UndoJournal.of(directory, image);
    }

    /**
     * Opens a local image file or block device.
     *
     * @throws ImageFormatException wrong/unsupported/encrypted/hostile format
     * @throws ImageInUseException a VM or another writer has it
     * @throws QemuExportException the daemon could not serve it
     */
    public static DiskImage open(Path image, Options options) throws BlockException {
        BackingChain chain = ImageInspector.inspect(image, options.format(), options.backingFiles());
        ImageFormat format = chain.format();
        if (format == ImageFormat.RAW) {
            RawImage raw = options.writable() ? RawImage.openWritable(image) : RawImage.openReadOnly(image);
            return new DiskImage(image, format, raw, null, null);
        }
        if (options.writable()) {
            ImageLock.probe(image);
        }
        QemuStorageExport export = QemuStorageExport.ofImage(chain, options.writable(), options.export());
        return withExport(image, format, export, null);
    }

    /**
     * Opens a disk QEMU reaches over the network (an NBD export, an iSCSI LUN): exported by
     * qemu-storage-daemon as a raw FUSE file. A CHAP password reaches the daemon as a {@code secret}
     * object read from a 0600 file, never on its command line. No lock is taken here: the server's
     * exclusivity applies (qemu-nbd serves one client at a time by default, {@code --shared=1}; a
     * qemu-storage-daemon NBD export or an iSCSI target may serve several). {@link #image()} is the
     * disk's name ({@link NetworkDisk#name()}), not a host file.
     *
     * @throws QemuExportException the daemon could not open it: the server refused or is unreachable,
     *                             or QEMU's driver for it is not installed
     * @throws BlockException      a password given for a disk that takes none, or none for a CHAP user
     */
    public static DiskImage openNetwork(NetworkDisk disk, Optional<ChapPassword> password, boolean writable,
            QemuStorageExport.Settings settings) throws BlockException {
        String secretId = "chap0";
        ObjectNode json;
        try {
            json = disk.toBlockdevJson(password.map(p -> secretId));
        } catch (DiskTargetSyntaxException e) {
            throw new BlockException(disk.name(), e.getMessage());
        }
        Map<String, byte[]> secrets = password.map(p -> Map.of(secretId, p.bytes())).orElse(Map.of());
        QemuStorageExport export = QemuStorageExport.ofBlockdev(disk.name(), json, secrets, writable, settings);
        return withExport(disk.name(), ImageFormat.RAW, export, disk);
    }

    /**
     * Opens a network (or any other) block device described as QEMU {@code --blockdev} JSON,
     * e.g. {@code {"driver":"rbd","pool":"vms","image":"disk0"}}. No lock is taken here: the
     * storage server's exclusivity applies.
     */
    public static DiskImage openBlockdev(String blockdevJson, Options options) throws BlockException {
        QemuStorageExport export = QemuStorageExport.ofBlockdev(blockdevJson, options.writable(), options.export());
        return withExport(null, ImageFormat.RAW, export, null);
    }

    private static DiskImage withExport(Path image, ImageFormat format, QemuStorageExport export, NetworkDisk network)
            throws BlockException {
        try {
            return new DiskImage(image, format, export.open(), export, network);
        } catch (BlockException | RuntimeException e) {
            try {
                export.close();
            } catch (BlockException | RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * The image as given (null for a --blockdev target; {@code rbd:POOL/IMAGE} for an RBD image;
     * {@link NetworkDisk#name()} for a network disk).
     */
    public Path image() {
        return image;
    }

    /** The container format (RAW for a --blockdev target: QEMU decoded it). */
    public ImageFormat format() {
        return format;
    }

    /** The daemon serving this image, if it is not a raw file opened directly. */
    public Optional<QemuStorageExport> export() {
        return Optional.ofNullable(export);
    }

    @Override
    public long size() {
        return raw.size();
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
        raw.read(position, dst);
    }

    @Override
    public void write(long position, ByteBuffer src) throws IOException {
        raw.write(position, src);
    }

    /**
     * Makes {@code journal} the one {@link #commit} writes through, after rolling back what an
     * interrupted injection left in it: call it right after a writable open, before anything
     * reads the disk.
     *
     * @return what the roll-back did, for the report; empty when nothing was pending
     */
    public Optional<String> useJournal(UndoJournal journal) throws IOException {
        if (!writable()) {
            throw new BlockException(image, "opened read-only: an undo journal is used only by a writable open");
        }
        this.journal = journal;
        return journal.rollBack(this);
    }

    /**
     * Writes {@code changes} as one unit through the undo journal (see {@link UndoJournal}).
     *
     * @throws IOException the journal or the disk write failed (the message says which, and
     *                     whether the journal is kept for the next open to roll back)
     */
    public void commit(List<UndoJournal.Change> changes) throws IOException {
        if (journal == null) {
            throw new BlockException(image, "no undo journal was set (useJournal) before writing; nothing was written");
        }
        journal.commit(this, changes);
    }

    /** The raw file a native library opens: the image itself, or the FUSE export file; an RBD image's name. */
    @Override
    public Path path() {
        return raw.path();
    }

    @Override
    public long offset() {
        return 0;
    }

    @Override
    public boolean writable() {
        return raw.writable();
    }

    @Override
    public void flush() throws IOException {
        raw.flush();
    }

    /** Flushes and closes the raw view (releasing a raw image's lock), then stops any daemon. */
    @Override
    public void close() throws IOException {
        try {
            try {
                raw.flush();
            } finally {
                raw.close();
            }
        } finally {
            if (export != null) {
                export.close();
            }
        }
    }
}
