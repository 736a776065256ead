package io.guestdata.inject.rbd;

import io.guestdata.inject.block.BlockException;
import io.guestdata.inject.block.ImageInUseException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * Writes a whole image (a config drive) into a new RBD image, all or nothing: what Nova's libvirt driver gets with
 * {@code rbd import --image-format=2} of its local {@code disk.config} (a format 2 image of the content's size, the
 * cluster's default features), written through librbd in this process without a local copy and sparse (zero blocks
 * are not written, so they take no space). The one way {@code guestdata configdrive --output rbd:…} and the
 * management API's {@code POST /instances/{uuid}/config-drive} put a drive into RBD.
 *
 * <p>The content goes to a new image {@code NAME.guestdata-XXXXXXXX} beside the target, flushed, and takes the
 * target's name ({@code rbd_rename}) only when complete, so no reader ever sees half a drive; on any failure the
 * temporary image is removed. Without {@code replace} an existing target is refused, before anything is written,
 * and a target that appears meanwhile is not replaced. With it, the existing image is removed ({@code rbd_remove},
 * which librbd refuses while a client such as a running VM has it open: {@link ImageInUseException}, the old image
 * kept) and the new one renamed into place: RBD has no atomic replace, so for that instant there is no image of the
 * name (Nova removes the old image before it even starts its import). A pool whose quota is reached refuses the
 * new image at once ({@link RbdPoolFullException}).
 */
public final class RbdImport {
    private static final HexFormat HEX = HexFormat.of();
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Zero runs are skipped in blocks of this size (librbd's smallest discard granularity is larger). */
    private static final int ZERO_BLOCK = 64 * 1024;
    /** What a temporary image's name has after the target's name. */
    public static final String TEMPORARY_SUFFIX = ".guestdata-";

    private RbdImport() {
    }

    /** The bytes of the image, written in order (exactly the size given to {@link #write}). */
    @FunctionalInterface
    public interface Content<E extends Exception> {
        void writeTo(WritableByteChannel channel) throws E, IOException;
    }

    /** What was written, and what libvirt's network {@code <disk>} needs: the cluster's monitors. */
    public record Imported(long size, List<RbdPool.Monitor> monitors) {
        public Imported {
            monitors = List.copyOf(monitors);
        }
    }

    /**
     * Writes {@code content} ({@code size} bytes) as the image {@code target} names.
     *
     * @param replace replace an existing image (never one a client has open)
     * @throws RbdImageExistsException the image exists and {@code replace} is false, or appeared meanwhile
     * @throws ImageInUseException     {@code replace}, and a client has the existing image open; it is kept
     * @throws RbdPoolFullException    the pool's quota (or the cluster) has no room
     * @throws CephConnectException    the cluster cannot be reached or refuses the user
     * @throws RbdNotFoundException    the pool does not exist
     * @throws BlockException          another librados/librbd failure, named
     * @throws E                       the content failed
     */
    public static <E extends Exception> Imported write(RbdTarget target, long size, Content<E> content, boolean replace,
                                                       RbdImage.Settings settings) throws E, IOException {
        Objects.requireNonNull(content, "content");
        try (RbdPool pool = RbdPool.connect(target, settings)) {
            boolean exists = pool.exists(target.image());
            if (exists && !replace) {
                throw new RbdImageExistsException(RbdImage.nameOf(target), false);
            }
            String temporary = target.image() + TEMPORARY_SUFFIX + HEX.formatHex(RANDOM.generateSeed(4));
            pool.create(temporary, size);
            boolean placed = false;
            try {
                try (RbdImage rbd = RbdImage.open(target.withImage(temporary), true, settings)) {
                    content.writeTo(new SparseChannel(rbd));
                    rbd.flush();
                }
                if (exists) {
                    pool.remove(target.image());
                }
                if (!pool.rename(temporary, target.image())) {
                    throw new RbdImageExistsException(RbdImage.nameOf(target), true);
                }
                placed = true;
            } finally {
                if (!placed) {
                    try {
                        pool.remove(temporary);
                    } catch (BlockException | RuntimeException ignored) {
                        // the failure being reported matters more; the name says whose it is
                    }
                }
            }
            return new Imported(size, pool.monitors());
        }
    }

    /** The content's bytes in order onto the new image, blocks of zeros skipped (a new image reads as zeros). */
    private static final class SparseChannel implements WritableByteChannel {
        private final RbdImage rbd;
        private long position;
        private boolean open = true;

        SparseChannel(RbdImage rbd) {
            this.rbd = rbd;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            int n = src.remaining();
            while (src.hasRemaining()) {
                int chunk = Math.min(src.remaining(), ZERO_BLOCK);
                ByteBuffer part = src.slice(src.position(), chunk);
                if (!allZero(part)) {
                    rbd.write(position, part);
                }
                position += chunk;
                src.position(src.position() + chunk);
            }
            return n;
        }

        /** {@link #ZERO_BLOCK} zero bytes, only read (each comparison takes its own slice). */
        private static final ByteBuffer ZEROS = ByteBuffer.allocate(ZERO_BLOCK).asReadOnlyBuffer();

        /** Whether {@code b}'s remaining bytes (at most {@link #ZERO_BLOCK}) are all zero, compared in bulk. */
        private static boolean allZero(ByteBuffer b) {
            return b.mismatch(ZEROS.slice(0, b.remaining())) == -1;
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() {
            open = false;
        }
    }
}
