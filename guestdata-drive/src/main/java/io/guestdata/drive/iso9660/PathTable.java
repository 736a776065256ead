package io.guestdata.drive.iso9660;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * A Path Table (ECMA-119 §9.4) of one hierarchy, in its type L (numbers least significant byte
 * first) or type M (most significant first) form. One record per directory, in the §9.4 order
 * (level, parent number, identifier) — the order of {@link Hierarchy#directories()}, whose
 * positions are the directory numbers (root = 1).
 *
 * <pre>
 * 0  length of directory identifier          §9.4.1
 * 1  extended attribute record length: 0     §9.4.2
 * 2  location of extent (L: LSB, M: MSB)     §9.4.3
 * 6  parent directory number (16 bits)       §9.4.4
 * 8  directory identifier; a padding byte if its length is odd   §9.4.5, §9.4.6
 * </pre>
 */
final class PathTable {
    private PathTable() {
    }

    static int recordLength(int identifierLength) {
        return 8 + identifierLength + (identifierLength & 1);
    }

    /** Path table size in bytes (§8.4.15). */
    static long size(List<IsoDirectory> directories) {
        long n = 0;
        for (IsoDirectory d : directories) {
            n += recordLength(d.identifierBytes().length);
        }
        return n;
    }

    static void writeRecord(ByteBuffer b, IsoDirectory d, boolean typeM) {
        byte[] id = d.identifierBytes();
        b.put((byte) id.length).put((byte) 0);
        if (typeM) {
            BothByteOrder.putMsb32(b, d.block);
            BothByteOrder.putMsb16(b, d.parent.number);
        } else {
            BothByteOrder.putLsb32(b, d.block);
            BothByteOrder.putLsb16(b, d.parent.number);
        }
        b.put(id);
        if ((id.length & 1) == 1) {
            b.put((byte) 0);
        }
    }
}
