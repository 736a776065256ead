package io.guestdata.inject.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The bytes one guest filesystem lives in: a partition, a whole disk, or a block device, seen
 * from its first byte to its last and never beyond. {@link Ext2Filesystem} does all its I/O
 * through a window, never through a file name: libext2fs is handed a Java I/O manager
 * ({@link WindowIoManager}) that reads here and keeps every write in memory
 * ({@link WindowOverlay}) until the filesystem is closed, when the changes are handed to
 * {@link #commit} at once. So whatever the filesystem's metadata says (a block count larger
 * than the partition, a block number past the disk), no byte outside the window is read or
 * written, and a failure before the commit leaves the window untouched.
 *
 * <p>Implementations: a partition view of an opened disk image (with an undo journal, so a
 * crash during the commit is rolled back), a plain file (tools and tests), and the parent's
 * window as a sandboxed worker process sees it through its pipe.
 */
public interface FilesystemWindow {

    /** Size of the window in bytes. */
    long size();

    /**
     * Reads {@code dst.remaining()} bytes at {@code position} (relative to the window's start).
     *
     * @throws IOException including when the range leaves the window; nothing is read then
     */
    void read(long position, ByteBuffer dst) throws IOException;

    /**
     * Writes every change, in order, as one unit: either all of them reach the window (and are
     * flushed to stable storage), or, if the process dies on the way, the next opener of the
     * image can restore the bytes as they were. Called once, after the filesystem was closed.
     *
     * @param changes non-overlapping, ascending, each inside the window
     * @throws IOException the changes could not be written (the message says what state the
     *                     window is in)
     */
    void commit(List<WindowChange> changes) throws IOException;

    /**
     * A hint that the blocks of {@code length} bytes at each of {@code positions} (ascending) will be
     * read soon, so a window whose reads are expensive (a sandboxed worker's, each a round trip to
     * its parent) can fetch them in a few batches instead of one at a time. Positions outside the
     * window are ignored; nothing else changes. The default does nothing (a local file is read from
     * the page cache).
     */
    default void prefetch(long[] positions, int length) throws IOException {
    }

    /** What the window is, for messages: "partition 2 of /images/a.qcow2". */
    String describe();
}
