package io.guestdata.inject.sandbox;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;

/**
 * A worker taken over by a crafted image, for {@code HostileWorkerTest}: it speaks the protocol
 * (it says READY) and then does the one thing its argument names, which a real worker never does.
 * It runs in the real sandbox with only the test classes on its class path, so it uses nothing but
 * the JDK (the protocol's constants are compile-time constants).
 *
 * <pre>HostileWorker fetch-outside | fetch-unknown-window | commit-outside | commit-overlapping |
 *                commit-read-only | commit-without-close | huge-frame | oversized-read | unknown-error</pre>
 */
public final class HostileWorker {
    private static DataOutputStream out;

    private HostileWorker() {
    }

    public static void main(String[] args) throws IOException {
        String mode = args[0];
        DataInputStream in = new DataInputStream(new BufferedInputStream(new FileInputStream(FileDescriptor.in)));
        out = new DataOutputStream(new FileOutputStream(FileDescriptor.out));
        send(WorkerProtocol.READY, w -> {
            w.writeInt(WorkerProtocol.MAGIC);
            w.writeInt(WorkerProtocol.VERSION);
        });
        long size = 0;
        while (true) {
            int length = in.readInt();
            byte type = in.readByte();
            byte[] payload = new byte[length - 1];
            in.readFully(payload);
            DataInputStream p = new DataInputStream(new java.io.ByteArrayInputStream(payload));
            int handle = p.readInt();
            p.readLong(); // the parent's clock
            if (type == WorkerProtocol.OPEN) {
                size = p.readLong();
            }
            long windowSize = size;
            switch (mode) {
                case "fetch-outside" -> fetch(handle, windowSize - 512, 4096);
                case "fetch-unknown-window" -> fetch(handle + 1000, 0, 4096);
                case "fetch-many-outside" -> send(WorkerProtocol.FETCH_MANY, w -> {
                    w.writeInt(handle);
                    w.writeInt(2);
                    w.writeLong(0);
                    w.writeInt(4096);
                    w.writeLong(windowSize);
                    w.writeInt(4096);
                });
                case "fetch-many-too-much" -> send(WorkerProtocol.FETCH_MANY, w -> {
                    w.writeInt(handle);
                    w.writeInt(2);
                    w.writeLong(0);
                    w.writeInt(1 << 20);
                    w.writeLong(1 << 20);
                    w.writeInt(4096);
                });
                case "huge-frame" -> {
                    out.writeInt(0x7fffffff);
                    out.flush();
                }
                case "unknown-error" -> send(WorkerProtocol.ERROR, w -> w.writeUTF("TAKE_OVER"));
                case "commit-without-close" -> {
                    commitPart(handle, 0, new byte[4096]);
                    ok();
                }
                default -> {
                    if (type == WorkerProtocol.READ && mode.equals("oversized-read")) {
                        send(WorkerProtocol.RESULT, w -> w.write(new byte[1 << 20]));
                    } else if (type == WorkerProtocol.CLOSE && mode.startsWith("commit-")) {
                        switch (mode) {
                            case "commit-outside" -> commitPart(handle, windowSize - 100, new byte[4096]);
                            case "commit-overlapping" -> {
                                commitPart(handle, 8192, new byte[4096]);
                                commitPart(handle, 4096, new byte[8192]);
                            }
                            case "commit-read-only" -> commitPart(handle, 0, new byte[1024]);
                            default -> throw new IllegalArgumentException(mode);
                        }
                        send(WorkerProtocol.COMMIT_END, w -> {
                            w.writeInt(handle);
                            w.writeInt(1);
                            w.writeLong(4096);
                        });
                        in.readInt(); // whatever the parent says, if it still speaks
                        ok();
                    } else if (type == WorkerProtocol.EXISTS) {
                        send(WorkerProtocol.RESULT, w -> w.writeBoolean(true));
                    } else {
                        ok();
                    }
                }
            }
        }
    }

    private interface Body {
        void write(DataOutputStream w) throws IOException;
    }

    private static void send(byte type, Body body) throws IOException {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        body.write(new DataOutputStream(b));
        out.writeInt(b.size() + 1);
        out.writeByte(type);
        b.writeTo(out);
        out.flush();
    }

    private static void ok() throws IOException {
        send(WorkerProtocol.RESULT, w -> { });
    }

    private static void fetch(int handle, long position, int length) throws IOException {
        send(WorkerProtocol.FETCH, w -> {
            w.writeInt(handle);
            w.writeLong(position);
            w.writeInt(length);
        });
    }

    private static void commitPart(int handle, long position, byte[] bytes) throws IOException {
        send(WorkerProtocol.COMMIT_PART, w -> {
            w.writeInt(handle);
            w.writeLong(position);
            w.write(bytes);
        });
    }
}
