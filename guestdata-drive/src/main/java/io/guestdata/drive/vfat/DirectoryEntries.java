package io.guestdata.drive.vfat;

import io.guestdata.drive.vfat.DirectoryTree.Directory;
import io.guestdata.drive.vfat.DirectoryTree.Node;
import io.guestdata.drive.vfat.DirectoryTree.RegularFile;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The content of one directory (Microsoft FAT specification 1.03, "FAT Directory Structure"): a
 * sequence of 32-byte entries. The root starts with the volume label entry; every other directory
 * with {@code .} and {@code ..}. Then, for each entry in name order, its {@link LongNameEntry}s (if
 * its name needs them) and its {@link DirectoryEntry}. The rest of the directory's clusters stay
 * zero: an entry whose first byte is 0 ends the directory.
 *
 * <p>Entries are written through a fixed buffer, so a directory of any size (up to the 2 MiB FAT
 * allows) takes no more memory than that buffer.
 */
final class DirectoryEntries {
    private final VolumeLayout layout;
    private final FatTimestamp timestamp;
    private final byte[] label;

    /** @param label the 11-byte volume label for the root, or null */
    DirectoryEntries(VolumeLayout layout, FatTimestamp timestamp, byte[] label) {
        this.layout = layout;
        this.timestamp = timestamp;
        this.label = label;
    }

    /**
     * Writes the entries of {@code dir} at the stream's position.
     *
     * @param parentCluster what {@code ..} points at (ignored for the root)
     */
    void write(Directory dir, long parentCluster, ImageStream out, ByteBuffer scratch) throws IOException {
        ByteBuffer buffer = scratch.clear();
        if (dir.isRoot()) {
            if (label != null) {
                put(DirectoryEntry.volumeLabel(label, timestamp), buffer, out);
            }
        } else {
            put(DirectoryEntry.dot(timestamp, layout.firstCluster(dir)), buffer, out);
            put(DirectoryEntry.dotDot(timestamp, parentCluster), buffer, out);
        }
        for (int i = 0; i < dir.entries().size(); i++) {
            Node node = dir.entries().get(i);
            ShortName shortName = dir.shortNames().get(i);
            if (shortName.needsLongName()) {
                for (LongNameEntry entry : LongNameEntry.forName(node.name(), shortName.bytes())) {
                    room(buffer, out);
                    entry.encode(buffer);
                }
            }
            long cluster = layout.firstCluster(node);
            put(switch (node) {
                case Directory d -> DirectoryEntry.directory(shortName, timestamp, cluster);
                case RegularFile f -> DirectoryEntry.file(shortName, timestamp, cluster, f.file().size());
            }, buffer, out);
        }
        buffer.flip();
        out.write(buffer);
    }

    private static void put(DirectoryEntry entry, ByteBuffer buffer, ImageStream out) throws IOException {
        room(buffer, out);
        entry.encode(buffer);
    }

    private static void room(ByteBuffer buffer, ImageStream out) throws IOException {
        if (buffer.remaining() < DirectoryEntry.SIZE) {
            buffer.flip();
            out.write(buffer);
            buffer.clear();
        }
    }
}
