package io.guestdata.inject.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * The qcow2 image header (QEMU {@code docs/interop/qcow2.txt}, "Header"), big-endian, decoded as
 * far as needed to decide whether we may hand the image to {@code qemu-storage-daemon} for
 * writing:
 *
 * <pre>
 *  0  4  magic                   "QFI\xFB"
 *  4  4  version                 2 or 3
 *  8  8  backing_file_offset     0: no backing file
 * 16  4  backing_file_size       name length, at most 1023
 * 20  4  cluster_bits
 * 24  8  size                    virtual disk size in bytes
 * 32  4  crypt_method            0 none, 1 AES, 2 LUKS
 * 72  8  incompatible_features   (v3) bit 0 dirty, bit 1 corrupt, bit 2 external data file
 * </pre>
 */
public record Qcow2Header(int version, Optional<String> backingFile, long size, int cryptMethod, long incompatibleFeatures) {
    static final long INCOMPAT_DIRTY = 1;
    static final long INCOMPAT_CORRUPT = 1 << 1;
    static final long INCOMPAT_DATA_FILE = 1 << 2;
    private static final int MAX_BACKING_NAME = 1023;

    /** Reads the header of {@code image}. */
    public static Qcow2Header read(Path image) throws BlockException {
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
            ByteBuffer h = ByteBuffer.allocate(104).order(ByteOrder.BIG_ENDIAN);
            readFully(ch, h, 0);
            h.flip();
            if (h.limit() < 72 || h.getInt(0) != 0x514649fb) {
                throw new ImageFormatException(image, "has no qcow2 header (magic QFI\\xfb)");
            }
            int version = h.getInt(4);
            if (version < 2 || version > 3) {
                throw new ImageFormatException(image, "qcow2 version " + version + " is not supported (2 or 3)");
            }
            long backingOffset = h.getLong(8);
            int backingSize = h.getInt(16);
            Optional<String> backing = Optional.empty();
            if (backingOffset != 0) {
                if (backingSize <= 0 || backingSize > MAX_BACKING_NAME || backingOffset < 0 || backingOffset > ch.size()) {
                    throw new ImageFormatException(image, "qcow2 backing file name (offset " + backingOffset + ", "
                            + backingSize + " bytes) is invalid; the header is corrupt");
                }
                ByteBuffer name = ByteBuffer.allocate(backingSize);
                readFully(ch, name, backingOffset);
                backing = Optional.of(new String(name.array(), 0, name.position(), StandardCharsets.UTF_8));
            }
            long incompatible = version >= 3 && h.limit() >= 80 ? h.getLong(72) : 0;
            return new Qcow2Header(version, backing, h.getLong(24), h.getInt(32), incompatible);
        } catch (IOException e) {
            throw e instanceof BlockException b ? b : new BlockException(image, "cannot read the qcow2 header: " + e, e);
        }
    }

    /**
     * Refuses what must not be written: encryption (we take no keys), the corrupt bit, an
     * external data file (a host path named by the image itself).
     */
    public void checkWritable(Path image) throws ImageFormatException {
        if (cryptMethod != 0) {
            throw new ImageFormatException(image, "is an encrypted qcow2 (" + (cryptMethod == 1 ? "AES" : cryptMethod == 2
                    ? "LUKS" : "method " + cryptMethod) + "); guestdata takes no keys and cannot inject into encrypted"
                    + " images: decrypt it first (qemu-img convert with a secret object)");
        }
        if ((incompatibleFeatures & INCOMPAT_CORRUPT) != 0) {
            throw new ImageFormatException(image, "is marked corrupt by QEMU (qcow2 corrupt bit); run"
                    + " 'qemu-img check -r all' on it first");
        }
        if ((incompatibleFeatures & INCOMPAT_DATA_FILE) != 0) {
            throw new ImageFormatException(image, "stores its data in an external data file named inside the image;"
                    + " such images are not injected (the path is not ours to trust): convert it with qemu-img convert");
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long at) throws IOException {
        long pos = at;
        while (b.hasRemaining()) {
            int n = ch.read(b, pos);
            if (n < 0) {
                return;
            }
            pos += n;
        }
    }
}
