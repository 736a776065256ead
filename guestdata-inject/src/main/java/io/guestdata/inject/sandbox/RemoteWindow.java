package io.guestdata.inject.sandbox;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
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
 * <p>Reads are served from a cache of aligned chunks ({@code chunkBytes}, 128 KiB by default):
 * a miss fetches the chunks the read needs, contiguous missing ones in one {@link WorkerProtocol#FETCH}
 * (and one chunk ahead), so opening a filesystem and resolving a few paths costs a handful of
 * round trips, not one per block. The cache is bounded ({@code maxCachedBytes}, least recently used
 * chunks go first) and belongs to this window only: it is dropped with it, and after a commit.
 *
 * <p>Used only on the worker's one thread, inside calls into libext2fs.
 */
final class RemoteWindow implements FilesystemWindow {
    private final FrameChannel channel;
    private final int handle;
    private final long size;
    private final String description;
    private final int chunkBytes;
    private final long maxCachedBytes;
    private final LinkedHashMap<Long, byte[]> chunks = new LinkedHashMap<>(64, 0.75f, true);
    private long cachedBytes;

    RemoteWindow(FrameChannel channel, int handle, long size, String description, int chunkBytes,
                 long maxCachedBytes) {
        if (size < 0 || chunkBytes <= 0 || chunkBytes > WorkerProtocol.MAX_FETCH) {
            throw new IllegalArgumentException("window of " + size + " bytes, chunks of " + chunkBytes);
        }
        this.channel = channel;
        this.handle = handle;
        this.size = size;
        this.description = description;
        this.chunkBytes = chunkBytes;
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
        long at = position;
        long end = position + length;
        while (at < end) {
            long chunk = at / chunkBytes;
            byte[] bytes = chunks.get(chunk);
            if (bytes == null) {
                fetch(chunk, (end - 1) / chunkBytes);
                bytes = chunks.get(chunk);
            }
            int from = (int) (at - chunk * chunkBytes);
            int n = (int) Math.min(end - at, bytes.length - from);
            dst.put(bytes, from, n);
            at += n;
        }
    }

    /**
     * Fetches chunk {@code first} and the missing chunks after it up to {@code last} (plus one read
     * ahead, when it is missing too), as one contiguous range of at most {@link WorkerProtocol#MAX_FETCH}
     * bytes.
     */
    private void fetch(long first, long last) throws IOException {
        long lastChunk = (size - 1) / chunkBytes;
        long maxChunks = WorkerProtocol.MAX_FETCH / chunkBytes;
        long end = first + 1;
        while (end <= Math.min(last + 1, lastChunk) && end - first < maxChunks && !chunks.containsKey(end)) {
            end++;
        }
        long position = first * chunkBytes;
        int length = (int) (Math.min(end * (long) chunkBytes, size) - position);
        channel.send(WorkerProtocol.FETCH, WorkerProtocol.payload(out -> {
            out.writeInt(handle);
            out.writeLong(position);
            out.writeInt(length);
        }));
        Frame answer = channel.receive(WorkerProtocol.MAX_FETCH + 16);
        switch (answer.type()) {
            case WorkerProtocol.DATA -> {
                byte[] data = answer.payload();
                if (data.length != length) {
                    throw new IllegalStateException("asked for " + length + " bytes, got " + data.length);
                }
                for (long c = first; c < end; c++) {
                    int from = (int) ((c - first) * chunkBytes);
                    int n = Math.min(chunkBytes, length - from);
                    byte[] bytes = new byte[n];
                    System.arraycopy(data, from, bytes, 0, n);
                    keep(c, bytes);
                }
            }
            case WorkerProtocol.FETCH_FAILED -> throw new IOException(answer.in().readUTF());
            default -> throw new IllegalStateException("frame " + answer.type() + " in answer to a fetch");
        }
    }

    private void keep(long chunk, byte[] bytes) {
        chunks.put(chunk, bytes);
        cachedBytes += bytes.length;
        var eldest = chunks.entrySet().iterator();
        while (cachedBytes > maxCachedBytes && eldest.hasNext()) {
            var e = eldest.next();
            if (e.getKey() == chunk) {
                break;
            }
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
        chunks.clear();
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
