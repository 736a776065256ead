package io.guestdata.inject.nbd;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One option reply of the handshake phase, server to client (NBD protocol, doc/proto.md
 * "Option reply types"), big-endian:
 *
 * <pre>
 *  0  8  magic 0x0003e889045565a9
 *  8  4  the option it answers
 * 12  4  reply type ({@link #ACK}, {@link #SERVER}, {@link #INFO}, or an error with bit 31 set)
 * 16  4  length of the data that follows
 * 20  …  data
 * </pre>
 *
 * plus the two data layouts this server sends: {@code NBD_REP_SERVER} (a 4-byte name length and
 * the name) and {@code NBD_REP_INFO} with {@code NBD_INFO_EXPORT} (type 0, 8-byte size, 2-byte
 * transmission flags) or {@code NBD_INFO_BLOCK_SIZE} (type 3, minimum, preferred, maximum, 4 bytes
 * each); and the reply to {@code NBD_OPT_EXPORT_NAME}, which is not an option reply (8-byte size,
 * 2-byte transmission flags, 124 zero bytes unless the client set {@code NBD_FLAG_C_NO_ZEROES}).
 */
public record NbdOptionReply(int option, int type, byte[] data) {
    public static final long MAGIC = 0x0003e889045565a9L;
    public static final int HEADER_SIZE = 20;
    public static final int ACK = 1;
    public static final int SERVER = 2;
    public static final int INFO = 3;
    public static final int ERR_UNSUP = 0x80000001;
    public static final int ERR_POLICY = 0x80000002;
    public static final int ERR_INVALID = 0x80000003;
    public static final int ERR_UNKNOWN = 0x80000006;
    public static final int ERR_TOO_BIG = 0x80000009;

    public static final short INFO_EXPORT = 0;
    public static final short INFO_BLOCK_SIZE = 3;
    public static final int INFO_EXPORT_SIZE = 12;
    public static final int INFO_BLOCK_SIZE_SIZE = 14;
    /** The reply to NBD_OPT_EXPORT_NAME: size, flags, then 124 zero bytes unless NO_ZEROES. */
    public static final int EXPORT_NAME_REPLY_SIZE = 10;
    public static final int EXPORT_NAME_ZEROES = 124;

    public static NbdOptionReply ack(int option) {
        return new NbdOptionReply(option, ACK, new byte[0]);
    }

    public static NbdOptionReply error(int option, int type, String message) {
        return new NbdOptionReply(option, type, message.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code NBD_REP_SERVER}: one export's name. */
    public static NbdOptionReply server(int option, String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        return new NbdOptionReply(option, SERVER, ByteBuffer.allocate(4 + n.length).putInt(n.length).put(n).array());
    }

    /** {@code NBD_REP_INFO} with {@code NBD_INFO_EXPORT}. */
    public static NbdOptionReply infoExport(int option, long size, short transmissionFlags) {
        return new NbdOptionReply(option, INFO, ByteBuffer.allocate(INFO_EXPORT_SIZE).putShort(INFO_EXPORT)
                .putLong(size).putShort(transmissionFlags).array());
    }

    /** {@code NBD_REP_INFO} with {@code NBD_INFO_BLOCK_SIZE}. */
    public static NbdOptionReply infoBlockSize(int option, int minimum, int preferred, int maximum) {
        return new NbdOptionReply(option, INFO, ByteBuffer.allocate(INFO_BLOCK_SIZE_SIZE).putShort(INFO_BLOCK_SIZE)
                .putInt(minimum).putInt(preferred).putInt(maximum).array());
    }

    /** The reply to {@code NBD_OPT_EXPORT_NAME}. */
    public static ByteBuffer exportNameReply(long size, short transmissionFlags, boolean noZeroes) {
        ByteBuffer b = ByteBuffer.allocate(EXPORT_NAME_REPLY_SIZE + (noZeroes ? 0 : EXPORT_NAME_ZEROES));
        b.putLong(size).putShort(transmissionFlags);
        return b.position(b.capacity()).flip();
    }

    public ByteBuffer encode() {
        return ByteBuffer.allocate(HEADER_SIZE + data.length).putLong(MAGIC).putInt(option).putInt(type)
                .putInt(data.length).put(data).flip();
    }
}
