package io.guestdata.drive.vfat;

import io.guestdata.drive.ImageFile;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * Run in a separate JVM with a small heap by {@link VfatMemoryBoundTest}: writes a config drive
 * holding one file of {@code args[1]} bytes that is generated while it is read and never held.
 */
public final class LargeImageMain {
    static final String BIG_PATH = "openstack/content/0000";

    private LargeImageMain() {
    }

    public static void main(String[] args) throws Exception {
        Path target = Path.of(args[0]);
        long size = Long.parseLong(args[1]);
        List<ImageFile> files = List.of(
                ImageFile.of("openstack/latest/meta_data.json", "{\"uuid\": \"big\"}".getBytes(StandardCharsets.UTF_8)),
                new ImageFile(BIG_PATH, size, () -> new PatternStream(size)));
        new VfatWriter(FatOptions.configDrive(Instant.parse("2024-01-01T00:00:00Z"))).write(files, target);
        System.out.println("heap " + Runtime.getRuntime().maxMemory());
    }

    /** {@code size} pseudo-random bytes (xorshift64), the same on every open. */
    static final class PatternStream extends InputStream {
        private long remaining;
        private long state = 0x9E3779B97F4A7C15L;
        private long word;
        private int left;

        PatternStream(long size) {
            this.remaining = size;
        }

        private int next() {
            if (left == 0) {
                state ^= state << 13;
                state ^= state >>> 7;
                state ^= state << 17;
                word = state;
                left = 8;
            }
            int b = (int) (word & 0xFF);
            word >>>= 8;
            left--;
            return b;
        }

        @Override
        public int read() {
            if (remaining == 0) {
                return -1;
            }
            remaining--;
            return next();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (remaining == 0) {
                return -1;
            }
            int n = (int) Math.min(len, remaining);
            for (int i = 0; i < n; i++) {
                b[off + i] = (byte) next();
            }
            remaining -= n;
            return n;
        }
    }
}
