package io.guestdata.inject.nbd;

import java.nio.ByteBuffer;

/**
 * A transmission-phase simple reply, server to client (NBD protocol, doc/proto.md "Simple reply
 * message"; {@code struct nbd_reply} of linux/nbd.h), big-endian, 16 bytes, followed by the data
 * of a successful {@code NBD_CMD_READ}:
 *
 * <pre>
 *  0  4  magic 0x67446698 (NBD_SIMPLE_REPLY_MAGIC)
 *  4  4  error: 0, or one of the errno values below
 *  8  8  the request's cookie
 * </pre>
 *
 * The error values are the spec's, "Error values", whatever the host's errno numbers are.
 */
public record NbdSimpleReply(int error, long cookie) {
    public static final int MAGIC = 0x67446698;
    public static final int SIZE = 16;
    public static final int OFFSET_ERROR = 4;
    public static final int OFFSET_COOKIE = 8;

    public static final int EPERM = 1;
    public static final int EIO = 5;
    public static final int ENOMEM = 12;
    public static final int EINVAL = 22;
    public static final int ENOSPC = 28;
    public static final int ENOTSUP = 95;

    public ByteBuffer encode() {
        return ByteBuffer.allocate(SIZE).putInt(MAGIC).putInt(error).putLong(cookie).flip();
    }
}
