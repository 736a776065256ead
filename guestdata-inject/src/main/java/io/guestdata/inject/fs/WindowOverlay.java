package io.guestdata.inject.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A {@link FilesystemWindow} as libext2fs sees it while a filesystem is open: reads come from the
 * window unless the bytes were written since the open, and writes go to memory only, in pages,
 * until {@link #changes()} hands them to the window's commit. Every access is checked against the
 * window's size first; an access outside it transfers nothing and is remembered
 * ({@link #violation()}) so the error names it.
 *
 * <p>Not thread-safe on its own: {@link Ext2Filesystem} serialises every call into libext2fs, and
 * the NBD export of an RBD image for libguestfs serves one request at a time.
 */
public final class WindowOverlay {

    /** Unit of the dirty map: a write of fewer bytes reads the rest of its page first. */
    static final int PAGE = 4096;

    private final FilesystemWindow window;
    private final boolean writable;
    private final long maxDirtyBytes;
    private final NavigableMap<Long, byte[]> dirty = new TreeMap<>();
    private String violation;

    /**
     * @param maxDirtyBytes how much a filesystem may change before a write is refused (the
     *                      changes are held in memory until the commit)
     */
    public WindowOverlay(FilesystemWindow window, boolean writable, long maxDirtyBytes) {
        this.window = window;
        this.writable = writable;
        this.maxDirtyBytes = maxDirtyBytes;
    }

    public FilesystemWindow window() {
        return window;
    }

    boolean writable() {
        return writable;
    }

    public long size() {
        return window.size();
    }

    /** The first access that was refused for leaving the window (or for another reason), if any. */
    String violation() {
        return violation;
    }

    /** Fills {@code dst} from {@code position}: written pages from memory, the rest from the window. */
    public void read(long position, ByteBuffer dst) throws IOException {
        checkRange(position, dst.remaining(), "read");
        long end = position + dst.remaining();
        if (dirty.isEmpty() || dirty.subMap(position / PAGE, true, (end - 1) / PAGE, true).isEmpty()) {
            window.read(position, dst);
            return;
        }
        long at = position;
        while (at < end) {
            long page = at / PAGE;
            long pageEnd = Math.min(end, (page + 1) * PAGE);
            int n = (int) (pageEnd - at);
            byte[] bytes = dirty.get(page);
            if (bytes != null) {
                dst.put(bytes, (int) (at - page * PAGE), n);
            } else {
                ByteBuffer slice = dst.slice(dst.position(), n);
                window.read(at, slice);
                dst.position(dst.position() + n);
            }
            at = pageEnd;
        }
    }

    /** Keeps {@code src} in memory as the new content of its range. */
    public void write(long position, ByteBuffer src) throws IOException {
        if (!writable) {
            violation = "a write at offset " + position + " on a filesystem opened read-only";
            throw new IOException(violation);
        }
        checkRange(position, src.remaining(), "write");
        long end = position + src.remaining();
        long at = position;
        while (at < end) {
            long page = at / PAGE;
            long pageEnd = Math.min(end, (page + 1) * PAGE);
            byte[] bytes = dirty.get(page);
            if (bytes == null) {
                if ((long) (dirty.size() + 1) * PAGE > maxDirtyBytes) {
                    violation = "the changes exceed " + maxDirtyBytes + " bytes, the most one injection may hold"
                            + " in memory before it is written";
                    throw new IOException(violation);
                }
                int length = (int) Math.min(PAGE, window.size() - page * PAGE);
                bytes = new byte[length];
                boolean whole = at == page * PAGE && pageEnd - at == length;
                if (!whole) {
                    window.read(page * PAGE, ByteBuffer.wrap(bytes));
                }
                dirty.put(page, bytes);
            }
            int n = (int) (pageEnd - at);
            src.get(bytes, (int) (at - page * PAGE), n);
            at = pageEnd;
        }
    }

    /** Whether anything was written since the open. */
    public boolean changed() {
        return !dirty.isEmpty();
    }

    /** Bytes held in memory. */
    public long dirtyBytes() {
        return dirty.values().stream().mapToLong(b -> b.length).sum();
    }

    /** The written pages, adjacent ones joined into one run, in ascending order. */
    public List<WindowChange> changes() {
        List<WindowChange> out = new ArrayList<>();
        long runStart = -1;
        List<byte[]> run = new ArrayList<>();
        long next = -1;
        for (Map.Entry<Long, byte[]> e : dirty.entrySet()) {
            long start = e.getKey() * PAGE;
            if (start != next && !run.isEmpty()) {
                out.add(join(runStart, run));
                run.clear();
            }
            if (run.isEmpty()) {
                runStart = start;
            }
            run.add(e.getValue());
            next = start + e.getValue().length;
        }
        if (!run.isEmpty()) {
            out.add(join(runStart, run));
        }
        return out;
    }

    private static WindowChange join(long start, List<byte[]> pages) {
        if (pages.size() == 1) {
            return new WindowChange(start, pages.getFirst());
        }
        int total = pages.stream().mapToInt(p -> p.length).sum();
        byte[] bytes = new byte[total];
        int at = 0;
        for (byte[] p : pages) {
            System.arraycopy(p, 0, bytes, at, p.length);
            at += p.length;
        }
        return new WindowChange(start, bytes);
    }

    /** Records an access refused before it reached {@link #read} or {@link #write} (an overflowing block number). */
    void refuse(String what) {
        if (violation == null) {
            violation = what + " leaves " + window.describe() + " (" + window.size() + " bytes); nothing outside the"
                    + " filesystem's window is read or written";
        }
    }

    private void checkRange(long position, long length, String what) throws IOException {
        long size = window.size();
        if (position < 0 || length < 0 || position > size || length > size - position) {
            String v = "a " + what + " of " + length + " bytes at offset " + position + " leaves " + window.describe()
                    + " (" + size + " bytes); nothing outside the filesystem's window is read or written";
            if (violation == null) {
                violation = v;
            }
            throw new IOException(v);
        }
    }
}
