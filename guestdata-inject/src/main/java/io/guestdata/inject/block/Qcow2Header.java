package io.guestdata.inject.block;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The qcow2 image header (QEMU {@code docs/interop/qcow2.txt}, "Header"), big-endian, with its
 * header extensions ({@link Qcow2HeaderExtension}) and its backing file name, read and checked
 * the way QEMU's {@code qcow2_do_open} reads them ({@code block/qcow2.c}):
 *
 * <pre>
 *   0  4  magic                   "QFI\xFB"
 *   4  4  version                 2 or 3
 *   8  8  backing_file_offset     0: no backing file; else within the first cluster
 *  16  4  backing_file_size       name length, at most 1023 and within the first cluster
 *  20  4  cluster_bits            9 .. 21
 *  24  8  size                    virtual disk size in bytes
 *  32  4  crypt_method            0 none, 1 AES, 2 LUKS
 *  72  8  incompatible_features   (v3) bit 0 dirty, 1 corrupt, 2 external data file,
 *                                 3 compression type, 4 extended L2 entries; others unknown
 *  80  8  compatible_features     (v3)
 *  88  8  autoclear_features      (v3)
 * 100  4  header_length           (v3) at least 104, at most one cluster; v2: 72
 * </pre>
 *
 * Header extensions start at {@code header_length} and run to the backing file name (or to the
 * end of the first cluster when there is none); bytes past the end of the file read as zeros,
 * which ends the list, as in QEMU.
 *
 * @param backingFile the backing file name as stored; empty when there is none
 * @param extensions the header extensions, in file order, without the end marker
 */
public record Qcow2Header(int version, int headerLength, int clusterBits, long size, int cryptMethod,
        long incompatibleFeatures, long compatibleFeatures, long autoclearFeatures, long backingFileOffset,
        Optional<String> backingFile, List<Qcow2HeaderExtension> extensions) {
    static final int MAGIC = 0x514649fb;
    static final long INCOMPAT_DIRTY = 1;
    static final long INCOMPAT_CORRUPT = 1 << 1;
    static final long INCOMPAT_DATA_FILE = 1 << 2;
    static final long INCOMPAT_COMPRESSION = 1 << 3;
    static final long INCOMPAT_EXTL2 = 1 << 4;
    /** The incompatible features QEMU knows ({@code QCOW2_INCOMPAT_MASK}); any other bit is refused. */
    static final long INCOMPAT_KNOWN = INCOMPAT_DIRTY | INCOMPAT_CORRUPT | INCOMPAT_DATA_FILE | INCOMPAT_COMPRESSION
            | INCOMPAT_EXTL2;
    static final int MIN_CLUSTER_BITS = 9;
    static final int MAX_CLUSTER_BITS = 21;
    static final int V2_HEADER_LENGTH = 72;
    static final int V3_MIN_HEADER_LENGTH = 104;
    /** QEMU's limit on the backing file name ({@code MIN(1023, cluster_size - offset)}). */
    static final int MAX_BACKING_NAME = 1023;
    /** QEMU's limit on the backing format name ({@code sizeof(bs->backing_format)} - 1). */
    static final int MAX_BACKING_FORMAT = 15;
    private static final int READ_HEADER = 112;

    public Qcow2Header {
        extensions = List.copyOf(extensions);
    }

    /**
     * Reads and checks the header structure: anything QEMU would refuse, or that lies outside
     * the file, is refused here. Whether the image may be used at all is {@link #check}.
     */
    static Qcow2Header read(LayerFile f) throws BlockException {
        ByteBuffer h = f.read(0, READ_HEADER, ByteOrder.BIG_ENDIAN);
        if (h.getInt(0) != MAGIC) {
            throw new ImageFormatException(f.path(), "has no qcow2 header (magic QFI\\xfb)");
        }
        int version = h.getInt(4);
        if (version < 2 || version > 3) {
            throw new ImageFormatException(f.path(), "qcow2 version " + Integer.toUnsignedString(version)
                    + " is not supported (2 or 3)");
        }
        int clusterBits = h.getInt(20);
        if (clusterBits < MIN_CLUSTER_BITS || clusterBits > MAX_CLUSTER_BITS) {
            throw corrupt(f, "cluster_bits " + Integer.toUnsignedString(clusterBits) + " is outside "
                    + MIN_CLUSTER_BITS + ".." + MAX_CLUSTER_BITS);
        }
        long clusterSize = 1L << clusterBits;
        long headerLength = version == 2 ? V2_HEADER_LENGTH : Integer.toUnsignedLong(h.getInt(100));
        if (headerLength < (version == 2 ? V2_HEADER_LENGTH : V3_MIN_HEADER_LENGTH) || headerLength > clusterSize) {
            throw corrupt(f, "header_length " + headerLength + " is outside " + V3_MIN_HEADER_LENGTH + ".."
                    + clusterSize + " (one cluster)");
        }
        long incompatible = version == 3 ? h.getLong(72) : 0;
        long compatible = version == 3 ? h.getLong(80) : 0;
        long autoclear = version == 3 ? h.getLong(88) : 0;
        long backingOffset = h.getLong(8);
        long backingSize = Integer.toUnsignedLong(h.getInt(16));
        Optional<String> backing = Optional.empty();
        if (backingOffset != 0) {
            if (backingOffset < headerLength || backingOffset > clusterSize) {
                throw corrupt(f, "backing_file_offset " + Long.toUnsignedString(backingOffset) + " is outside "
                        + headerLength + ".." + clusterSize + " (after the header, within the first cluster)");
            }
            if (backingSize == 0 || backingSize > Math.min(MAX_BACKING_NAME, clusterSize - backingOffset)) {
                throw corrupt(f, "backing_file_size " + backingSize + " is not 1.." + Math.min(MAX_BACKING_NAME,
                        clusterSize - backingOffset) + " (the backing file name is too long for QEMU, or empty)");
            }
            if (backingOffset + backingSize > f.size()) {
                throw corrupt(f, "the backing file name (offset " + backingOffset + ", " + backingSize
                        + " bytes) lies past the end of the file (" + f.size() + " bytes)");
            }
            byte[] name = new byte[(int) backingSize];
            f.read(backingOffset, (int) backingSize, ByteOrder.BIG_ENDIAN).get(name);
            backing = Optional.of(StoredFileName.decode(f.path(), name, "qcow2 backing file name"));
        }
        long extensionsEnd = backingOffset != 0 ? backingOffset : clusterSize;
        List<Qcow2HeaderExtension> extensions = readExtensions(f, headerLength, extensionsEnd);
        return new Qcow2Header(version, (int) headerLength, clusterBits, h.getLong(24), h.getInt(32), incompatible,
                compatible, autoclear, backingOffset, backing, extensions);
    }

    /** QEMU's {@code qcow2_read_extensions}: type, length, data padded to 8, until type 0 or the end. */
    private static List<Qcow2HeaderExtension> readExtensions(LayerFile f, long start, long end)
            throws BlockException {
        List<Qcow2HeaderExtension> out = new ArrayList<>();
        if (start >= end) {
            return out;
        }
        ByteBuffer region = f.read(start, (int) (end - start), ByteOrder.BIG_ENDIAN);
        long offset = start;
        while (offset < end) {
            if (offset + 8 > end) {
                throw corrupt(f, "a header extension at offset " + offset + " runs past " + end
                        + " (the backing file name or the end of the first cluster)");
            }
            int at = (int) (offset - start);
            long type = Integer.toUnsignedLong(region.getInt(at));
            long length = Integer.toUnsignedLong(region.getInt(at + 4));
            offset += 8;
            if (length > end - offset) {
                throw corrupt(f, "header extension 0x" + Long.toHexString(type) + " at offset " + (offset - 8)
                        + " is " + length + " bytes long, past " + end);
            }
            if (type == Qcow2HeaderExtension.END) {
                return out;
            }
            byte[] data = Qcow2HeaderExtension.read(type)
                    ? Qcow2HeaderExtension.copy(region, (int) (offset - start), (int) length) : new byte[0];
            out.add(new Qcow2HeaderExtension(type, offset, length, data));
            offset += (length + 7) & ~7L;
        }
        return out;
    }

    /** The backing file format the header records (extension 0xe2792aca), if any. */
    Optional<String> backingFormat() {
        return extension(Qcow2HeaderExtension.BACKING_FORMAT).map(Qcow2HeaderExtension::text);
    }

    /** The external data file name the header records (extension 0x44415441), if any. */
    Optional<String> dataFileName() {
        return extension(Qcow2HeaderExtension.EXTERNAL_DATA_FILE).map(Qcow2HeaderExtension::text);
    }

    private Optional<Qcow2HeaderExtension> extension(long type) {
        return extensions.stream().filter(e -> e.type() == type).reduce((first, later) -> later);
    }

    /**
     * Refuses what guestdata never opens, whatever the policy: encryption (we take no keys), an
     * external data file (a host path named by the image), unknown incompatible features, the
     * corrupt bit; and a malformed backing format extension.
     */
    LayerHeader check(LayerFile f) throws ImageFormatException {
        if (cryptMethod != 0 || extension(Qcow2HeaderExtension.FULL_DISK_ENCRYPTION).isPresent()) {
            String method = switch (cryptMethod) {
                case 0 -> "a full disk encryption header";
                case 1 -> "AES";
                case 2 -> "LUKS";
                default -> "method " + Integer.toUnsignedString(cryptMethod);
            };
            throw new ImageFormatException(f.path(), "is an encrypted qcow2 (" + method + "); guestdata takes no keys"
                    + " and cannot inject into encrypted images: decrypt it first (qemu-img convert with a secret"
                    + " object)");
        }
        if ((incompatibleFeatures & INCOMPAT_DATA_FILE) != 0 || dataFileName().isPresent()) {
            throw new ImageFormatException(f.path(), "stores its data in an external data file"
                    + dataFileName().map(n -> " named " + StoredFileName.quote(n)).orElse("")
                    + " (qcow2 incompatible feature bit 2, header extension 0x44415441); guestdata never opens a file"
                    + " an image names, and such images are not injected: flatten it into a standalone image with"
                    + " qemu-img convert");
        }
        long unknown = incompatibleFeatures & ~INCOMPAT_KNOWN;
        if (unknown != 0) {
            throw new ImageFormatException(f.path(), "sets qcow2 incompatible feature bits 0x" + Long.toHexString(unknown)
                    + " that QEMU does not know; it is not injected");
        }
        if ((incompatibleFeatures & INCOMPAT_CORRUPT) != 0) {
            throw new ImageFormatException(f.path(), "is marked corrupt by QEMU (qcow2 corrupt bit); run"
                    + " 'qemu-img check -r all' on it first");
        }
        Optional<Qcow2HeaderExtension> format = extension(Qcow2HeaderExtension.BACKING_FORMAT);
        if (format.isPresent() && (format.get().length() > MAX_BACKING_FORMAT || format.get().length() == 0)) {
            throw new ImageFormatException(f.path(), "its backing format header extension is "
                    + format.get().length() + " bytes long (1.." + MAX_BACKING_FORMAT + "); the header is corrupt");
        }
        return new LayerHeader(ImageFormat.QCOW2, backingFile, "qcow2 header field backing_file, at offset "
                + backingFileOffset, backingFormat());
    }

    private static ImageFormatException corrupt(LayerFile f, String what) {
        return new ImageFormatException(f.path(), "qcow2 header: " + what + "; the header is corrupt");
    }
}
