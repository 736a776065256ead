package io.guestdata.store;

import io.guestdata.core.Instance;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * One version of a stored instance: the instance document exactly as it was submitted, and the
 * {@link Instance} it parses to. Re-rendering a config drive or re-injecting a disk after an
 * evacuate or rebuild starts from {@link #document()}; the same bytes always give the same
 * instance, because the key pair {@code key_name} named is kept with the version (a key pair
 * deleted or replaced later does not change it).
 *
 * @param uuid             the instance uuid
 * @param version          1 for the first version, +1 per update
 * @param createdAt        when the instance was created (version 1)
 * @param versionCreatedAt when this version was stored
 * @param document         the instance document, byte for byte as submitted
 * @param instance         the document, parsed
 */
public record StoredInstance(UUID uuid, long version, Instant createdAt, Instant versionCreatedAt,
                             byte[] document, Instance instance) {

    public StoredInstance {
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(versionCreatedAt, "versionCreatedAt");
        Objects.requireNonNull(instance, "instance");
        document = document.clone();
        if (version < 1) {
            throw new IllegalArgumentException("version must be >= 1, was " + version);
        }
    }

    /** A copy of the document bytes. */
    @Override
    public byte[] document() {
        return document.clone();
    }

    /** The document as text (documents are UTF-8 JSON; the parser refuses anything else). */
    public String documentText() {
        return new String(document, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof StoredInstance that && uuid.equals(that.uuid) && version == that.version
                && createdAt.equals(that.createdAt) && versionCreatedAt.equals(that.versionCreatedAt)
                && java.util.Arrays.equals(document, that.document) && instance.equals(that.instance);
    }

    @Override
    public int hashCode() {
        return Objects.hash(uuid, version);
    }

    @Override
    public String toString() {
        return "StoredInstance[uuid=" + uuid + ", version=" + version + ", versionCreatedAt=" + versionCreatedAt + "]";
    }
}
