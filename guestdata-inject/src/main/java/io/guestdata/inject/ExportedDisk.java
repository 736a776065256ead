package io.guestdata.inject;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Optional;

import io.guestdata.inject.block.DiskImage;
import io.guestdata.inject.block.PartitionView;
import io.guestdata.inject.fs.Ext2Filesystem;
import io.guestdata.inject.fs.WindowOverlay;
import io.guestdata.inject.nbd.NbdExport;

/**
 * The whole of an open {@link DiskImage} (an RBD image, held under its exclusive lock) served to
 * libguestfs' appliance as an {@link NbdExport} on a private Unix socket, with the client's writes
 * staged as the ext2fs backend stages libext2fs's: in memory ({@link WindowOverlay}, at most
 * {@link Ext2Filesystem#MAX_CHANGED_BYTES}), read back by the client from there, and written to the
 * disk only by {@link #commit()}, in one unit through the disk's undo journal, after the appliance
 * shut down cleanly. A run that fails, or a client that leaves without {@code NBD_CMD_DISC}, writes
 * nothing. A {@code FLUSH} is acknowledged without writing: the client's bytes are durable only as
 * a whole, at the commit.
 */
final class ExportedDisk implements AutoCloseable {

    private final DiskImage disk;
    private final WindowOverlay overlay;
    private final NbdExport export;

    private ExportedDisk(DiskImage disk, WindowOverlay overlay, NbdExport export) {
        this.disk = disk;
        this.overlay = overlay;
        this.export = export;
    }

    /**
     * Serves the whole disk; read-only unless {@code writable} (and then only if the disk is).
     *
     * @param root where the export's private directory is made
     */
    static ExportedDisk serve(DiskImage disk, boolean writable, Path root) throws IOException {
        boolean rw = writable && disk.writable();
        WindowOverlay overlay = new WindowOverlay(new DiskWindow(disk, PartitionView.wholeDisk(disk)), rw,
                Ext2Filesystem.MAX_CHANGED_BYTES);
        NbdExport.Storage storage = new NbdExport.Storage() {
            @Override
            public long size() {
                return overlay.size();
            }

            @Override
            public void read(long position, ByteBuffer dst) throws IOException {
                synchronized (overlay) {
                    overlay.read(position, dst);
                }
            }

            @Override
            public void write(long position, ByteBuffer src) throws IOException {
                synchronized (overlay) {
                    overlay.write(position, src);
                }
            }

            @Override
            public void flush() {
                // staged: the bytes reach the disk as a whole at the commit
            }
        };
        return new ExportedDisk(disk, overlay, NbdExport.serve(storage, !rw, root));
    }

    Path socket() {
        return export.socket();
    }

    /** Bytes the client wrote so far, held in memory until the commit. */
    long stagedBytes() {
        synchronized (overlay) {
            return overlay.dirtyBytes();
        }
    }

    /** The export itself (its state, for tests). */
    NbdExport export() {
        return export;
    }

    /**
     * Stops the export and writes what the client wrote, as one unit through the disk's undo journal,
     * if the client (libguestfs) has shut down cleanly; else drops it.
     *
     * @param closed whether libguestfs closed without an error (unmounted, synced, shut down)
     * @return why nothing was written, when the client did not end cleanly (the disk is then untouched)
     * @throws IOException the commit failed (the message says whether the undo journal is kept)
     */
    Optional<String> commit(boolean closed) throws IOException {
        export.close();
        if (!closed) {
            return Optional.of("libguestfs did not shut down cleanly, so none of its writes were committed: the image"
                    + " is unchanged");
        }
        if (!export.cleanlyEnded()) {
            return Optional.of("libguestfs' writes were not committed, the image is unchanged: "
                    + export.failure().orElse("its QEMU is still connected"));
        }
        if (overlay.changed()) {
            overlay.window().commit(overlay.changes());
            disk.flush();
        }
        return Optional.empty();
    }

    /** Stops the export; whatever was not committed is dropped. */
    @Override
    public void close() throws IOException {
        export.close();
    }
}
