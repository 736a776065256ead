package io.guestdata.inject.sandbox;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import io.guestdata.inject.fs.AccessPolicy;
import io.guestdata.inject.fs.Ext2Filesystem;
import io.guestdata.inject.fs.FilesystemWindow;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.fs.GuestPath;
import io.guestdata.inject.fs.OpenMode;
import io.guestdata.inject.fs.WindowChange;
import io.guestdata.inject.sandbox.WorkerProtocol.Frame;

/**
 * The sandboxed ext2fs worker: the main class of the process {@link BubblewrapLauncher} starts
 * inside bubblewrap. It hosts {@link Ext2Filesystem}s opened over {@link RemoteWindow}s and
 * answers the parent's {@link WorkerProtocol} requests on stdin/stdout, one at a time, until stdin
 * closes. It has no descriptor but its three pipes and sees no host file but the JDK, its class
 * path and the shared libraries; whatever libext2fs does on a crafted image stays in here.
 *
 * <p>Before saying {@link WorkerProtocol#READY} it loads libext2fs and com_err (an open of an empty
 * window, which fails), so a request never pays for that. The pipe on stdout carries frames only:
 * the worker moves it to a descriptor of its own and points fd 1 at stderr, so nothing else (the
 * JVM's output, a crash banner) can land between two frames.
 *
 * <pre>Ext2fsWorker CHUNK_BYTES MAX_CACHED_BYTES</pre>
 */
public final class Ext2fsWorker {

    /** Longest request the parent may send: a write of the most one open may change, plus headers. */
    static final int MAX_REQUEST = (int) Math.min(Integer.MAX_VALUE - 8, Ext2Filesystem.MAX_CHANGED_BYTES + 65536);

    private final FrameChannel channel;
    private final int chunkBytes;
    private final long maxCachedBytes;
    private final RequestClock clock = new RequestClock();
    private final Map<Integer, Ext2Filesystem> open = new HashMap<>();

    private Ext2fsWorker(FrameChannel channel, int chunkBytes, long maxCachedBytes) {
        this.channel = channel;
        this.chunkBytes = chunkBytes;
        this.maxCachedBytes = maxCachedBytes;
    }

    public static void main(String[] args) {
        System.setOut(System.err);
        int status;
        try {
            OutputStream protocolOut = DescriptorOutputStream.takeStdout();
            int chunk = Integer.parseInt(args[0]);
            long cache = Long.parseLong(args[1]);
            preload();
            FrameChannel channel = new FrameChannel(new FileInputStream(FileDescriptor.in), protocolOut);
            channel.send(WorkerProtocol.READY, WorkerProtocol.payload(out -> {
                out.writeInt(WorkerProtocol.MAGIC);
                out.writeInt(WorkerProtocol.VERSION);
            }));
            status = new Ext2fsWorker(channel, chunk, cache).serve();
        } catch (IOException | RuntimeException e) {
            System.err.println("ext2fs worker: " + e);
            status = 2;
        }
        System.exit(status);
    }

    /** Loads libext2fs and com_err: opening an empty window calls ext2fs_open2, which fails. */
    private static void preload() {
        try {
            Ext2Filesystem.open(new EmptyWindow(), OpenMode.READ_ONLY).close();
            throw new IllegalStateException("libext2fs opened an empty window");
        } catch (GuestFsException expected) {
            if (expected.errcode() == 0) {
                throw new IllegalStateException("libext2fs was not called: " + expected.getMessage());
            }
        }
    }

    /** Answers requests until the parent closes stdin: 0. */
    private int serve() throws IOException {
        while (true) {
            Frame request;
            try {
                request = channel.receive(MAX_REQUEST);
            } catch (EOFException e) {
                return 0;
            }
            answer(request);
        }
    }

    private void answer(Frame request) throws IOException {
        DataInputStream in = request.in();
        int handle = in.readInt();
        clock.millis = in.readLong();
        byte[] result;
        try {
            result = perform(request.type(), handle, in);
        } catch (GuestFsException e) {
            channel.send(WorkerProtocol.ERROR, WorkerProtocol.payload(out -> WorkerProtocol.writeError(out, e)));
            return;
        } catch (RuntimeException e) {
            channel.send(WorkerProtocol.FAILURE, WorkerProtocol.payload(out -> WorkerProtocol.writeText(out, e.toString())));
            return;
        }
        channel.send(WorkerProtocol.RESULT, result);
    }

    private byte[] perform(byte type, int handle, DataInputStream in) throws IOException, GuestFsException {
        return switch (type) {
            case WorkerProtocol.OPEN -> {
                long size = in.readLong();
                String description = in.readUTF();
                OpenMode mode = in.readBoolean() ? OpenMode.READ_WRITE : OpenMode.READ_ONLY;
                if (open.containsKey(handle)) {
                    throw new IllegalStateException("handle " + handle + " is already open");
                }
                open.put(handle, Ext2Filesystem.open(window(handle, size, description), mode, clock));
                yield new byte[0];
            }
            case WorkerProtocol.CHECK_WRITABLE -> {
                long size = in.readLong();
                String description = in.readUTF();
                Ext2Filesystem.checkWritable(window(handle, size, description));
                yield new byte[0];
            }
            case WorkerProtocol.CLOSE -> {
                Ext2Filesystem fs = open.remove(handle);
                if (fs != null) {
                    fs.close();
                }
                yield new byte[0];
            }
            default -> call(type, filesystem(handle), in);
        };
    }

    /** The calls on an open filesystem. */
    private byte[] call(byte type, Ext2Filesystem fs, DataInputStream in) throws IOException, GuestFsException {
        switch (type) {
            case WorkerProtocol.EXISTS -> {
                GuestPath path = WorkerProtocol.readPath(in);
                boolean exists = fs.exists(path, WorkerProtocol.readPolicy(in));
                return new byte[] {(byte) (exists ? 1 : 0)};
            }
            case WorkerProtocol.STAT -> {
                GuestPath path = WorkerProtocol.readPath(in);
                var stat = fs.stat(path, WorkerProtocol.readPolicy(in));
                return WorkerProtocol.payload(out -> WorkerProtocol.writeStat(out, stat));
            }
            case WorkerProtocol.READ -> {
                GuestPath path = WorkerProtocol.readPath(in);
                int max = in.readInt();
                return fs.read(path, max, WorkerProtocol.readPolicy(in));
            }
            case WorkerProtocol.MKDIRS -> {
                GuestPath path = WorkerProtocol.readPath(in);
                int mode = in.readInt();
                int uid = in.readInt();
                int gid = in.readInt();
                fs.makeDirectories(path, mode, uid, gid, WorkerProtocol.readPolicy(in));
                return new byte[0];
            }
            case WorkerProtocol.REPLACE, WorkerProtocol.APPEND -> {
                GuestPath path = WorkerProtocol.readPath(in);
                int length = in.readInt();
                if (length < 0 || length > in.available()) {
                    throw new IllegalStateException("content of " + length + " bytes in a shorter request");
                }
                byte[] content = new byte[length];
                in.readFully(content);
                AccessPolicy policy = WorkerProtocol.readPolicy(in);
                if (type == WorkerProtocol.REPLACE) {
                    fs.replace(path, content, policy);
                } else {
                    fs.append(path, content, policy);
                }
                return new byte[0];
            }
            case WorkerProtocol.CHMOD -> {
                GuestPath path = WorkerProtocol.readPath(in);
                int mode = in.readInt();
                fs.chmod(path, mode, WorkerProtocol.readPolicy(in));
                return new byte[0];
            }
            case WorkerProtocol.CHOWN -> {
                GuestPath path = WorkerProtocol.readPath(in);
                int uid = in.readInt();
                int gid = in.readInt();
                fs.chown(path, uid, gid, WorkerProtocol.readPolicy(in));
                return new byte[0];
            }
            case WorkerProtocol.FREE_BYTES -> {
                long free = fs.freeBytes();
                return WorkerProtocol.payload(out -> out.writeLong(free));
            }
            case WorkerProtocol.FREE_INODES -> {
                OptionalLong free = fs.freeInodes();
                return WorkerProtocol.payload(out -> {
                    out.writeBoolean(free.isPresent());
                    out.writeLong(free.orElse(0));
                });
            }
            default -> throw new IllegalStateException("unknown request " + type);
        }
    }

    private RemoteWindow window(int handle, long size, String description) {
        return new RemoteWindow(channel, handle, size, description, chunkBytes, maxCachedBytes);
    }

    private Ext2Filesystem filesystem(int handle) {
        Ext2Filesystem fs = open.get(handle);
        if (fs == null) {
            throw new IllegalStateException("handle " + handle + " is not open");
        }
        return fs;
    }

    /** The parent's clock as of the request being answered: what the call stamps. */
    private static final class RequestClock implements InstantSource {
        long millis;

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }
    }

    /** A window of no bytes, for {@link #preload()}. */
    private static final class EmptyWindow implements FilesystemWindow {
        @Override
        public long size() {
            return 0;
        }

        @Override
        public void read(long position, ByteBuffer dst) throws IOException {
            throw new IOException("empty");
        }

        @Override
        public void commit(List<WindowChange> changes) throws IOException {
            throw new IOException("empty");
        }

        @Override
        public String describe() {
            return "the empty window";
        }
    }
}
