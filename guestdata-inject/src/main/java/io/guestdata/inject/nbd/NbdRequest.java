package io.guestdata.inject.nbd;

import java.nio.ByteBuffer;

/**
 * A transmission-phase request, client to server (NBD protocol, doc/proto.md "Transmission" →
 * "Request message"; {@code struct nbd_request} of linux/nbd.h), big-endian, 28 bytes, followed by
 * {@code length} bytes of data for {@link #WRITE} only:
 *
 * <pre>
 *  0  4  magic 0x25609513 (NBD_REQUEST_MAGIC)
 *  4  2  command flags (NBD_CMD_FLAG_FUA 1 &lt;&lt; 0, NBD_CMD_FLAG_NO_HOLE 1 &lt;&lt; 1, …)
 *  6  2  type (NBD_CMD_READ 0, WRITE 1, DISC 2, FLUSH 3, TRIM 4, WRITE_ZEROES 6, …)
 *  8  8  cookie, echoed in the reply
 * 16  8  offset
 * 24  4  length
 * </pre>
 */
public record NbdRequest(int flags, int type, long cookie, long offset, long length) {
    public static final int MAGIC = 0x25609513;
    public static final int SIZE = 28;
    public static final int OFFSET_FLAGS = 4;
    public static final int OFFSET_TYPE = 6;
    public static final int OFFSET_COOKIE = 8;
    public static final int OFFSET_OFFSET = 16;
    public static final int OFFSET_LENGTH = 24;

    public static final int READ = 0;
    public static final int WRITE = 1;
    public static final int DISC = 2;
    public static final int FLUSH = 3;
    public static final int TRIM = 4;
    public static final int WRITE_ZEROES = 6;

    public static final int FLAG_FUA = 1;
    public static final int FLAG_NO_HOLE = 1 << 1;

    /**
     * Decodes one request header.
     *
     * @throws NbdProtocolException the magic is wrong (the stream is out of step; the connection is closed)
     */
    public static NbdRequest read(ByteBuffer b) throws NbdProtocolException {
        int magic = b.getInt(0);
        if (magic != MAGIC) {
            throw new NbdProtocolException("request magic 0x" + Integer.toHexString(magic) + " is not 0x25609513");
        }
        return new NbdRequest(Short.toUnsignedInt(b.getShort(OFFSET_FLAGS)), Short.toUnsignedInt(b.getShort(OFFSET_TYPE)),
                b.getLong(OFFSET_COOKIE), b.getLong(OFFSET_OFFSET), Integer.toUnsignedLong(b.getInt(OFFSET_LENGTH)));
    }

    /** Encodes the header (for tests). */
    public ByteBuffer encode() {
        return ByteBuffer.allocate(SIZE).putInt(MAGIC).putShort((short) flags).putShort((short) type).putLong(cookie)
                .putLong(offset).putInt((int) length).flip();
    }

    /** Whether {@code [offset, offset + length)} lies inside an export of {@code size} bytes. */
    public boolean inside(long size) {
        return offset >= 0 && offset <= size && length <= size - offset;
    }
}
