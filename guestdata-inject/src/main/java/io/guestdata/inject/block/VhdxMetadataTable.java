package io.guestdata.inject.block;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The VHDX metadata table ([MS-VHDX] §2.6.1 "Metadata Table"), little-endian, at the start of the
 * metadata region, at most 64 KiB (QEMU's {@code VHDX_METADATA_TABLE_MAX_SIZE}):
 *
 * <pre>
 *  0  8  signature    "metadata"
 * 10  2  entry count  at most 2047
 * 32  …  entries of 32 bytes: item id GUID (16), offset from the region start (4), length (4),
 *        flags (4: bit 0 user, 1 virtual disk, 2 required)
 * </pre>
 *
 * The items that matter here ([MS-VHDX] §2.6.2): File Parameters (block size u32, then flags
 * u32 whose bit 1 is HasParent: a differencing disk) and Parent Locator (where a differencing
 * disk's parent path is stored). QEMU refuses differencing disks; they are refused here first,
 * with a message that says why.
 */
record VhdxMetadataTable(List<Entry> entries) {
    static final int MAX_SIZE = 64 << 10;
    static final int MAX_ENTRIES = 2047;
    static final UUID FILE_PARAMETERS = UUID.fromString("caa16737-fa36-4d43-b3b6-33f0aa44e76b");
    static final UUID PARENT_LOCATOR = UUID.fromString("a8d35f2d-b30b-454d-abf7-d3d84834ab0c");
    static final long HAS_PARENT = 1 << 1;

    /** One metadata item. */
    record Entry(UUID itemId, long offset, long length, long flags) {}

    VhdxMetadataTable {
        entries = List.copyOf(entries);
    }

    static VhdxMetadataTable read(LayerFile f, VhdxRegionTable.Entry region) throws BlockException {
        ByteBuffer b = f.read(region.fileOffset(), MAX_SIZE, ByteOrder.LITTLE_ENDIAN);
        if (b.getLong(0) != 0x617461646174656dL) { // "metadata" read little-endian
            throw VhdxRegionTable.corrupt(f, "no metadata table signature (metadata) at byte " + region.fileOffset());
        }
        int count = Short.toUnsignedInt(b.getShort(10));
        if (count > MAX_ENTRIES) {
            throw VhdxRegionTable.corrupt(f, "the metadata table has " + count + " entries (at most " + MAX_ENTRIES
                    + ")");
        }
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int at = 32 + 32 * i;
            entries.add(new Entry(EfiGuid.read(b, at), Integer.toUnsignedLong(b.getInt(at + 16)),
                    Integer.toUnsignedLong(b.getInt(at + 20)), Integer.toUnsignedLong(b.getInt(at + 24))));
        }
        return new VhdxMetadataTable(entries);
    }

    /** Refuses a differencing disk: HasParent in the file parameters, or a parent locator item. */
    LayerHeader check(LayerFile f, VhdxRegionTable.Entry region) throws BlockException {
        if (item(PARENT_LOCATOR).isPresent()) {
            throw differencing(f, "a parent locator metadata item");
        }
        Entry params = item(FILE_PARAMETERS).orElseThrow(
                () -> VhdxRegionTable.corrupt(f, "the metadata table has no file parameters item"));
        if (params.length() < 8 || params.offset() > region.length() - 8) {
            throw VhdxRegionTable.corrupt(f, "the file parameters item (offset " + params.offset() + ", length "
                    + params.length() + ") lies outside the metadata region");
        }
        long flags = Integer.toUnsignedLong(f.read(region.fileOffset() + params.offset() + 4, 4,
                ByteOrder.LITTLE_ENDIAN).getInt(0));
        if ((flags & HAS_PARENT) != 0) {
            throw differencing(f, "the HasParent file parameter");
        }
        return LayerHeader.standalone(ImageFormat.VHDX);
    }

    private Optional<Entry> item(UUID id) {
        return entries.stream().filter(e -> e.itemId().equals(id)).findFirst();
    }

    private static ImageFormatException differencing(LayerFile f, String what) {
        return new ImageFormatException(f.path(), "is a differencing VHDX (" + what + "): its data lives partly in a"
                + " parent image, which is never followed: flatten it with qemu-img convert");
    }
}
