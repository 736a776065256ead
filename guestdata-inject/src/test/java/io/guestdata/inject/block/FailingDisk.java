package io.guestdata.inject.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * A real device whose writes fail after {@code allowed} successful ones: what a process killed
 * between two writes leaves behind, for tests of the undo journal.
 */
public final class FailingDisk implements BlockDevice {
    private final BlockDevice inner;
    private final int allowed;
    private int done;

    public FailingDisk(BlockDevice inner, int allowed) {
        this.inner = inner;
        this.allowed = allowed;
    }

    @Override
    public long size() {
        return inner.size();
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
        inner.read(position, dst);
    }

    @Override
    public void write(long position, ByteBuffer src) throws IOException {
        if (done++ >= allowed) {
            throw new IOException("the process died here");
        }
        inner.write(position, src);
    }

    @Override
    public Path path() {
        return inner.path();
    }

    @Override
    public long offset() {
        return 0;
    }

    @Override
    public boolean writable() {
        return true;
    }

    @Override
    public void flush() throws IOException {
        inner.flush();
    }

    @Override
    public void close() {
        // The inner device belongs to the caller.
    }
}
