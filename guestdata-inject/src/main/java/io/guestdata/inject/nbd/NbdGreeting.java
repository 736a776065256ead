package io.guestdata.inject.nbd;

import java.nio.ByteBuffer;

/**
 * The server's first message of the fixed newstyle handshake and the client's answer (NBD protocol,
 * doc/proto.md "Handshake" → "Newstyle negotiation"), big-endian:
 *
 * <pre>
 * server:  0  8  "NBDMAGIC" (0x4e42444d41474943)
 *          8  8  "IHAVEOPT" (0x49484156454f5054)
 *         16  2  handshake flags: NBD_FLAG_FIXED_NEWSTYLE (1 &lt;&lt; 0) | NBD_FLAG_NO_ZEROES (1 &lt;&lt; 1)
 * client:  0  4  client flags: NBD_FLAG_C_FIXED_NEWSTYLE (1 &lt;&lt; 0), NBD_FLAG_C_NO_ZEROES (1 &lt;&lt; 1)
 * </pre>
 *
 * A client flag the server does not know means the client expects something it cannot give:
 * the spec says the server then closes the connection.
 */
public final class NbdGreeting {
    public static final long NBDMAGIC = 0x4e42444d41474943L;
    public static final long IHAVEOPT = 0x49484156454f5054L;
    public static final int FLAG_FIXED_NEWSTYLE = 1;
    public static final int FLAG_NO_ZEROES = 1 << 1;
    public static final int SIZE = 18;
    public static final int CLIENT_FLAGS_SIZE = 4;

    private NbdGreeting() {
    }

    /** The 18 bytes the server sends first. */
    public static ByteBuffer server() {
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        b.putLong(NBDMAGIC).putLong(IHAVEOPT).putShort((short) (FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES));
        return b.flip();
    }

    /**
     * The client's flags.
     *
     * @throws NbdProtocolException the client does not speak fixed newstyle or sets a flag we do not know
     */
    public static int clientFlags(ByteBuffer b) throws NbdProtocolException {
        int flags = b.getInt(0);
        if ((flags & FLAG_FIXED_NEWSTYLE) == 0) {
            throw new NbdProtocolException("the client does not support fixed newstyle negotiation (client flags 0x"
                    + Integer.toHexString(flags) + ")");
        }
        if ((flags & ~(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES)) != 0) {
            throw new NbdProtocolException("unknown client flags 0x" + Integer.toHexString(flags));
        }
        return flags;
    }
}
