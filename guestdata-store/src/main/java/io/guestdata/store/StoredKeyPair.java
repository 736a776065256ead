package io.guestdata.store;

import io.guestdata.core.KeyPair;
import java.time.Instant;
import java.util.Objects;

/**
 * A key pair as stored: Nova keeps key pairs per user; {@code owner} is that user (see
 * {@link KeyPairs}).
 *
 * @param owner     who owns it
 * @param keyPair   name, type, public key and fingerprint
 * @param createdAt when it was imported
 */
public record StoredKeyPair(String owner, KeyPair keyPair, Instant createdAt) {
    public StoredKeyPair {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(keyPair, "keyPair");
        Objects.requireNonNull(createdAt, "createdAt");
    }

    public String name() {
        return keyPair.name();
    }
}
