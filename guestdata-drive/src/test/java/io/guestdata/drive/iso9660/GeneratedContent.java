package io.guestdata.drive.iso9660;

import io.guestdata.drive.ImageContent;
import java.io.InputStream;

/**
 * Deterministic pseudo-random content of any size, generated as it is read (SplitMix64 over the
 * position), so a test can write a file far larger than the heap without holding it.
 */
final class GeneratedContent implements ImageContent {
    private final long seed;
    private final long size;

    GeneratedContent(long seed, long size) {
        this.seed = seed;
        this.size = size;
    }

    @Override
    public InputStream open() {
        return new InputStream() {
            private long position;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (position >= size) {
                    return -1;
                }
                int n = (int) Math.min(len, size - position);
                for (int i = 0; i < n; i++) {
                    long p = position + i;
                    long word = mix(seed + (p >>> 3));
                    b[off + i] = (byte) (word >>> ((p & 7) * 8));
                }
                position += n;
                return n;
            }
        };
    }

    private static long mix(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
