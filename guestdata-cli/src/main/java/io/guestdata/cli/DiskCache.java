package io.guestdata.cli;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.UUID;

/**
 * The cache mode of the drive's {@code <driver>}, as Nova's libvirt driver chooses it
 * ({@code LibvirtDriver.disk_cachemode}): {@code none} (O_DIRECT, consistent and safe for migration) when
 * the directory holding the image supports direct I/O, else {@code writeback} (tmpfs and some FUSE file
 * systems refuse O_DIRECT, and QEMU could then not open the image). The probe is Nova's
 * {@code nova.privsep.utils.supports_direct_io}: create a file with O_DIRECT and write one 4096-byte
 * aligned block; EINVAL (or the file system refusing the open) means no.
 */
final class DiskCache {
    static final String NONE = "none";
    static final String WRITEBACK = "writeback";
    /** libvirt's {@code <driver cache=…>} values (formatdomain: "cache"), as Nova's disk_cachemodes accepts them. */
    static final List<String> LIBVIRT_MODES = List.of("none", "writeback", "writethrough", "directsync", "unsafe");
    private static final int ALIGN = 4096;

    private DiskCache() {
    }

    /** Nova's choice for an image in {@code directory}. */
    static String forDirectory(Path directory) {
        return supportsDirectIo(directory) ? NONE : WRITEBACK;
    }

    static boolean supportsDirectIo(Path directory) {
        Path probe = directory.resolve(".directio.test." + UUID.randomUUID());
        try (FileChannel channel = FileChannel.open(probe, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                ExtendedOpenOption.DIRECT)) {
            ByteBuffer block = ByteBuffer.allocateDirect(2 * ALIGN).alignedSlice(ALIGN).limit(ALIGN);
            while (block.hasRemaining()) {
                block.put((byte) 'x');
            }
            block.flip();
            channel.write(block);
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        } finally {
            try {
                Files.deleteIfExists(probe);
            } catch (IOException ignored) {
                // Nova ignores a failure to remove its probe too; the name is unique.
            }
        }
    }
}
