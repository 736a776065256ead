package io.guestdata.inject.block;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One qcow2 header extension (QEMU {@code docs/interop/qcow2.txt}, "Header extensions"): after
 * the header, up to the backing file name (or the end of the first cluster), big-endian:
 *
 * <pre>
 *  0  4  type     0 end of the list; 0xe2792aca backing file format name; 0x6803f857 feature
 *                 name table; 0x23852875 bitmaps; 0x0537be77 full disk encryption header
 *                 pointer; 0x44415441 external data file name; anything else: unknown, skipped
 *  4  4  length   of the data, which is padded with zeros to a multiple of 8 bytes
 *  8  …  data
 * </pre>
 *
 * @param type the extension type
 * @param offset where its data starts in the file
 * @param length the data length
 * @param data the data, for the types guestdata reads (backing format, data file, encryption);
 *     empty for the others
 */
record Qcow2HeaderExtension(long type, long offset, long length, byte[] data) {
    static final long END = 0;
    static final long BACKING_FORMAT = 0xe2792acaL;
    static final long FEATURE_NAME_TABLE = 0x6803f857L;
    static final long BITMAPS = 0x23852875L;
    static final long FULL_DISK_ENCRYPTION = 0x0537be77L;
    static final long EXTERNAL_DATA_FILE = 0x44415441L;

    /** Whether guestdata keeps this type's data. */
    static boolean read(long type) {
        return type == BACKING_FORMAT || type == EXTERNAL_DATA_FILE || type == FULL_DISK_ENCRYPTION;
    }

    /** The data as text, up to the first NUL (QEMU reads these names as C strings). */
    String text() {
        int end = 0;
        while (end < data.length && data[end] != 0) {
            end++;
        }
        return new String(data, 0, end, StandardCharsets.UTF_8);
    }

    static byte[] copy(ByteBuffer region, int at, int length) {
        byte[] out = new byte[length];
        region.get(at, out);
        return out;
    }
}
