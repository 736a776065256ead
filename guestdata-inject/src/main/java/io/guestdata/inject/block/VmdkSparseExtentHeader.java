package io.guestdata.inject.block;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The hosted sparse extent header of a VMDK (VMware "Virtual Disk Format 1.1", "Hosted Sparse
 * Extent Header"; QEMU {@code block/vmdk.c}, {@code VMDK4Header}), little-endian after the
 * magic:
 *
 * <pre>
 *  0  4  magicNumber          "KDMV"
 *  4  4  version              1 .. 3
 *  8  4  flags
 * 12  8  capacity             in sectors; 0 with a descriptor: the descriptor names the extents
 * 20  8  grainSize            in sectors
 * 28  8  descriptorOffset     in sectors: 1 for an embedded descriptor
 * 36  8  descriptorSize       in sectors
 * 44  4  numGTEsPerGT         at most 512
 * 48  8  rgdOffset
 * 56  8  gdOffset             0xffffffffffffffff: the header is repeated in a footer at the end
 * 64  8  overHead
 * 72  1  uncleanShutdown
 * 73  4  "\n \r\n"            line-end detection bytes
 * 77  2  compressAlgorithm    1: deflate (streamOptimized)
 * </pre>
 *
 * What QEMU does with it ({@code vmdk_open_vmdk4}): a capacity of 0 with a descriptor offset
 * makes it read that descriptor as a descriptor <em>file</em>, whose extent lines name other
 * files: refused. A {@code gdOffset} of all ones makes it read the footer at 1536 bytes before the
 * end (footer marker, footer header, end-of-stream marker) and use that header instead: the
 * footer is checked like the header. Then it reads {@value VmdkDescriptor#QEMU_DESC_SIZE} bytes at
 * byte 512 as the descriptor, whatever {@code descriptorOffset} says, for the CIDs and the parent
 * ({@link VmdkDescriptor}).
 */
record VmdkSparseExtentHeader(long version, long flags, long capacity, long grainSize, long descriptorOffset,
        long descriptorSize, long gdOffset, boolean footer) {
    static final int MAGIC = 0x4b444d56; // "KDMV" read big-endian
    static final int COWD_MAGIC = 0x434f5744; // "COWD"
    static final long GD_AT_END = -1L;
    static final int MARKER_FOOTER = 3;
    static final int MARKER_END_OF_STREAM = 0;
    /** The embedded descriptor's sector: QEMU reads the descriptor at byte 512 ({@code desc_offset = 0x200}). */
    static final long EMBEDDED_DESCRIPTOR_SECTOR = 1;

    static VmdkSparseExtentHeader read(LayerFile f) throws BlockException {
        ByteBuffer h = f.read(0, 512, ByteOrder.LITTLE_ENDIAN);
        int magic = h.order(ByteOrder.BIG_ENDIAN).getInt(0);
        h.order(ByteOrder.LITTLE_ENDIAN);
        if (magic == COWD_MAGIC) {
            throw new ImageFormatException(f.path(), "is an ESX sparse (COWD) VMDK; only monolithicSparse and"
                    + " streamOptimized VMDKs are injected: convert it with qemu-img convert");
        }
        if (magic != MAGIC) {
            String head = new String(h.array(), 0, 21, StandardCharsets.ISO_8859_1);
            throw new ImageFormatException(f.path(), head.equals("# Disk DescriptorFile")
                    ? "is a VMDK descriptor file: its disk data lives in the files its extent lines name, which"
                            + " guestdata never opens; only single-file VMDKs (monolithicSparse, streamOptimized) are"
                            + " injected: convert it with qemu-img convert"
                    : "has no VMDK sparse extent header (magic KDMV)");
        }
        VmdkSparseExtentHeader header = parse(h, false);
        if (header.capacity == 0 && header.descriptorOffset != 0) {
            throw new ImageFormatException(f.path(), "is a VMDK whose sparse header has capacity 0 and a descriptor:"
                    + " QEMU would read that descriptor as a descriptor file and open the files its extent lines"
                    + " name; only single-file VMDKs are injected: convert it with qemu-img convert");
        }
        if (header.gdOffset == GD_AT_END) {
            header = footer(f);
        }
        if (header.version < 1 || header.version > 3) {
            throw new ImageFormatException(f.path(), "VMDK version " + header.version + " is not supported (1..3)");
        }
        if (header.descriptorOffset != EMBEDDED_DESCRIPTOR_SECTOR || header.descriptorSize == 0) {
            throw new ImageFormatException(f.path(), "has no embedded VMDK descriptor at sector 1 (descriptorOffset "
                    + header.descriptorOffset + ", descriptorSize " + header.descriptorSize + "): it is an extent of a"
                    + " multi-file VMDK or damaged; only single-file VMDKs are injected");
        }
        return header;
    }

    /** The footer QEMU uses instead of the header: the same checks as QEMU's, then its header. */
    private static VmdkSparseExtentHeader footer(LayerFile f) throws BlockException {
        long start = (f.size() / 512) * 512 - 1536;
        if (start < 512) {
            throw new ImageFormatException(f.path(), "VMDK header says its footer is at the end of the file, but the"
                    + " file is too short to hold one; the header is corrupt");
        }
        ByteBuffer b = f.read(start, 1536, ByteOrder.LITTLE_ENDIAN);
        boolean valid = b.getInt(8) == 0 && b.getInt(12) == MARKER_FOOTER
                && b.order(ByteOrder.BIG_ENDIAN).getInt(512) == MAGIC
                && b.order(ByteOrder.LITTLE_ENDIAN).getLong(1024) == 0 && b.getInt(1032) == 0
                && b.getInt(1036) == MARKER_END_OF_STREAM;
        if (!valid) {
            throw new ImageFormatException(f.path(), "VMDK header says its footer is at the end of the file, but no"
                    + " valid footer is there; the image is corrupt");
        }
        VmdkSparseExtentHeader footer = parse(b.slice(512, 512).order(ByteOrder.LITTLE_ENDIAN), true);
        if (footer.gdOffset == GD_AT_END) {
            throw new ImageFormatException(f.path(), "VMDK footer points to another footer; the image is corrupt");
        }
        return footer;
    }

    private static VmdkSparseExtentHeader parse(ByteBuffer h, boolean footer) {
        return new VmdkSparseExtentHeader(Integer.toUnsignedLong(h.getInt(4)), Integer.toUnsignedLong(h.getInt(8)),
                h.getLong(12), h.getLong(20), h.getLong(28), h.getLong(36), h.getLong(56), footer);
    }
}
