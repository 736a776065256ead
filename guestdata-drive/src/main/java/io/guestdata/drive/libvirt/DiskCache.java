package io.guestdata.drive.libvirt;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
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
public final class DiskCache {
    public static final String NONE = "none";
    public static final String WRITEBACK = "writeback";
    /**
     * The mode for a drive in RBD: there is no local directory to probe, and writeback is what Ceph's documentation
     * recommends for RBD (librbd's cache on).
     */
    public static final String RBD = WRITEBACK;
    /** libvirt's {@code <driver cache=…>} values (formatdomain: "cache"), as Nova's disk_cachemodes accepts them. */
    public static final List<String> LIBVIRT_MODES = List.of("none", "writeback", "writethrough", "directsync", "unsafe");
    private static final int ALIGN = 4096;
    /**
     * The JDK's O_DIRECT open option, {@code com.sun.nio.file.ExtendedOpenOption.DIRECT} (module
     * jdk.unsupported, present since JDK 10), looked up by name so that the build has no compile-time use
     * of an unsupported API; null if a runtime lacks it, and then the probe answers no (writeback, the
     * choice that always works).
     */
    private static final OpenOption DIRECT = directOption();

    private DiskCache() {
    }

    private static OpenOption directOption() {
        try {
            for (Object constant : Class.forName("com.sun.nio.file.ExtendedOpenOption").getEnumConstants()) {
                if (((Enum<?>) constant).name().equals("DIRECT")) {
                    return (OpenOption) constant;
                }
            }
        } catch (ClassNotFoundException e) {
            // not this runtime
        }
        return null;
    }

    /** Nova's choice for an image in {@code directory}. */
    public static String forDirectory(Path directory) {
        return supportsDirectIo(directory) ? NONE : WRITEBACK;
    }

    public static boolean supportsDirectIo(Path directory) {
        if (DIRECT == null) {
            return false;
        }
        Path probe = directory.resolve(".directio.test." + UUID.randomUUID());
        try (FileChannel channel = FileChannel.open(probe, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                DIRECT)) {
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
