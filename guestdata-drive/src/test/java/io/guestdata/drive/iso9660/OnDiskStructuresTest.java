package io.guestdata.drive.iso9660;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Byte layouts of the on-disk structures, against the standards' tables. */
class OnDiskStructuresTest {
    static final IsoDateTime T = IsoDateTime.of(Instant.parse("2025-03-04T05:06:07.89Z"));

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    @Test
    void bothByteOrders() {
        ByteBuffer b = ByteBuffer.allocate(12);
        BothByteOrder.putInt32(b, 0x12345678L);
        BothByteOrder.putInt16(b, 0x0800);
        assertEquals("7856341212345678" + "00080800", hex(b.array()));
        ByteBuffer big = ByteBuffer.allocate(8);
        BothByteOrder.putInt32(big, 0xFFFF_FFFFL);
        assertEquals("ffffffffffffffff", hex(big.array()));
    }

    @Test
    void dateForms() {
        ByteBuffer b = ByteBuffer.allocate(17 + 7);
        T.putVolumeDescriptorForm(b);
        T.putDirectoryRecordForm(b);
        byte[] a = b.array();
        assertEquals("2025030405060789", new String(a, 0, 16, StandardCharsets.US_ASCII));
        assertEquals(0, a[16]);
        assertEquals("7d03040506070" + "0", hex(java.util.Arrays.copyOfRange(a, 17, 24)));
        assertThrows(IllegalArgumentException.class, () -> IsoDateTime.of(Instant.parse("2156-01-01T00:00:00Z")));
    }

    @Test
    void directoryRecordLayout() {
        DirectoryRecord r = new DirectoryRecord(0x1234, 5, T, false, "AB.;1".getBytes(StandardCharsets.US_ASCII),
                new byte[] {1, 2, 3});
        assertEquals(33 + 5 + 3 + 1, r.length(), "odd id: no pad byte; odd total: trailing zero");
        ByteBuffer b = ByteBuffer.allocate(r.length());
        r.writeTo(b);
        byte[] a = b.array();
        assertEquals(42, a[0]);
        assertEquals("3412000000001234", hex(java.util.Arrays.copyOfRange(a, 2, 10)));
        assertEquals("0500000000000005", hex(java.util.Arrays.copyOfRange(a, 10, 18)));
        assertEquals(0, a[25], "file flags");
        assertEquals("01000001", hex(java.util.Arrays.copyOfRange(a, 28, 32)), "volume sequence number 1");
        assertEquals(5, a[32]);
        assertEquals("AB.;1", new String(a, 33, 5, StandardCharsets.US_ASCII));
        assertArrayEquals(new byte[] {1, 2, 3, 0}, java.util.Arrays.copyOfRange(a, 38, 42));

        DirectoryRecord even = new DirectoryRecord(1, 2048, T, true, new byte[] {'A', 'B'}, new byte[0]);
        assertEquals(36, even.length(), "even id: pad byte after it");
        assertEquals(34, new DirectoryRecord(1, 2048, T, true, DirectoryRecord.SELF, new byte[0]).length());
        assertEquals(254 - 34, DirectoryRecord.systemUseAvailable(1));
        assertTrue(DirectoryRecord.fitsInSector(2048 - 34, 34));
        assertTrue(!DirectoryRecord.fitsInSector(2048 - 33, 34));
    }

    @Test
    void suspAndRockRidgeEntries() {
        assertEquals("53500701beef00", hex(bytes(SuspEntry.sharingProtocolIndicator())));
        assertEquals("43451c01" + "0700000000000007" + "0a0000000000000a" + "ed000000000000ed",
                hex(bytes(SuspEntry.continuationArea(7, 10, 237))));
        byte[] er = bytes(RockRidgeEntries.extensionsReference());
        assertEquals(237, er.length, "as genisoimage's ER");
        assertEquals("RRIP_1991A", new String(er, 8, 10, StandardCharsets.US_ASCII));
        byte[] px = bytes(RockRidgeEntries.posixAttributes(RockRidgeEntries.FILE_MODE, 1));
        assertEquals(36, px.length);
        assertEquals("50582401" + "2481000000008124" + "0100000000000001", hex(java.util.Arrays.copyOfRange(px, 0, 20)));
        byte[] tf = bytes(RockRidgeEntries.timestamps(T));
        assertEquals(26, tf.length);
        assertEquals(0x0e, tf[4]);
        assertEquals("434c0c01" + "0900000000000009", hex(bytes(RockRidgeEntries.childLink(9))));
        assertEquals("504c0c01" + "0900000000000009", hex(bytes(RockRidgeEntries.parentLink(9))));
        assertEquals("52450401", hex(bytes(RockRidgeEntries.relocatedDirectory())));
    }

    @Test
    void longNamesAreSplitOverNmEntriesOnCharacterBoundaries() {
        byte[] name = ("é".repeat(127) + "x").getBytes(StandardCharsets.UTF_8); // 255 bytes
        List<SuspEntry> nm = RockRidgeEntries.alternateName(name);
        assertEquals(2, nm.size());
        assertEquals(1, nm.get(0).data()[0], "CONTINUE");
        assertEquals(0, nm.get(1).data()[0]);
        assertEquals(1 + 250, nm.get(0).data().length);
        ByteBuffer joined = ByteBuffer.allocate(name.length);
        nm.forEach(e -> joined.put(e.data(), 1, e.data().length - 1));
        assertArrayEquals(name, joined.array());
        assertEquals("é".repeat(125), new String(nm.get(0).data(), 1, 250, StandardCharsets.UTF_8));
        List<SuspEntry> odd = RockRidgeEntries.alternateName(("a" + "😀".repeat(63)).getBytes(StandardCharsets.UTF_8));
        assertEquals(1 + 249, odd.get(0).data().length, "cut before a 4-byte sequence");
        assertEquals(1, RockRidgeEntries.alternateName("short".getBytes()).size());
    }

    @Test
    void systemUseFieldOverflowsIntoOneContinuationArea() {
        List<SuspEntry> entries = new ArrayList<>();
        entries.add(RockRidgeEntries.posixAttributes(RockRidgeEntries.FILE_MODE, 1));
        entries.add(RockRidgeEntries.timestamps(T));
        entries.addAll(RockRidgeEntries.alternateName("n".repeat(255).getBytes()));
        int available = DirectoryRecord.systemUseAvailable(33);
        SystemUseField f = SystemUseField.fit(entries, available);
        assertEquals(2, f.inline().size(), "PX and TF stay in the record");
        assertEquals(36 + 26 + 28, f.fieldLength());
        assertEquals(255 + 5 + 5, f.continuationLength());
        byte[] field = f.fieldBytes(SuspEntry.continuationArea(1, 0, f.continuationLength()));
        assertEquals("CE", new String(field, 62, 2, StandardCharsets.US_ASCII));
        SystemUseField small = SystemUseField.fit(entries.subList(0, 2), available);
        assertEquals(0, small.continuationLength());
        assertEquals(62, small.fieldLength());
    }

    @Test
    void pathTableRecords() {
        IsoDirectory root = new IsoDirectory(null, null, null, 1, false);
        root.number = 1;
        root.block = 0x20;
        IsoDirectory sub = new IsoDirectory(null, root, root, 2, false);
        sub.identifier = "ABC".getBytes(StandardCharsets.US_ASCII);
        sub.block = 0x21;
        ByteBuffer l = ByteBuffer.allocate(PathTable.recordLength(3));
        PathTable.writeRecord(l, sub, false);
        assertEquals("0300" + "21000000" + "0100" + "41424300", hex(l.array()));
        ByteBuffer m = ByteBuffer.allocate(PathTable.recordLength(3));
        PathTable.writeRecord(m, sub, true);
        assertEquals("0300" + "00000021" + "0001" + "41424300", hex(m.array()));
        assertEquals(10, PathTable.recordLength(1));
        assertEquals(12, PathTable.size(List.of(sub)));
    }

    @Test
    void volumeDescriptorsCarryTheIdentifiers() {
        DirectoryRecord root = new DirectoryRecord(20, 2048, T, true, DirectoryRecord.SELF, new byte[0]);
        VolumeDescriptor.Fields f = new VolumeDescriptor.Fields("config-2", "guestdata 0.1.0", "APP", T, 100, 10, 19, 20, root);
        byte[] pvd = PrimaryVolumeDescriptor.bytes(f);
        assertEquals(2048, pvd.length);
        assertEquals("\u0001CD001\u0001", new String(pvd, 0, 7, StandardCharsets.ISO_8859_1));
        assertEquals("config-2" + " ".repeat(24), new String(pvd, 40, 32, StandardCharsets.US_ASCII));
        assertEquals("6400000000000064", hex(java.util.Arrays.copyOfRange(pvd, 80, 88)));
        assertEquals("guestdata 0.1.0", new String(pvd, 318, 128, StandardCharsets.US_ASCII).trim());
        assertEquals(34, pvd[156]);
        byte[] svd = SupplementaryVolumeDescriptor.bytes(f);
        assertEquals(2, svd[0]);
        assertEquals("252f45", hex(java.util.Arrays.copyOfRange(svd, 88, 91)));
        assertEquals("config-2" + " ".repeat(8), new String(svd, 40, 32, StandardCharsets.UTF_16BE));
        assertEquals("guestdata 0.1.0", new String(svd, 318, 128, StandardCharsets.UTF_16BE).trim());
        byte[] term = VolumeDescriptorSetTerminator.bytes();
        assertEquals("ff434430303101", hex(java.util.Arrays.copyOfRange(term, 0, 7)));
    }

    private static byte[] bytes(SuspEntry e) {
        ByteBuffer b = ByteBuffer.allocate(e.length());
        e.writeTo(b);
        return b.array();
    }
}
