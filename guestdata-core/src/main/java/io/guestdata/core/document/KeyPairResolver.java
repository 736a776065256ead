package io.guestdata.core.document;

import io.guestdata.core.KeyPair;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the stored key pair a document's {@code key_name} refers to, as Nova's compute API
 * looks the key pair up at create time (nova-compat.md §8: "must exist, else 400
 * {@code Invalid key_name provided.}").
 */
@FunctionalInterface
public interface KeyPairResolver {

    /** The key pair stored under {@code name}, or empty when there is none. */
    Optional<KeyPair> find(String name);

    /** A resolver that knows no key pairs: every {@code key_name} is unknown. */
    static KeyPairResolver none() {
        return name -> Optional.empty();
    }

    /**
     * A resolver over a fixed set of key pairs, found by {@link KeyPair#name()}.
     *
     * @throws IllegalArgumentException when two pairs have the same name
     */
    static KeyPairResolver of(KeyPair... pairs) {
        Map<String, KeyPair> byName = new LinkedHashMap<>();
        for (KeyPair pair : pairs) {
            if (byName.putIfAbsent(pair.name(), pair) != null) {
                throw new IllegalArgumentException("two key pairs are named '" + pair.name() + "'");
            }
        }
        Map<String, KeyPair> fixed = Map.copyOf(byName);
        return name -> Optional.ofNullable(fixed.get(name));
    }
}
