package io.guestdata.drive.iso9660;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An independent check of an image's ECMA-119 structure, read from its bytes: what the real tools
 * tolerate but the standard requires (both byte orders agree, records never span a sector, §9.3
 * and §9.4 order, L and M path tables agree, extents inside the volume and not overlapping, at most
 * 8 levels in the primary hierarchy).
 */
final class IsoStructure {
    private static final int BLOCK = 2048;
    private final FileChannel channel;
    private final long blocks;
    private final List<long[]> fileExtents = new ArrayList<>();

    private IsoStructure(FileChannel channel) throws IOException {
        this.channel = channel;
        this.blocks = channel.size() / BLOCK;
    }

    /** Checks the whole image; fails the test on the first violation. */
    static void check(Path iso) {
        try (FileChannel ch = FileChannel.open(iso, StandardOpenOption.READ)) {
            new IsoStructure(ch).checkAll();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void checkAll() throws IOException {
        assertEquals(0, channel.size() % 4096, "image size is a multiple of 4096");
        byte[] zeros = new byte[16 * BLOCK];
        assertArrayEquals(zeros, read(0, 16 * BLOCK), "system area is zero");
        byte[] pvd = read(16L * BLOCK, BLOCK);
        byte[] svd = read(17L * BLOCK, BLOCK);
        byte[] term = read(18L * BLOCK, BLOCK);
        assertEquals(1, pvd[0]);
        assertEquals(2, svd[0]);
        assertEquals((byte) 255, term[0]);
        for (byte[] vd : List.of(pvd, svd, term)) {
            assertEquals("CD001", new String(vd, 1, 5, StandardCharsets.US_ASCII));
            assertEquals(1, vd[6]);
        }
        assertArrayEquals(new byte[] {0x25, 0x2F, 0x45}, Arrays.copyOfRange(svd, 88, 91), "Joliet level 3 escape");
        for (byte[] vd : List.of(pvd, svd)) {
            assertEquals(blocks, both32(vd, 80), "volume space size");
            assertEquals(BLOCK, both16(vd, 128), "logical block size");
            assertEquals(1, vd[881], "file structure version");
        }
        checkHierarchy(pvd, false);
        checkHierarchy(svd, true);
        fileExtents.sort((a, b) -> Long.compare(a[0], b[0]));
        for (int i = 1; i < fileExtents.size(); i++) {
            long[] prev = fileExtents.get(i - 1);
            assertTrue(prev[0] + (prev[1] + BLOCK - 1) / BLOCK <= fileExtents.get(i)[0],
                    "file extents overlap at block " + fileExtents.get(i)[0]);
        }
    }

    private record PathRecord(int level, int parent, long extent, byte[] id) {
    }

    private void checkHierarchy(byte[] vd, boolean joliet) throws IOException {
        long ptSize = both32(vd, 132);
        long lLoc = ByteBuffer.wrap(vd, 140, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFFFFFFL;
        long mLoc = ByteBuffer.wrap(vd, 148, 4).order(ByteOrder.BIG_ENDIAN).getInt() & 0xFFFFFFFFL;
        List<PathRecord> l = pathTable(read(lLoc * BLOCK, (int) ptSize), ByteOrder.LITTLE_ENDIAN);
        List<PathRecord> m = pathTable(read(mLoc * BLOCK, (int) ptSize), ByteOrder.BIG_ENDIAN);
        assertEquals(l.size(), m.size(), "L and M path tables have the same records");
        for (int i = 0; i < l.size(); i++) {
            assertEquals(l.get(i).extent(), m.get(i).extent());
            assertEquals(l.get(i).parent(), m.get(i).parent());
            assertArrayEquals(l.get(i).id(), m.get(i).id());
        }
        // §9.4: by level, then parent number, then identifier (padded)
        int[] levels = new int[l.size() + 1];
        levels[1] = 1;
        for (int i = 1; i < l.size(); i++) {
            PathRecord r = l.get(i);
            levels[i + 1] = levels[r.parent()] + 1;
            PathRecord p = l.get(i - 1);
            int c = Integer.compare(levels[i], levels[i + 1]);
            if (c == 0) {
                c = Integer.compare(p.parent(), r.parent());
            }
            if (c == 0) {
                c = comparePadded(text(p.id(), joliet), text(r.id(), joliet));
            }
            assertTrue(c < 0 || (c == 0 && Arrays.compare(p.id(), r.id()) < 0), "path table order at record " + (i + 1));
            if (!joliet) {
                assertTrue(levels[i + 1] <= 8, "ECMA-119 §6.8.2.1: at most 8 levels");
            }
        }
        byte[] root = Arrays.copyOfRange(vd, 156, 190);
        assertEquals(34, root[0]);
        long rootExtent = both32(root, 2);
        assertEquals(l.get(0).extent(), rootExtent, "root in path table");
        // walk every directory of the path table; check its records
        for (int i = 0; i < l.size(); i++) {
            PathRecord r = l.get(i);
            long parentExtent = l.get(r.parent() - 1).extent();
            checkDirectory(r.extent(), parentExtent, joliet, l, i + 1);
        }
    }

    private void checkDirectory(long extent, long parentExtent, boolean joliet, List<PathRecord> table, int number)
            throws IOException {
        byte[] first = read(extent * BLOCK, BLOCK);
        long size = both32(first, 10);
        assertEquals(0, size % BLOCK, "directory size is whole blocks");
        byte[] dir = read(extent * BLOCK, (int) size);
        List<byte[]> records = new ArrayList<>();
        for (int sector = 0; sector < size / BLOCK; sector++) {
            int off = sector * BLOCK;
            int end = off + BLOCK;
            while (off < end && dir[off] != 0) {
                int len = dir[off] & 0xFF;
                assertTrue(len >= 34 && len % 2 == 0, "record length " + len);
                assertTrue(off + len <= end, "record spans a sector boundary");
                records.add(Arrays.copyOfRange(dir, off, off + len));
                off += len;
            }
            while (off < end) {
                assertEquals(0, dir[off++], "zero after the last record of a sector");
            }
        }
        assertTrue(records.size() >= 2);
        assertEquals(extent, both32(records.get(0), 2), "'.' points to itself");
        assertEquals(parentExtent, both32(records.get(1), 2), "'..' points to the parent");
        List<Long> subdirs = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            byte[] rec = records.get(i);
            long recExtent = both32(rec, 2);
            long length = both32(rec, 10);
            both16(rec, 28);
            int idLen = rec[32] & 0xFF;
            boolean isDir = (rec[25] & 2) != 0;
            if (i >= 2) {
                if (isDir) {
                    subdirs.add(recExtent);
                } else {
                    assertTrue(recExtent + (length + BLOCK - 1) / BLOCK <= blocks, "file extent inside the volume");
                    if (length > 0 && !joliet) {
                        fileExtents.add(new long[] {recExtent, length});
                    }
                }
            }
            if (i >= 3) {
                byte[] prev = records.get(i - 1);
                String a = text(Arrays.copyOfRange(prev, 33, 33 + (prev[32] & 0xFF)), joliet);
                String b = text(Arrays.copyOfRange(rec, 33, 33 + idLen), joliet);
                boolean fileA = (prev[25] & 2) == 0;
                boolean fileB = !isDir;
                assertTrue(orderKey(a, fileA, b, fileB) < 0, "§9.3 order: " + a + " before " + b);
            }
        }
        List<Long> fromTable = new ArrayList<>();
        for (PathRecord r : table) {
            if (r.parent() == number && r.extent() != table.get(0).extent()) {
                fromTable.add(r.extent());
            }
        }
        assertEquals(fromTable.stream().sorted().toList(), subdirs.stream().sorted().toList(),
                "subdirectories of directory " + number + " match the path table");
    }

    /** An independent §9.3 comparison: name, extension (split at the last dot of a file), padded; version descending. */
    private static int orderKey(String a, boolean fileA, String b, boolean fileB) {
        String[] pa = split(a, fileA);
        String[] pb = split(b, fileB);
        int c = comparePadded(pa[0], pb[0]);
        if (c == 0) {
            c = comparePadded(pa[1], pb[1]);
        }
        if (c == 0) {
            c = comparePadded(pb[2], pa[2]);
        }
        return c != 0 ? c : a.compareTo(b);
    }

    private static String[] split(String id, boolean file) {
        if (!file) {
            return new String[] {id, "", ""};
        }
        int semi = id.lastIndexOf(';');
        String plain = semi < 0 ? id : id.substring(0, semi);
        String version = semi < 0 ? "" : id.substring(semi + 1);
        int dot = plain.lastIndexOf('.');
        return dot < 0 ? new String[] {plain, "", version} : new String[] {plain.substring(0, dot), plain.substring(dot + 1), version};
    }

    private static int comparePadded(String a, String b) {
        int n = Math.max(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            char ca = i < a.length() ? a.charAt(i) : ' ';
            char cb = i < b.length() ? b.charAt(i) : ' ';
            if (ca != cb) {
                return Character.compare(ca, cb);
            }
        }
        return 0;
    }

    private static String text(byte[] id, boolean joliet) {
        if (id.length == 1 && (id[0] == 0 || id[0] == 1)) {
            return new String(id, StandardCharsets.ISO_8859_1);
        }
        return new String(id, joliet ? StandardCharsets.UTF_16BE : StandardCharsets.US_ASCII);
    }

    private static List<PathRecord> pathTable(byte[] table, ByteOrder order) {
        List<PathRecord> records = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(table).order(order);
        while (b.hasRemaining()) {
            int len = b.get() & 0xFF;
            b.get();
            long extent = b.getInt() & 0xFFFFFFFFL;
            int parent = b.getShort() & 0xFFFF;
            byte[] id = new byte[len];
            b.get(id);
            if ((len & 1) == 1) {
                assertEquals(0, b.get(), "path table padding");
            }
            records.add(new PathRecord(0, parent, extent, id));
        }
        return records;
    }

    private static long both32(byte[] b, int off) {
        long le = ByteBuffer.wrap(b, off, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFFFFFFL;
        long be = ByteBuffer.wrap(b, off + 4, 4).order(ByteOrder.BIG_ENDIAN).getInt() & 0xFFFFFFFFL;
        assertEquals(le, be, "both-byte-order 32-bit field at " + off);
        return le;
    }

    private static int both16(byte[] b, int off) {
        int le = ByteBuffer.wrap(b, off, 2).order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xFFFF;
        int be = ByteBuffer.wrap(b, off + 2, 2).order(ByteOrder.BIG_ENDIAN).getShort() & 0xFFFF;
        assertEquals(le, be, "both-byte-order 16-bit field at " + off);
        return le;
    }

    private byte[] read(long position, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        while (b.hasRemaining()) {
            if (channel.read(b, position + b.position()) < 0) {
                throw new IOException("image ends before byte " + (position + length));
            }
        }
        return b.array();
    }
}
