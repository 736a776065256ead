package io.guestdata.inject.block;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.UUID;

/**
 * EFI_GUID as stored on disk (UEFI 2.x Appendix A "GUID and Time Formats"): the first three
 * fields (Data1 u32, Data2 u16, Data3 u16) are little-endian, the last 8 bytes are in order.
 */
final class EfiGuid {
    private EfiGuid() {}

    static UUID read(ByteBuffer buffer, int offset) {
        ByteBuffer le = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long data1 = Integer.toUnsignedLong(le.getInt(offset));
        long data2 = Short.toUnsignedLong(le.getShort(offset + 4));
        long data3 = Short.toUnsignedLong(le.getShort(offset + 6));
        long data4 = buffer.duplicate().order(ByteOrder.BIG_ENDIAN).getLong(offset + 8);
        return new UUID((data1 << 32) | (data2 << 16) | data3, data4);
    }

    static boolean isZero(ByteBuffer buffer, int offset) {
        for (int i = 0; i < 16; i++) {
            if (buffer.get(offset + i) != 0) {
                return false;
            }
        }
        return true;
    }
}
