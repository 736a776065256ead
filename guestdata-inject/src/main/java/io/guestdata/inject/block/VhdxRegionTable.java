package io.guestdata.inject.block;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * The VHDX region table ([MS-VHDX] §2.2.3 "Region Table"), little-endian, the 64 KiB block at
 * 192 KiB that QEMU reads ({@code vhdx_open_region_tables}; the copy at 256 KiB is not used):
 *
 * <pre>
 *  0  4  signature    "regi"
 *  4  4  checksum     CRC-32C of the 64 KiB block with this field zeroed
 *  8  4  entry count  at most 2047
 * 16  …  entries of 32 bytes: GUID (16), file offset (8), length (4), required (4, bit 0)
 * </pre>
 *
 * The file type identifier ("vhdxfile" at byte 0) is checked first.
 *
 * @param entries the region entries
 */
record VhdxRegionTable(List<Entry> entries) {
    static final long OFFSET = 192 << 10;
    static final int BLOCK = 64 << 10;
    static final int MAX_ENTRIES = 2047;
    static final UUID METADATA_REGION = UUID.fromString("8b7ca206-4790-4b9a-b8fe-575f050f886e");

    /** One region: where it is and whether a reader must understand it. */
    record Entry(UUID guid, long fileOffset, long length, boolean required) {}

    VhdxRegionTable {
        entries = List.copyOf(entries);
    }

    static VhdxRegionTable read(LayerFile f) throws BlockException {
        if (f.read(0, 8, ByteOrder.BIG_ENDIAN).getLong(0) != 0x7668647866696c65L) { // "vhdxfile"
            throw new ImageFormatException(f.path(), "has no VHDX file type identifier (vhdxfile)");
        }
        ByteBuffer b = f.read(OFFSET, BLOCK, ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(0) != 0x69676572) { // "regi"
            throw corrupt(f, "no region table signature (regi) at byte " + OFFSET);
        }
        long stored = Integer.toUnsignedLong(b.getInt(4));
        b.putInt(4, 0);
        CRC32C crc = new CRC32C();
        crc.update(b.duplicate().clear());
        if (crc.getValue() != stored) {
            throw corrupt(f, "the region table's CRC-32C does not match");
        }
        long count = Integer.toUnsignedLong(b.getInt(8));
        if (count > MAX_ENTRIES) {
            throw corrupt(f, "the region table has " + count + " entries (at most " + MAX_ENTRIES + ")");
        }
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int at = 16 + 32 * i;
            entries.add(new Entry(EfiGuid.read(b, at), b.getLong(at + 16), Integer.toUnsignedLong(b.getInt(at + 24)),
                    (b.getInt(at + 28) & 1) != 0));
        }
        return new VhdxRegionTable(entries);
    }

    /** The metadata region, which QEMU requires. */
    Entry metadata(LayerFile f) throws ImageFormatException {
        Optional<Entry> m = entries.stream().filter(e -> e.guid().equals(METADATA_REGION)).findFirst();
        if (m.isEmpty() || m.get().fileOffset() < 0) {
            throw corrupt(f, "the region table has no metadata region");
        }
        return m.get();
    }

    static ImageFormatException corrupt(LayerFile f, String what) {
        return new ImageFormatException(f.path(), "VHDX: " + what + "; the image is corrupt");
    }
}
