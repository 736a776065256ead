package io.guestdata.inject;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

import io.guestdata.inject.block.DiskImage;
import io.guestdata.inject.block.PartitionView;
import io.guestdata.inject.block.UndoJournal;
import io.guestdata.inject.fs.FilesystemWindow;
import io.guestdata.inject.fs.WindowChange;

/**
 * The chosen partition (or whole disk) of an opened {@link DiskImage}, as a filesystem sees it:
 * reads go through the partition view, which refuses anything outside it, and the filesystem's
 * changes are committed to the disk through its undo journal, as one unit.
 */
final class DiskWindow implements FilesystemWindow {
    private final DiskImage disk;
    private final PartitionView partition;

    DiskWindow(DiskImage disk, PartitionView partition) {
        this.disk = disk;
        this.partition = partition;
    }

    @Override
    public long size() {
        return partition.size();
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
        partition.read(position, dst);
    }

    @Override
    public void commit(List<WindowChange> changes) throws IOException {
        long start = partition.offset();
        for (WindowChange c : changes) {
            if (c.end() > partition.size()) {
                throw new IOException(describe() + ": a change at " + c.position() + " (+" + c.bytes().length
                        + " bytes) leaves the partition; nothing was written");
            }
        }
        disk.commit(changes.stream().map(c -> new UndoJournal.Change(start + c.position(), c.bytes())).toList());
    }

    @Override
    public String describe() {
        String where = partition.number() == 0 ? "the whole disk" : "partition " + partition.number();
        return where + " of " + (disk.image() == null ? "the block device" : disk.image().toString());
    }
}
