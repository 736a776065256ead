package io.guestdata.inject.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One file of an image's backing chain, opened read-only by us so that its headers can be read
 * before QEMU (or anything else) opens it.
 *
 * <p>Reads past the end of the file return zeros, as QEMU's file driver does
 * ({@code block/file-posix.c} fills a short read with zeros): the header parsers see exactly the
 * bytes QEMU would see.
 */
final class LayerFile implements AutoCloseable {
    /**
     * Largest structure read at once (a qcow2 header's extension area can span a 2 MiB cluster):
     * a hostile header must not make us allocate more.
     */
    static final int MAX_READ = 4 << 20;

    private final Path path;
    private final FileChannel channel;
    private final long size;

    private LayerFile(Path path, FileChannel channel, long size) {
        this.path = path;
        this.channel = channel;
        this.size = size;
    }

    /**
     * Opens {@code path} for reading. With {@code followLinks} false the last component must not
     * be a symbolic link ({@code O_NOFOLLOW}): backing files are opened by their real path.
     */
    static LayerFile open(Path path, boolean followLinks) throws BlockException {
        OpenOption[] options = followLinks ? new OpenOption[] {StandardOpenOption.READ}
                : new OpenOption[] {StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS};
        try {
            FileChannel ch = FileChannel.open(path, options);
            try {
                var geometry = BlockDeviceGeometry.of(path);
                return new LayerFile(path, ch, geometry.isPresent() ? geometry.get().sizeBytes() : ch.size());
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
        } catch (IOException e) {
            throw new BlockException(path, "cannot open the image to read its header: " + e, e);
        }
    }

    Path path() {
        return path;
    }

    /** The file's size in bytes (a block device's from sysfs). */
    long size() {
        return size;
    }

    /**
     * {@code length} bytes from {@code offset}, zero-filled past the end of the file, in the
     * given byte order.
     *
     * @throws ImageFormatException when the range is negative or larger than {@link #MAX_READ}
     */
    ByteBuffer read(long offset, int length, ByteOrder order) throws BlockException {
        if (offset < 0 || length < 0 || length > MAX_READ || offset > Long.MAX_VALUE - length) {
            throw new ImageFormatException(path, "a header field points to bytes " + offset + "+" + length
                    + ", outside what an image header may use (at most " + MAX_READ + " bytes at a non-negative"
                    + " offset); the header is corrupt");
        }
        ByteBuffer b = ByteBuffer.allocate(length);
        long at = offset;
        try {
            while (b.hasRemaining() && at < size) {
                int n = channel.read(b, at);
                if (n < 0) {
                    break;
                }
                at += n;
            }
        } catch (IOException e) {
            throw new BlockException(path, "cannot read bytes " + offset + "+" + length + " of the image: " + e, e);
        }
        return b.clear().order(order);
    }

    @Override
    public void close() throws BlockException {
        try {
            channel.close();
        } catch (IOException e) {
            throw new BlockException(path, "cannot close the image after reading its header: " + e, e);
        }
    }
}
