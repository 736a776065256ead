package io.guestdata.drive.vfat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class LongNameEntryTest {
    private static final byte[] SHORT = "OPENST~1   ".getBytes(StandardCharsets.US_ASCII);

    @Test
    void checksumMatchesTheSpecAlgorithm() {
        // Computed independently: sum = ((sum & 1) ? 0x80 : 0) + (sum >> 1) + byte, over the 11 bytes.
        int sum = 0;
        for (byte b : SHORT) {
            sum = ((sum & 1) != 0 ? 0x80 : 0) + (sum >> 1) + (b & 0xFF) & 0xFF;
        }
        assertEquals(sum, LongNameEntry.checksum(SHORT));
        // mkfs.fat + mcopy wrote 0x02 for "OPENST~1   " (seen with xxd).
        assertEquals(0x02, LongNameEntry.checksum(SHORT));
    }

    @Test
    void nameIsSplitInThirteensStoredLastFirstTerminatedAndPadded() {
        List<LongNameEntry> entries = LongNameEntry.forName("openstack-metadata", SHORT);
        assertEquals(2, entries.size());
        assertEquals(0x42, entries.get(0).ordinal());
        assertEquals(0x01, entries.get(1).ordinal());
        assertEquals("openstack-met", new String(entries.get(1).units()));
        char[] tail = entries.get(0).units();
        assertEquals("adata", new String(tail, 0, 5));
        assertEquals(0x0000, tail[5]);
        for (int i = 6; i < 13; i++) {
            assertEquals(0xFFFF, tail[i]);
        }
    }

    @Test
    void aNameOfExactlyThirteenUnitsHasNoTerminator() {
        List<LongNameEntry> entries = LongNameEntry.forName("abcdefghijklm", SHORT);
        assertEquals(1, entries.size());
        assertEquals(0x41, entries.getFirst().ordinal());
        assertEquals("abcdefghijklm", new String(entries.getFirst().units()));
    }

    @Test
    void maximumNameTakesTwentyEntries() {
        assertEquals(20, LongNameEntry.forName("x".repeat(255), SHORT).size());
    }

    @Test
    void encodesFieldsAtTheirOffsets() {
        LongNameEntry e = LongNameEntry.forName("ab😀", SHORT).getFirst();
        ByteBuffer b = ByteBuffer.allocate(32);
        e.encode(b);
        assertEquals(32, b.position());
        ByteBuffer r = b.flip().order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0x41, r.get(0));
        assertEquals('a', r.getChar(1));
        assertEquals('b', r.getChar(3));
        assertEquals(0xD83D, r.getChar(5));
        assertEquals(0xDE00, r.getChar(7));
        assertEquals(0x0000, r.getChar(9));
        assertEquals(0x0F, r.get(11));
        assertEquals(0, r.get(12));
        assertEquals(LongNameEntry.checksum(SHORT), r.get(13) & 0xFF);
        assertEquals(0xFFFF, r.getChar(14));
        assertEquals(0, r.getShort(26));
        assertEquals(0xFFFF, r.getChar(30));
        byte[] raw = new byte[2];
        r.get(26, raw);
        assertArrayEquals(new byte[2], raw);
    }
}
