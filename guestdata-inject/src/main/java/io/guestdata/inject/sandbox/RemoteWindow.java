package io.guestdata.inject.sandbox;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

import io.guestdata.inject.fs.FilesystemWindow;
import io.guestdata.inject.fs.WindowChange;
import io.guestdata.inject.sandbox.WorkerProtocol.Frame;

/**
 * The parent's window as the sandboxed worker sees it: every byte comes over the pipe from the
 * parent, which reads it from its own window (bounded to the partition); every change goes back
 * to the parent in the commit. The worker holds no descriptor and no path of the image.
 *
 * <p>Reads are served from a cache of 4 KiB pages. A miss fetches the pages the read needs in one
 * {@link WorkerProtocol#FETCH}, and, when the read continues the previous one, a readahead that
 * doubles up to {@code maxReadahead} bytes (inode tables, bitmaps and files are read in order); a
 * read elsewhere (a directory block, an extent index) fetches only what it needs, so scattered
 * reads are not multiplied. What the filesystem code knows it will read (the census's directory
 * blocks) comes in through {@link #prefetch}, in {@link WorkerProtocol#FETCH_MANY} batches of up to
 * {@link WorkerProtocol#MAX_FETCH} bytes. The cache is bounded ({@code maxCachedBytes}, least
 * recently used pages go first) and belongs to this window only: it is dropped with it, and after
 * a commit.
 *
 * <p>Used only on the worker's one thread, inside calls into libext2fs.
 */
final class RemoteWindow implements FilesystemWindow {
    static final int PAGE = 4096;
    /** The first readahead of a sequential read. */
    private static final int FIRST_READAHEAD = 32 << 10;

    private final FrameChannel channel;
    private final int handle;
    private final long size;
    private final String description;
    private final int maxReadahead;
    private final long maxCachedBytes;
    private final LinkedHashMap<Long, byte[]> pages = new LinkedHashMap<>(256, 0.75f, true);
    private long cachedBytes;
    /** Where the previous read ended, and the readahead it had: a read starting there is sequential. */
    private long previousEnd = -1;
    private int readahead;

    RemoteWindow(FrameChannel channel, int handle, long size, String description, int maxReadahead,
                 long maxCachedBytes) {
        if (size < 0 || maxReadahead < PAGE || maxReadahead > WorkerProtocol.MAX_FETCH) {
            throw new IllegalArgumentException("window of " + size + " bytes, readahead of " + maxReadahead);
        }
        this.channel = channel;
        this.handle = handle;
        this.size = size;
        this.description = description;
        this.maxReadahead = maxReadahead;
        this.maxCachedBytes = Math.max(maxCachedBytes, 2L * WorkerProtocol.MAX_FETCH);
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
        int length = dst.remaining();
        if (position < 0 || position > size || length > size - position) {
            throw new IOException(description + ": a read of " + length + " bytes at " + position + " leaves the window");
        }
        boolean sequential = position == previousEnd;
        long at = position;
        long end = position + length;
        while (at < end) {
            long page = at / PAGE;
            byte[] bytes = pages.get(page);
            if (bytes == null) {
                readahead = sequential ? Math.min(Math.max(2 * readahead, FIRST_READAHEAD), maxReadahead) : 0;
                fetch(page, (end - 1) / PAGE, readahead);
                bytes = pages.get(page);
            }
            int from = (int) (at - page * PAGE);
            int n = (int) Math.min(end - at, bytes.length - from);
            dst.put(bytes, from, n);
            at += n;
        }
        previousEnd = end;
    }

    /**
     * Fetches page {@code first} and the missing pages after it up to {@code last}, and up to
     * {@code ahead} bytes beyond while those are missing too, as one contiguous range of at most
     * {@link WorkerProtocol#MAX_FETCH} bytes.
     */
    private void fetch(long first, long last, int ahead) throws IOException {
        long lastPage = (size - 1) / PAGE;
        long limit = Math.min(lastPage, last + ahead / PAGE);
        long maxPages = WorkerProtocol.MAX_FETCH / PAGE;
        long end = first + 1;
        while (end <= limit && end - first < maxPages && !pages.containsKey(end)) {
            end++;
        }
        long position = first * PAGE;
        int length = (int) (Math.min(end * PAGE, size) - position);
        channel.send(WorkerProtocol.FETCH, WorkerProtocol.payload(out -> {
            out.writeInt(handle);
            out.writeLong(position);
            out.writeInt(length);
        }));
        keep(position, answer(length));
    }

    /**
     * Fetches, in as few {@link WorkerProtocol#FETCH_MANY} requests as fit, every page of the
     * {@code length}-byte blocks at {@code positions} that is not cached yet; adjacent pages are
     * asked for as one range.
     */
    @Override
    public void prefetch(long[] positions, int length) throws IOException {
        List<long[]> ranges = new ArrayList<>(); // {first page, end page}
        for (long p : positions) {
            if (p < 0 || length <= 0 || p >= size) {
                continue;
            }
            long first = p / PAGE;
            long end = (Math.min(size, p + length) - 1) / PAGE + 1;
            for (long page = first; page < end; page++) {
                if (pages.containsKey(page)) {
                    continue;
                }
                long[] last = ranges.isEmpty() ? null : ranges.getLast();
                if (last != null && last[1] == page) {
                    last[1]++;
                } else if (last == null || last[1] < page) {
                    ranges.add(new long[] {page, page + 1});
                }
            }
        }
        int from = 0;
        while (from < ranges.size()) {
            int to = from;
            long bytes = 0;
            while (to < ranges.size() && to - from < WorkerProtocol.MAX_FETCH_RANGES) {
                long n = Math.min(ranges.get(to)[1] * PAGE, size) - ranges.get(to)[0] * PAGE;
                if (bytes + n > WorkerProtocol.MAX_FETCH) {
                    if (to == from) { // one range longer than a frame: its front now; the rest is fetched when read
                        ranges.get(to)[1] = ranges.get(to)[0] + WorkerProtocol.MAX_FETCH / PAGE;
                        bytes += WorkerProtocol.MAX_FETCH;
                        to++;
                    }
                    break;
                }
                bytes += n;
                to++;
            }
            List<long[]> batch = ranges.subList(from, to);
            channel.send(WorkerProtocol.FETCH_MANY, WorkerProtocol.payload(out -> {
                out.writeInt(handle);
                out.writeInt(batch.size());
                for (long[] r : batch) {
                    out.writeLong(r[0] * PAGE);
                    out.writeInt((int) (Math.min(r[1] * PAGE, size) - r[0] * PAGE));
                }
            }));
            byte[] data = answer((int) bytes);
            int at = 0;
            for (long[] r : batch) {
                int n = (int) (Math.min(r[1] * PAGE, size) - r[0] * PAGE);
                keep(r[0] * PAGE, java.util.Arrays.copyOfRange(data, at, at + n));
                at += n;
            }
            from = to;
        }
    }

    /** The parent's answer to a fetch: exactly {@code length} bytes. */
    private byte[] answer(int length) throws IOException {
        Frame answer = channel.receive(WorkerProtocol.MAX_FETCH + 16);
        return switch (answer.type()) {
            case WorkerProtocol.DATA -> {
                byte[] data = answer.payload();
                if (data.length != length) {
                    throw new IllegalStateException("asked for " + length + " bytes, got " + data.length);
                }
                yield data;
            }
            case WorkerProtocol.FETCH_FAILED -> throw new IOException(answer.in().readUTF());
            default -> throw new IllegalStateException("frame " + answer.type() + " in answer to a fetch");
        };
    }

    /** Caches {@code data}, which starts at the page boundary {@code position}, page by page. */
    private void keep(long position, byte[] data) {
        for (int from = 0; from < data.length; from += PAGE) {
            long page = position / PAGE + from / PAGE;
            byte[] bytes = java.util.Arrays.copyOfRange(data, from, Math.min(data.length, from + PAGE));
            byte[] old = pages.put(page, bytes);
            cachedBytes += bytes.length - (old == null ? 0 : old.length);
        }
        var eldest = pages.entrySet().iterator();
        while (cachedBytes > maxCachedBytes && eldest.hasNext()) {
            var e = eldest.next();
            cachedBytes -= e.getValue().length;
            eldest.remove();
        }
    }

    /**
     * Hands the changes to the parent, in parts of at most {@link WorkerProtocol#MAX_COMMIT_PART}
     * bytes, and waits for its verdict; the parent checks them and commits them to its window
     * (through the image's undo journal) or says why not.
     */
    @Override
    public void commit(List<WindowChange> changes) throws IOException {
        int parts = 0;
        long total = 0;
        for (WindowChange c : changes) {
            byte[] bytes = c.bytes();
            for (int from = 0; from < bytes.length; from += WorkerProtocol.MAX_COMMIT_PART) {
                int n = Math.min(WorkerProtocol.MAX_COMMIT_PART, bytes.length - from);
                long position = c.position() + from;
                byte[] head = WorkerProtocol.payload((DataOutputStream out) -> {
                    out.writeInt(handle);
                    out.writeLong(position);
                });
                channel.send(WorkerProtocol.COMMIT_PART, head, bytes, from, n);
                parts++;
                total += n;
            }
        }
        int partCount = parts;
        long totalBytes = total;
        channel.send(WorkerProtocol.COMMIT_END, WorkerProtocol.payload(out -> {
            out.writeInt(handle);
            out.writeInt(partCount);
            out.writeLong(totalBytes);
        }));
        pages.clear();
        cachedBytes = 0;
        Frame answer = channel.receive(WorkerProtocol.MAX_TEXT * 4 + 16);
        switch (answer.type()) {
            case WorkerProtocol.COMMITTED -> {
            }
            case WorkerProtocol.COMMIT_FAILED -> throw new IOException(answer.in().readUTF());
            default -> throw new IllegalStateException("frame " + answer.type() + " in answer to a commit");
        }
    }
}
