package io.guestdata.inject.nbd;

import java.nio.ByteBuffer;

/**
 * One option request of the handshake phase, client to server (NBD protocol, doc/proto.md
 * "Option haggling" and "Option types"), big-endian:
 *
 * <pre>
 *  0  8  "IHAVEOPT" (0x49484156454f5054)
 *  8  4  option
 * 12  4  length of the data that follows
 * 16  …  data
 * </pre>
 *
 * @param option the option number ({@link #EXPORT_NAME}, {@link #GO}, …)
 * @param length how many bytes of data follow the header
 */
public record NbdOption(int option, long length) {
    public static final int HEADER_SIZE = 16;
    public static final int EXPORT_NAME = 1;
    public static final int ABORT = 2;
    public static final int LIST = 3;
    public static final int STARTTLS = 5;
    public static final int INFO = 6;
    public static final int GO = 7;
    public static final int STRUCTURED_REPLY = 8;

    /** The most option data we read: an export name is at most 4096 bytes (proto.md "Export name"), plus the info requests. */
    public static final int MAX_DATA = 4096 + 4 + 2 + 2 * 64;

    /**
     * Decodes a header.
     *
     * @throws NbdProtocolException the magic is wrong
     */
    public static NbdOption read(ByteBuffer b) throws NbdProtocolException {
        long magic = b.getLong(0);
        if (magic != NbdGreeting.IHAVEOPT) {
            throw new NbdProtocolException("option header magic 0x" + Long.toHexString(magic) + " is not IHAVEOPT");
        }
        return new NbdOption(b.getInt(8), Integer.toUnsignedLong(b.getInt(12)));
    }

    /** Encodes a header (for tests and clients). */
    public ByteBuffer header() {
        return ByteBuffer.allocate(HEADER_SIZE).putLong(NbdGreeting.IHAVEOPT).putInt(option).putInt((int) length).flip();
    }
}
