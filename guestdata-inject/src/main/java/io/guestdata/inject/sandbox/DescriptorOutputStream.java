package io.guestdata.inject.sandbox;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Writes to a raw file descriptor with libc's {@code write(2)}: the worker's protocol output after
 * it moved the stdout pipe to a descriptor of its own ({@link #takeStdout()}). Reopening the pipe
 * through {@code /proc/self/fd} would be simpler, but the pipe belongs to the parent's user and the
 * worker runs as another. Used by one thread.
 */
@SuppressWarnings("restricted") // downcalls into libc are this class's purpose
final class DescriptorOutputStream extends OutputStream {
    private static final int EINTR = 4;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final MemoryLayout STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle WRITE = LINKER.downcallHandle(LIBC.findOrThrow("write"),
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), Linker.Option.captureCallState("errno"));
    private static final MethodHandle DUP = LINKER.downcallHandle(LIBC.findOrThrow("dup"),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle DUP2 = LINKER.downcallHandle(LIBC.findOrThrow("dup2"),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));

    private final int fd;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment buffer = arena.allocate(1 << 16);
    private final MemorySegment state = arena.allocate(STATE);

    private DescriptorOutputStream(int fd) {
        this.fd = fd;
    }

    /**
     * Moves the pipe on fd 1 to a new descriptor, points fd 1 at stderr, and returns a stream on
     * the new descriptor: from then on whatever else writes to stdout (the JVM's fatal-error
     * banner, which ignores {@code -XX:+DisplayVMOutputToStderr}) lands on stderr.
     */
    static DescriptorOutputStream takeStdout() throws IOException {
        try {
            int fd = (int) DUP.invokeExact(1);
            if (fd < 0) {
                throw new IOException("dup(1) failed");
            }
            if ((int) DUP2.invokeExact(2, 1) < 0) {
                throw new IOException("dup2(2, 1) failed");
            }
            return new DescriptorOutputStream(fd);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            int n = (int) Math.min(len, buffer.byteSize());
            MemorySegment.copy(b, off, buffer, JAVA_BYTE, 0, n);
            int done = 0;
            while (done < n) {
                long w;
                try {
                    w = (long) WRITE.invokeExact(state, fd, buffer.asSlice(done), (long) (n - done));
                } catch (Throwable t) {
                    throw new IOException(t);
                }
                if (w < 0) {
                    int errno = (int) ERRNO.get(state, 0L);
                    if (errno == EINTR) {
                        continue;
                    }
                    throw new IOException("write to the parent's pipe failed (errno " + errno + ")");
                }
                done += (int) w;
            }
            off += n;
            len -= n;
        }
    }
}
