package io.guestdata.core.metadata;

import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * A 200 answer that is the same for every request to one version of an instance, so it can be kept apart from its
 * {@link MetadataTree}: the listings, EC2 leaves, user data, {@code vendor_data.json}, static {@code vendor_data2.json},
 * {@code network_data.json} and content blobs as fixed bytes, and {@code meta_data.json} as its two parts around
 * {@code random_seed} ({@link SplicedJson}), which {@link #found()} fills with fresh random bytes on every call as
 * Nova does (nova-compat.md §1.4). Per-request answers ({@code local-ipv4} taken from the requester, dynamic vendor
 * data, the password endpoint, the {@code /openstack} listing while it still depends on the date) and 404s never
 * are one ({@link MetadataTree#answer}).
 *
 * <p>Immutable; holds no reference to its tree, so a cache of answers keeps only these bytes.
 */
public final class MetadataAnswer {
    /** Bytes of an object header and an array header on a 64-bit JVM with compressed references. */
    private static final int OBJECT = 12;
    private static final int ARRAY = 16;
    private static final int REFERENCE = 4;

    private final LookupResult.Found fixed; // null when spliced
    private final SplicedJson spliced;
    private final RandomGenerator random;

    private MetadataAnswer(LookupResult.Found fixed, SplicedJson spliced, RandomGenerator random) {
        this.fixed = fixed;
        this.spliced = spliced;
        this.random = random;
    }

    static MetadataAnswer of(LookupResult.Found found) {
        return new MetadataAnswer(Objects.requireNonNull(found, "found"), null, null);
    }

    /** {@code meta_data.json}; a version without {@code random_seed} is fixed bytes. */
    static MetadataAnswer metaData(SplicedJson document, RandomGenerator random) {
        return document.hasSeed() ? new MetadataAnswer(null, document, Objects.requireNonNull(random, "random"))
                : of(new LookupResult.Found(document.render(random), LookupResult.APPLICATION_JSON));
    }

    /** The answer to send: fixed bytes shared by every call, or a fresh {@code meta_data.json}. */
    public LookupResult.Found found() {
        return fixed != null ? fixed : new LookupResult.Found(spliced.render(random), LookupResult.APPLICATION_JSON);
    }

    /**
     * The heap this answer keeps reachable, in bytes, as a 64-bit JVM with compressed references lays it out
     * (headers, references, arrays rounded up to 8 bytes): what a cache of answers counts against its budget.
     * Fixed answers may share their bytes with their tree; counted in full, since the cache outlives the tree.
     */
    public long heapBytes() {
        long self = align(OBJECT + 3 * REFERENCE);
        if (fixed != null) {
            return self + align(OBJECT + 2 * REFERENCE) + arrayBytes(fixed.length());
        }
        return self + spliced.heapBytes(OBJECT, REFERENCE);
    }

    /** The heap of a {@code byte[]} of {@code length} (its header, rounded up to 8 bytes). */
    public static long arrayBytes(long length) {
        return align(ARRAY + length);
    }

    static long align(long bytes) {
        return (bytes + 7) & ~7L;
    }
}
