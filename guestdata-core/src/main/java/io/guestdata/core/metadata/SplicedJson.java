package io.guestdata.core.metadata;

import java.util.Base64;
import java.util.random.RandomGenerator;

/**
 * A {@code meta_data.json} rendering computed once and split around the {@code random_seed} value, which
 * Nova regenerates on every render (nova-compat.md §1.4, §10.4). Rendering copies the two fixed parts and
 * writes 684 fresh base64 characters (512 random bytes) between them; no JSON work per request.
 */
final class SplicedJson {
    static final int SEED_BYTES = 512;
    static final int SEED_BASE64_LENGTH = 684;

    private final byte[] prefix;
    private final byte[] suffix; // null: this version has no random_seed, prefix is the whole document

    private SplicedJson(byte[] prefix, byte[] suffix) {
        this.prefix = prefix;
        this.suffix = suffix;
    }

    /** A document without {@code random_seed}: every render is the same bytes. */
    static SplicedJson whole(byte[] document) {
        return new SplicedJson(document, null);
    }

    /** A document whose text is {@code prefix + <base64 seed> + suffix}. */
    static SplicedJson aroundSeed(byte[] prefix, byte[] suffix) {
        return new SplicedJson(prefix, suffix);
    }

    /** The heap this document keeps reachable ({@link MetadataAnswer#heapBytes}). */
    long heapBytes(int objectHeader, int reference) {
        return MetadataAnswer.align(objectHeader + 2L * reference) + MetadataAnswer.arrayBytes(prefix.length)
                + (suffix == null ? 0 : MetadataAnswer.arrayBytes(suffix.length));
    }

    boolean hasSeed() {
        return suffix != null;
    }

    /** The document bytes; a fresh array each call (callers may own it), with a fresh seed if it has one. */
    byte[] render(RandomGenerator random) {
        if (suffix == null) {
            return prefix.clone();
        }
        byte[] seed = new byte[SEED_BYTES];
        random.nextBytes(seed);
        byte[] seedText = Base64.getEncoder().encode(seed);
        byte[] out = new byte[prefix.length + SEED_BASE64_LENGTH + suffix.length];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        System.arraycopy(seedText, 0, out, prefix.length, SEED_BASE64_LENGTH);
        System.arraycopy(suffix, 0, out, prefix.length + SEED_BASE64_LENGTH, suffix.length);
        return out;
    }
}
