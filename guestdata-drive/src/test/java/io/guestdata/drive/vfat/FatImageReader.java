package io.guestdata.drive.vfat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A minimal FAT reader for tests: walks the directories and returns every file by its long name
 * exactly as stored (UTF-16 reassembled across long entries, so surrogate pairs survive), checking
 * long-entry ordinals and checksums on the way. The installed tools (mtools 4.0.32, dosfstools
 * 4.2) convert long names unit by unit and cannot show characters outside the BMP; this reader is
 * what checks those names. Everything else is checked with the real tools.
 */
final class FatImageReader implements AutoCloseable {
    private final FileChannel channel;
    private final int bytesPerSector;
    private final int sectorsPerCluster;
    private final long fatOffset;
    private final long rootOffset;
    private final int rootEntries;
    private final long dataOffset;
    private final long rootCluster;
    private final int fatBits;

    FatImageReader(Path image) throws IOException {
        channel = FileChannel.open(image);
        ByteBuffer b = read(0, 512);
        bytesPerSector = b.getShort(11) & 0xFFFF;
        sectorsPerCluster = b.get(13) & 0xFF;
        int reserved = b.getShort(14) & 0xFFFF;
        int fats = b.get(16) & 0xFF;
        rootEntries = b.getShort(17) & 0xFFFF;
        long total = (b.getShort(19) & 0xFFFF) != 0 ? b.getShort(19) & 0xFFFF : b.getInt(32) & 0xFFFFFFFFL;
        long fatSize = (b.getShort(22) & 0xFFFF) != 0 ? b.getShort(22) & 0xFFFF : b.getInt(36) & 0xFFFFFFFFL;
        long rootSectors = ((long) rootEntries * 32 + bytesPerSector - 1) / bytesPerSector;
        fatOffset = (long) reserved * bytesPerSector;
        rootOffset = (reserved + fats * fatSize) * bytesPerSector;
        long firstData = reserved + fats * fatSize + rootSectors;
        dataOffset = firstData * bytesPerSector;
        long clusters = (total - firstData) / sectorsPerCluster;
        fatBits = clusters < 4085 ? 12 : clusters < 65525 ? 16 : 32;
        rootCluster = fatBits == 32 ? b.getInt(44) & 0xFFFFFFFFL : 0;
    }

    int fatBits() {
        return fatBits;
    }

    /** Every file by '/'-separated path of long names, with its content. */
    Map<String, byte[]> files() throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        walk(rootBytes(), "", files);
        return files;
    }

    private byte[] rootBytes() throws IOException {
        if (fatBits == 32) {
            return chain(rootCluster, -1);
        }
        return bytes(read(rootOffset, rootEntries * 32));
    }

    private void walk(byte[] dir, String prefix, Map<String, byte[]> files) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(dir).order(ByteOrder.LITTLE_ENDIAN);
        List<char[]> pieces = new ArrayList<>();
        int expected = -1;
        int checksum = -1;
        for (int at = 0; at + 32 <= dir.length; at += 32) {
            int first = b.get(at) & 0xFF;
            if (first == 0) {
                return;
            }
            if (first == 0xE5) {
                pieces.clear();
                continue;
            }
            int attr = b.get(at + 11) & 0xFF;
            if (attr == 0x0F) {
                boolean last = (first & 0x40) != 0;
                int ordinal = first & 0x3F;
                if (last) {
                    pieces.clear();
                    expected = ordinal;
                    checksum = b.get(at + 13) & 0xFF;
                } else if (ordinal != expected - 1 || (b.get(at + 13) & 0xFF) != checksum) {
                    throw new IOException(prefix + ": long entry out of sequence at " + at);
                }
                expected = ordinal;
                char[] units = new char[13];
                int[] offsets = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};
                for (int i = 0; i < 13; i++) {
                    units[i] = b.getChar(at + offsets[i]);
                }
                pieces.add(0, units);
                continue;
            }
            byte[] shortName = new byte[11];
            b.get(at, shortName);
            String name;
            if (!pieces.isEmpty()) {
                if (expected != 1 || checksum != LongNameEntry.checksum(shortName)) {
                    throw new IOException(prefix + ": long name does not match its short entry at " + at);
                }
                StringBuilder s = new StringBuilder();
                outer:
                for (char[] units : pieces) {
                    for (char c : units) {
                        if (c == 0) {
                            break outer;
                        }
                        s.append(c);
                    }
                }
                name = s.toString();
            } else {
                name = shortName(shortName, b.get(at + 12) & 0xFF);
            }
            pieces.clear();
            if ((attr & 0x08) != 0 || name.equals(".") || name.equals("..")) {
                continue;
            }
            long cluster = (long) (b.getShort(at + 20) & 0xFFFF) << 16 | b.getShort(at + 26) & 0xFFFF;
            long size = b.getInt(at + 28) & 0xFFFFFFFFL;
            if ((attr & 0x10) != 0) {
                walk(chain(cluster, -1), prefix + name + "/", files);
            } else {
                files.put(prefix + name, size == 0 ? new byte[0] : chain(cluster, size));
            }
        }
    }

    private static String shortName(byte[] field, int caseFlags) {
        String s = new String(field, StandardCharsets.ISO_8859_1);
        String base = s.substring(0, 8).stripTrailing();
        String ext = s.substring(8).stripTrailing();
        if ((caseFlags & 0x08) != 0) {
            base = base.toLowerCase(java.util.Locale.ROOT);
        }
        if ((caseFlags & 0x10) != 0) {
            ext = ext.toLowerCase(java.util.Locale.ROOT);
        }
        return ext.isEmpty() ? base : base + "." + ext;
    }

    /** The bytes of the chain from {@code cluster}: {@code size} of them, or all clusters if size < 0. */
    private byte[] chain(long cluster, long size) throws IOException {
        int clusterBytes = sectorsPerCluster * bytesPerSector;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long eoc = fatBits == 12 ? 0xFF8 : fatBits == 16 ? 0xFFF8 : 0x0FFFFFF8;
        long c = cluster;
        while (c >= 2 && c < eoc && (size < 0 || out.size() < size)) {
            out.write(bytes(read(dataOffset + (c - 2) * clusterBytes, clusterBytes)));
            c = fatEntry(c);
        }
        byte[] all = out.toByteArray();
        if (size >= 0 && all.length < size) {
            throw new IOException("chain from " + cluster + " too short for " + size + " bytes");
        }
        return size < 0 ? all : java.util.Arrays.copyOf(all, (int) size);
    }

    private long fatEntry(long cluster) throws IOException {
        return switch (fatBits) {
            case 12 -> {
                ByteBuffer b = read(fatOffset + cluster * 3 / 2, 2);
                int v = b.getShort(0) & 0xFFFF;
                yield (cluster & 1) == 0 ? v & 0xFFF : v >> 4;
            }
            case 16 -> read(fatOffset + cluster * 2, 2).getShort(0) & 0xFFFF;
            default -> read(fatOffset + cluster * 4, 4).getInt(0) & 0x0FFFFFFFL;
        };
    }

    private ByteBuffer read(long offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (channel.read(b, offset + b.position()) < 0) {
                throw new IOException("image ends at " + (offset + b.position()));
            }
        }
        return b.flip();
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
