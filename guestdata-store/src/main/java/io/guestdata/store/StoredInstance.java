package io.guestdata.store;

import io.guestdata.core.Instance;
import io.guestdata.core.KeyPair;
import io.guestdata.core.document.InstanceDocumentParser;
import io.guestdata.core.document.InvalidDocumentException;
import io.guestdata.core.document.KeyPairResolver;
import io.guestdata.core.document.Limits;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
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

    /** The key pair a version's {@code key_name} resolves to while it is parsed back ({@link #parse}). */
    private static final ScopedValue<KeyPairResolver> KEPT = ScopedValue.newInstance();
    /**
     * Reads stored versions back: without limits (a stored version was valid under the limits of its day; lowering
     * a limit later must not make it unreadable), {@code key_name} resolving to the pair kept with the version only.
     */
    private static final InstanceDocumentParser READ_BACK = new InstanceDocumentParser(new Limits(-1, -1, -1, -1, -1),
            name -> KEPT.get().find(name));

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

    /**
     * The key pair {@code key_name} resolved to when this version was stored, kept with it (Nova copies it into the
     * instance at create): with {@link #document()}, what {@link #parse} needs to give {@link #instance()} again.
     */
    public Optional<KeyPair> keptKeyPair() {
        return keptKeyPair(instance);
    }

    /** The key pair an instance's {@code key_name} resolved to (the first of its keys), when it names one. */
    public static Optional<KeyPair> keptKeyPair(Instance instance) {
        return instance.keyName().map(name -> instance.keys().getFirst());
    }

    /**
     * Parses a stored version's document back into its {@link Instance}, as every read of the store does: the same
     * bytes and kept key pair always give the same instance.
     *
     * @throws StoreException.DatabaseError when the document no longer parses (a rule changed in a way that needs a
     *                                      data migration)
     */
    public static Instance parse(UUID uuid, long version, byte[] document, Optional<KeyPair> keptKeyPair) {
        KeyPairResolver kept = keptKeyPair.map(KeyPairResolver::of).orElseGet(KeyPairResolver::none);
        try {
            return ScopedValue.where(KEPT, kept).call(() -> READ_BACK.parse(document));
        } catch (InvalidDocumentException e) {
            throw new StoreException.DatabaseError("stored version " + version + " of instance " + uuid
                    + " no longer parses: " + e.getMessage(), false, e);
        }
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
