package io.guestdata.core.metadata;

import java.util.Arrays;

/**
 * Keys for sharing identical answers within one {@link MetadataTree}: most EC2 answers are the same bytes in
 * every EC2 version, and are stored once.
 * The arrays are never modified after construction (answers are served by copy or as read-only buffers).
 */
final class SharedBytes {
    private SharedBytes() {
    }

    /** A text answer key. */
    record Text(byte[] bytes) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Text t && Arrays.equals(bytes, t.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }
    }
}
