package io.guestdata.cli;

import io.guestdata.drive.DriveImage;
import io.guestdata.drive.ImageException;
import io.guestdata.inject.block.BlockException;
import io.guestdata.inject.block.ImageInUseException;
import io.guestdata.inject.rbd.RbdImage;
import io.guestdata.inject.rbd.RbdPool;
import io.guestdata.inject.rbd.RbdTarget;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;

/**
 * Writes one drive image into an RBD image, all or nothing, as {@link ImageOutput} does for a file: what Nova's
 * libvirt driver gets with {@code rbd import --image-format=2} of its local {@code disk.config} (a format 2 image
 * of the drive's size, the cluster's default features), written through librbd in this process without a local
 * copy and sparse (zero blocks are not written, so they take no space).
 *
 * <p>The drive goes to a new image {@code NAME.guestdata-XXXXXXXX} beside the target, flushed, and takes the
 * target's name ({@code rbd_rename}) only when complete, so no reader ever sees half a drive; on any failure the
 * temporary image is removed. Without {@code force} an existing target is refused, before anything is written,
 * and a target that appears meanwhile is not replaced. With it, the existing image is removed ({@code rbd_remove},
 * which librbd refuses while a client such as a running VM has it open: exit 7, the old drive kept) and the new one
 * renamed into place: RBD has no atomic replace, so for that instant there is no image of the name (Nova removes
 * the old image before it even starts its import).
 */
final class RbdOutput {
    private static final HexFormat HEX = HexFormat.of();
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Zero runs are skipped in blocks of this size (librbd's smallest discard granularity is larger). */
    private static final int ZERO_BLOCK = 64 * 1024;

    private RbdOutput() {
    }

    /** What was written, and what the libvirt XML needs. */
    record Written(long size, List<RbdPool.Monitor> monitors) {
    }

    static Written write(DriveImage image, RbdTarget target, boolean force, RbdImage.Settings settings, String flag)
            throws CommandFailure {
        long size;
        try {
            size = image.size();
        } catch (ImageException e) {
            throw new CommandFailure(ExitCode.FORMAT_LIMIT, e.getMessage() + " (nothing written)");
        }
        try (RbdPool pool = RbdPool.connect(target, settings)) {
            boolean exists = pool.exists(target.image());
            if (exists && !force) {
                throw new CommandFailure(ExitCode.OUTPUT, flag + " " + target + ": exists; give --force to replace it"
                        + " (nothing written)");
            }
            String temporary = target.image() + ".guestdata-" + HEX.formatHex(RANDOM.generateSeed(4));
            pool.create(temporary, size);
            boolean placed = false;
            try {
                try (RbdImage rbd = RbdImage.open(target.withImage(temporary), true, settings)) {
                    image.writeTo(new SparseChannel(rbd));
                    rbd.flush();
                }
                if (exists) {
                    pool.remove(target.image());
                }
                if (!pool.rename(temporary, target.image())) {
                    throw new CommandFailure(ExitCode.OUTPUT, flag + " " + target + ": was created by someone else"
                            + " while writing; not replaced (nothing written)");
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
            return new Written(size, pool.monitors());
        } catch (ImageInUseException e) {
            throw new CommandFailure(ExitCode.IMAGE, flag + " " + e.getMessage() + "; the existing drive is kept"
                    + " (nothing written)");
        } catch (BlockException e) {
            throw new CommandFailure(ExitCode.OUTPUT, flag + " " + e.getMessage() + " (nothing written)");
        } catch (ImageException e) {
            throw new CommandFailure(ExitCode.FORMAT_LIMIT, e.getMessage() + " (nothing written)");
        } catch (IOException e) {
            throw new CommandFailure(ExitCode.OUTPUT, flag + " " + target + ": writing the image failed: "
                    + e.getMessage() + " (nothing written)");
        }
    }

    /** The drive's bytes in order onto the new image, blocks of zeros skipped (a new image reads as zeros). */
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
