package io.guestdata.inject.nbd;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A block device served as one NBD export over a Unix socket (NBD protocol, doc/proto.md of
 * NetworkBlockDevice/nbd), so that a QEMU (libguestfs' appliance, qemu-img, qemu-io) reads and
 * writes bytes that this process holds, without being given a file, a key or a cluster.
 *
 * <ul>
 *   <li>The socket lives in a private directory (mode 0700) made under a root of the caller's; only
 *       this user reaches it. {@link #close()} stops serving, waits for the serving thread, and
 *       removes the socket and the directory.</li>
 *   <li>Handshake: fixed newstyle with {@code NBD_FLAG_FIXED_NEWSTYLE | NBD_FLAG_NO_ZEROES}
 *       ({@link NbdGreeting}); options {@code NBD_OPT_GO}, {@code INFO}, {@code EXPORT_NAME},
 *       {@code ABORT} and {@code LIST} ({@link NbdOption}, {@link NbdOptionReply}); any other is
 *       answered {@code NBD_REP_ERR_UNSUP}, so clients fall back to simple replies. One export,
 *       the default one (the empty name).</li>
 *   <li>Transmission, simple replies only ({@link NbdRequest}, {@link NbdSimpleReply}):
 *       {@code READ}, {@code WRITE}, {@code FLUSH}, {@code DISC}, {@code TRIM} (a no-op: the
 *       contents of a trimmed range are unspecified, so keeping them is allowed) and
 *       {@code WRITE_ZEROES}. A read-only export says so ({@code NBD_FLAG_READ_ONLY}) and answers
 *       any write {@code EPERM}. A range leaving the export is refused ({@code EINVAL} for a read,
 *       {@code ENOSPC} for a write), as is a read or write longer than {@link #MAX_REQUEST}
 *       ({@code EINVAL}; a write's payload is read and dropped so the stream stays in step).</li>
 *   <li>One client at a time, on one virtual thread: a second connection waits until the first
 *       has ended.</li>
 * </ul>
 *
 * {@link #cleanlyEnded()} says whether every client that reached the transmission phase left with
 * {@code NBD_CMD_DISC} and no write failed: what a caller checks before it trusts that the
 * client's writes are all here.
 */
public final class NbdExport implements AutoCloseable {

    /** The longest read or write served, and the maximum block size advertised (NBD_INFO_BLOCK_SIZE). */
    public static final int MAX_REQUEST = 32 << 20;
    /** The preferred block size advertised. */
    public static final int PREFERRED_BLOCK = 4096;
    /** The Unix socket path limit of Linux ({@code sun_path} is 108 bytes, NUL included). */
    public static final int MAX_SOCKET_PATH = 107;
    static final String SOCKET_NAME = "nbd.sock";
    private static final String DIR_PREFIX = "guestdata-nbd-";
    private static final int ZERO_CHUNK = 1 << 20;
    private static final int MAX_DROPPED_OPTION = 1 << 16;
    /**
     * How long {@link #close()} lets a connected client finish before cutting it off: a client that has
     * just sent {@code NBD_CMD_DISC} and exited (QEMU at libguestfs' shut-down) is still connected until
     * the serving thread has read the DISC, and cutting it off then would count as an unclean end.
     */
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

    /** The bytes served. */
    public interface Storage {
        long size();

        /** Fills {@code dst} from {@code position}; the range is inside {@link #size()}. */
        void read(long position, ByteBuffer dst) throws IOException;

        /** Writes {@code src} at {@code position}; the range is inside {@link #size()}. */
        void write(long position, ByteBuffer src) throws IOException;

        void flush() throws IOException;
    }

    private final Storage storage;
    private final boolean readOnly;
    private final Path directory;
    private final Path socket;
    private final ServerSocketChannel server;
    private final Thread thread;
    private final Object lock = new Object();
    private SocketChannel client;
    private boolean unclean;
    private int transmissions;
    private Optional<String> firstFailure = Optional.empty();

    private NbdExport(Storage storage, boolean readOnly, Path directory, Path socket, ServerSocketChannel server) {
        this.storage = storage;
        this.readOnly = readOnly;
        this.directory = directory;
        this.socket = socket;
        this.server = server;
        this.thread = Thread.ofVirtual().name("nbd-export " + socket).unstarted(this::serve);
    }

    /**
     * Serves {@code storage} on a new socket in a new private directory under {@code root}.
     *
     * @param readOnly export it read-only: writes are refused with EPERM
     * @throws IOException the directory or the socket cannot be made (the message names the path and, for
     *                     a path too long for a Unix socket, the limit)
     */
    public static NbdExport serve(Storage storage, boolean readOnly, Path root) throws IOException {
        Objects.requireNonNull(storage, "storage");
        Objects.requireNonNull(root, "root");
        Path directory = Files.createTempDirectory(root, DIR_PREFIX,
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path socket = directory.resolve(SOCKET_NAME);
        int length = socket.toString().getBytes(StandardCharsets.UTF_8).length;
        ServerSocketChannel server = null;
        try {
            if (length > MAX_SOCKET_PATH) {
                throw new IOException("the NBD socket path " + socket + " is " + length + " bytes; a Unix socket path has"
                        + " at most " + MAX_SOCKET_PATH + ": choose a shorter temporary directory");
            }
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
            NbdExport export = new NbdExport(storage, readOnly, directory, socket, server);
            export.thread.start();
            return export;
        } catch (IOException | RuntimeException e) {
            if (server != null) {
                server.close();
            }
            Files.deleteIfExists(socket);
            Files.deleteIfExists(directory);
            throw e;
        }
    }

    /** The Unix socket clients connect to. */
    public Path socket() {
        return socket;
    }

    /** The {@code nbd+unix} URI of the default export, as QEMU's tools take it. */
    public String uri() {
        return "nbd+unix:///?socket=" + socket;
    }

    public boolean readOnly() {
        return readOnly;
    }

    /**
     * Whether every client that reached the transmission phase ended with {@code NBD_CMD_DISC}, none is
     * connected now, and no write or flush failed.
     */
    public boolean cleanlyEnded() {
        synchronized (lock) {
            return !unclean && client == null && firstFailure.isEmpty();
        }
    }

    /** How many connections reached the transmission phase. */
    public int transmissions() {
        synchronized (lock) {
            return transmissions;
        }
    }

    /** Why the export did not end cleanly: the first failed write or flush, or a client gone without DISC. */
    public Optional<String> failure() {
        synchronized (lock) {
            return firstFailure;
        }
    }

    private void serve() {
        while (true) {
            SocketChannel c;
            try {
                c = server.accept();
            } catch (IOException e) {
                return; // closed (AsynchronousCloseException) or broken: either way, no more clients
            }
            synchronized (lock) {
                client = c;
            }
            try (c) {
                session(c);
            } catch (IOException e) {
                synchronized (lock) {
                    if (transmissionOf(c)) {
                        unclean = true;
                        fail("the client's connection ended without NBD_CMD_DISC: " + e.getMessage());
                    }
                }
            } finally {
                synchronized (lock) {
                    client = null;
                }
            }
        }
    }

    private SocketChannel inTransmission;

    private boolean transmissionOf(SocketChannel c) {
        return inTransmission == c;
    }

    private void fail(String why) {
        if (firstFailure.isEmpty()) {
            firstFailure = Optional.of(why);
        }
    }

    private void session(SocketChannel c) throws IOException {
        write(c, NbdGreeting.server());
        ByteBuffer flags = readFully(c, NbdGreeting.CLIENT_FLAGS_SIZE);
        boolean noZeroes = (NbdGreeting.clientFlags(flags) & NbdGreeting.FLAG_NO_ZEROES) != 0;
        if (!negotiate(c, noZeroes)) {
            return;
        }
        synchronized (lock) {
            inTransmission = c;
            transmissions++;
        }
        if (transmit(c)) {
            synchronized (lock) {
                inTransmission = null;
            }
        }
    }

    private short transmissionFlags() {
        int f = Flags.HAS_FLAGS | Flags.SEND_FLUSH;
        f |= readOnly ? Flags.READ_ONLY : Flags.SEND_TRIM | Flags.SEND_WRITE_ZEROES;
        return (short) f;
    }

    /** Transmission flags (proto.md "Transmission flags"). */
    public static final class Flags {
        public static final int HAS_FLAGS = 1;
        public static final int READ_ONLY = 1 << 1;
        public static final int SEND_FLUSH = 1 << 2;
        public static final int SEND_TRIM = 1 << 5;
        public static final int SEND_WRITE_ZEROES = 1 << 6;

        private Flags() {
        }
    }

    /** Option haggling; true when the client goes on to the transmission phase. */
    private boolean negotiate(SocketChannel c, boolean noZeroes) throws IOException {
        while (true) {
            NbdOption option = NbdOption.read(readFully(c, NbdOption.HEADER_SIZE));
            int o = option.option();
            if (option.length() > NbdOption.MAX_DATA) {
                if (option.length() > MAX_DROPPED_OPTION) {
                    throw new NbdProtocolException("option " + o + " has " + option.length() + " bytes of data");
                }
                readFully(c, (int) option.length());
                reply(c, NbdOptionReply.error(o, NbdOptionReply.ERR_TOO_BIG, "option data longer than "
                        + NbdOption.MAX_DATA + " bytes"));
                continue;
            }
            ByteBuffer data = readFully(c, (int) option.length());
            switch (o) {
                case NbdOption.EXPORT_NAME -> {
                    if (data.remaining() != 0) {
                        return false; // unknown export: the spec has the server close the connection
                    }
                    write(c, NbdOptionReply.exportNameReply(storage.size(), transmissionFlags(), noZeroes));
                    return true;
                }
                case NbdOption.ABORT -> {
                    try {
                        reply(c, NbdOptionReply.ack(o));
                    } catch (IOException gone) {
                        // the client may close right after sending ABORT
                    }
                    return false;
                }
                case NbdOption.LIST -> {
                    if (data.remaining() != 0) {
                        reply(c, NbdOptionReply.error(o, NbdOptionReply.ERR_INVALID, "NBD_OPT_LIST takes no data"));
                    } else {
                        reply(c, NbdOptionReply.server(o, ""));
                        reply(c, NbdOptionReply.ack(o));
                    }
                }
                case NbdOption.INFO, NbdOption.GO -> {
                    if (info(c, o, data) && o == NbdOption.GO) {
                        return true;
                    }
                }
                default -> reply(c, NbdOptionReply.error(o, NbdOptionReply.ERR_UNSUP, "option " + o
                        + " is not supported by this server"));
            }
        }
    }

    /**
     * NBD_OPT_INFO and NBD_OPT_GO: name length (4), name, number of information requests (2), the
     * requests (2 each). True when the export was described and acknowledged.
     */
    private boolean info(SocketChannel c, int o, ByteBuffer data) throws IOException {
        if (data.remaining() < 6) {
            reply(c, NbdOptionReply.error(o, NbdOptionReply.ERR_INVALID, "option data too short"));
            return false;
        }
        long nameLength = Integer.toUnsignedLong(data.getInt());
        if (nameLength > data.remaining() - 2) {
            reply(c, NbdOptionReply.error(o, NbdOptionReply.ERR_INVALID, "export name length " + nameLength
                    + " exceeds the option data"));
            return false;
        }
        data.position(data.position() + (int) nameLength);
        int requests = Short.toUnsignedInt(data.getShort());
        if (data.remaining() != 2L * requests) {
            reply(c, NbdOptionReply.error(o, NbdOptionReply.ERR_INVALID, requests + " information requests do not"
                    + " match the option length"));
            return false;
        }
        if (nameLength != 0) {
            reply(c, NbdOptionReply.error(o, NbdOptionReply.ERR_UNKNOWN, "only the default export (empty name) is"
                    + " served"));
            return false;
        }
        boolean blockSize = false;
        for (int i = 0; i < requests; i++) {
            blockSize |= data.getShort() == NbdOptionReply.INFO_BLOCK_SIZE;
        }
        reply(c, NbdOptionReply.infoExport(o, storage.size(), transmissionFlags()));
        if (blockSize) {
            reply(c, NbdOptionReply.infoBlockSize(o, 1, PREFERRED_BLOCK, MAX_REQUEST));
        }
        reply(c, NbdOptionReply.ack(o));
        return true;
    }

    /** The transmission phase; true when the client left with NBD_CMD_DISC. */
    private boolean transmit(SocketChannel c) throws IOException {
        long size = storage.size();
        while (true) {
            NbdRequest r = NbdRequest.read(readFully(c, NbdRequest.SIZE));
            switch (r.type()) {
                case NbdRequest.DISC -> {
                    return true;
                }
                case NbdRequest.READ -> {
                    if (r.length() > MAX_REQUEST || !r.inside(size)) {
                        answer(c, NbdSimpleReply.EINVAL, r);
                        continue;
                    }
                    ByteBuffer data = ByteBuffer.allocate((int) r.length());
                    try {
                        storage.read(r.offset(), data);
                    } catch (IOException e) {
                        answer(c, NbdSimpleReply.EIO, r);
                        continue;
                    }
                    write(c, new NbdSimpleReply(0, r.cookie()).encode(), data.flip());
                }
                case NbdRequest.WRITE -> {
                    if (r.length() > MAX_REQUEST) {
                        drop(c, r.length());
                        answer(c, NbdSimpleReply.EINVAL, r);
                        continue;
                    }
                    ByteBuffer data = readFully(c, (int) r.length());
                    answer(c, change(r, size, () -> storage.write(r.offset(), data)), r);
                }
                case NbdRequest.WRITE_ZEROES -> answer(c, change(r, size, () -> zero(r.offset(), r.length())), r);
                case NbdRequest.TRIM -> answer(c, change(r, size, () -> { }), r);
                case NbdRequest.FLUSH -> {
                    int error = 0;
                    try {
                        storage.flush();
                    } catch (IOException e) {
                        error = NbdSimpleReply.EIO;
                        synchronized (lock) {
                            fail("a flush failed: " + e.getMessage());
                        }
                    }
                    answer(c, error, r);
                }
                default -> answer(c, NbdSimpleReply.EINVAL, r);
            }
        }
    }

    private interface Change {
        void run() throws IOException;
    }

    /** A write, zeroing or trim: refused on a read-only export or outside it; its failure is remembered. */
    private int change(NbdRequest r, long size, Change change) {
        if (readOnly) {
            return NbdSimpleReply.EPERM;
        }
        if (!r.inside(size)) {
            return NbdSimpleReply.ENOSPC;
        }
        try {
            change.run();
            return 0;
        } catch (IOException e) {
            synchronized (lock) {
                fail("a write of " + r.length() + " bytes at " + r.offset() + " failed: " + e.getMessage());
            }
            return NbdSimpleReply.EIO;
        }
    }

    private void zero(long offset, long length) throws IOException {
        ByteBuffer zeroes = ByteBuffer.allocate((int) Math.min(ZERO_CHUNK, Math.max(length, 0)));
        long at = offset;
        long end = offset + length;
        while (at < end) {
            int n = (int) Math.min(ZERO_CHUNK, end - at);
            storage.write(at, zeroes.clear().limit(n));
            at += n;
        }
    }

    private static void answer(SocketChannel c, int error, NbdRequest r) throws IOException {
        write(c, new NbdSimpleReply(error, r.cookie()).encode());
    }

    private static void reply(SocketChannel c, NbdOptionReply reply) throws IOException {
        write(c, reply.encode());
    }

    private static void write(SocketChannel c, ByteBuffer... buffers) throws IOException {
        long total = 0;
        for (ByteBuffer b : buffers) {
            total += b.remaining();
        }
        while (total > 0) {
            total -= c.write(buffers);
        }
    }

    private static ByteBuffer readFully(SocketChannel c, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (c.read(b) < 0) {
                throw new EOFException("the client closed the connection after " + b.position() + " of " + n + " bytes");
            }
        }
        return b.flip();
    }

    private static void drop(SocketChannel c, long n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(1 << 16);
        long left = n;
        while (left > 0) {
            b.clear().limit((int) Math.min(b.capacity(), left));
            int read = c.read(b);
            if (read < 0) {
                throw new EOFException("the client closed the connection inside a write's payload");
            }
            left -= read;
        }
    }

    /**
     * Stops serving: no new client; the current one (if any) may end its session for up to
     * {@link #CLOSE_GRACE}, then is disconnected; waits for the serving thread, then removes the socket
     * and its directory.
     */
    @Override
    public void close() throws IOException {
        server.close();
        try {
            // no new client can come; the current one (if any) gets CLOSE_GRACE to end its session
            if (!thread.join(CLOSE_GRACE)) {
                SocketChannel c;
                synchronized (lock) {
                    c = client;
                }
                if (c != null) {
                    c.close();
                }
            }
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stopping the NBD export at " + socket, e);
        } finally {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(directory);
        }
    }
}
