package io.guestdata.inject.sandbox;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

import io.guestdata.inject.sandbox.WorkerProtocol.Frame;

/**
 * One end of the worker's pipes: writes and reads {@link WorkerProtocol} frames. A frame longer
 * than the reader's bound is refused before anything is allocated for it. Not thread-safe: one
 * request is in flight at a time.
 */
final class FrameChannel {
    private final DataInputStream in;
    private final DataOutputStream out;

    FrameChannel(InputStream in, OutputStream out) {
        this.in = new DataInputStream(new BufferedInputStream(in, 1 << 16));
        this.out = new DataOutputStream(new BufferedOutputStream(out, 1 << 16));
    }

    /** Sends one frame and flushes it. */
    void send(byte type, byte[] payload) throws IOException {
        send(type, payload, 0, payload.length);
    }

    void send(byte type, byte[] payload, int offset, int length) throws IOException {
        out.writeInt(length + 1);
        out.writeByte(type);
        out.write(payload, offset, length);
        out.flush();
    }

    /** Sends a frame whose payload is {@code head} followed by {@code length} bytes of {@code data}. */
    void send(byte type, byte[] head, byte[] data, int offset, int length) throws IOException {
        out.writeInt(head.length + length + 1);
        out.writeByte(type);
        out.write(head);
        out.write(data, offset, length);
        out.flush();
    }

    /**
     * The next frame.
     *
     * @throws EOFException the other end closed its pipe (or died)
     * @throws IOException  the frame is empty or longer than {@code maxLength}
     */
    Frame receive(int maxLength) throws IOException {
        int length = in.readInt();
        if (length < 1 || length > maxLength) {
            throw new FrameTooLongException("a frame of " + Integer.toUnsignedString(length) + " bytes (the limit here is "
                    + maxLength + ")");
        }
        byte type = in.readByte();
        byte[] payload = new byte[length - 1];
        in.readFully(payload);
        return new Frame(type, payload);
    }

    /** A frame that breaks the protocol's bounds: the other end is not trusted any more. */
    static final class FrameTooLongException extends IOException {
        private static final long serialVersionUID = 1L;

        FrameTooLongException(String message) {
            super(message);
        }
    }
}
