package io.guestdata.core.document;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.core.KeyPair;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code key_name} and {@code public_keys}: the keys the guest gets. The key pair {@code key_name}
 * names is resolved as Nova's compute API does at create time (nova-compat.md §8, "must exist, else
 * 400 {@code Invalid key_name provided.}"): first in the key pair store ({@link KeyPairResolver}),
 * then among the inline {@code public_keys}, so a self-contained document can carry the key its
 * {@code key_name} names. A name that is in both must carry the same key. Inline keys are parsed for
 * real by {@link SshPublicKeys}. Nova carries one key pair; we deliver every key, the named pair first,
 * unless {@code key_delivery} is {@code key_name}: then only the named pair, as Nova delivers it. That is for
 * Windows images: cloudbase-init encrypts the password it posts with one {@code ssh-rsa} key it picks from the
 * set, so with several keys the owner cannot know which private key decrypts it.
 */
final class PublicKeyRules {

    /** {@code key_delivery}'s values: every key (the default) or only the {@code key_name} pair. */
    static final String DELIVER_ALL = "all";
    static final String DELIVER_KEY_NAME = "key_name";

    /** Nova's message for an unknown key name (compute API, server create). */
    static final String UNKNOWN_KEY_NAME = "Invalid key_name provided.";

    private PublicKeyRules() {
    }

    /** The document's keys, in delivery order; empty when any key-related error was found. */
    record Keys(Optional<String> keyName, List<KeyPair> keys) {
    }

    static Optional<Keys> read(Members members, KeyPairResolver resolver) {
        int before = members.errors().size();
        Optional<String> keyName = members.string("key_name", false).filter(name -> {
            Optional<NameProblem> problem = KeyPairNames.check(name);
            problem.ifPresent(p -> p.report(members.errors(), members.at("key_name"), "key_name"));
            return problem.isEmpty();
        });
        Map<String, KeyPair> inline = new LinkedHashMap<>();
        members.object("public_keys", false).ifPresent(object ->
                readInline(object, members.at("public_keys"), members.errors(), inline));
        List<KeyPair> keys = new ArrayList<>();
        keyName.ifPresent(name -> resolve(name, resolver, inline, members, keys));
        if (!keyNameOnly(members, keyName.isPresent() || members.node("key_name", false).isPresent())) {
            keys.addAll(inline.values());
        }
        return members.errors().size() == before ? Optional.of(new Keys(keyName, keys)) : Optional.empty();
    }

    /**
     * Whether {@code key_delivery} asks for the {@code key_name} pair alone; a value other than the two, or
     * {@code key_name} without a {@code key_name}, is reported.
     */
    private static boolean keyNameOnly(Members members, boolean hasKeyName) {
        Optional<String> delivery = members.string("key_delivery", false);
        if (delivery.isEmpty() || delivery.get().equals(DELIVER_ALL)) {
            return false;
        }
        if (!delivery.get().equals(DELIVER_KEY_NAME)) {
            members.errors().add(members.at("key_delivery"), "key_delivery.value", "must be '" + DELIVER_ALL
                    + "' (every key, the default) or '" + DELIVER_KEY_NAME + "' (only the key_name pair), is '"
                    + delivery.get() + "'");
        } else if (!hasKeyName) {
            members.errors().add(members.at("key_delivery"), "key_delivery.key_name",
                    "'" + DELIVER_KEY_NAME + "' delivers only the key pair key_name names, and there is no key_name");
        }
        return true;
    }

    /** Moves the key pair {@code name} to the front of {@code keys}, from the store or the inline keys. */
    private static void resolve(String name, KeyPairResolver resolver, Map<String, KeyPair> inline,
                                Members members, List<KeyPair> keys) {
        Optional<KeyPair> stored = resolver.find(name);
        KeyPair given = inline.remove(name);
        if (stored.isPresent() && given != null && !sameKey(stored.get(), given)) {
            members.errors().add(members.at("public_keys").member(name), "public_keys.name.duplicate",
                    "the key '" + name + "' differs from the stored key pair that key_name names; "
                            + "drop it or give it another name");
        } else if (stored.isPresent()) {
            keys.add(stored.get());
        } else if (given != null) {
            keys.add(given);
        } else {
            members.errors().add(members.at("key_name"), "key_name.unknown", UNKNOWN_KEY_NAME);
        }
    }

    private static boolean sameKey(KeyPair a, KeyPair b) {
        return a.fingerprint().equals(b.fingerprint()) && a.type().equals(b.type());
    }

    private static void readInline(ObjectNode object, DocumentPointer at, DocumentErrors errors,
                                   Map<String, KeyPair> keys) {
        for (Map.Entry<String, JsonNode> entry : object.properties()) {
            String name = entry.getKey();
            DocumentPointer keyAt = at.member(name);
            Optional<NameProblem> problem = KeyPairNames.check(name);
            if (problem.isPresent()) {
                problem.get().report(errors, keyAt, "public_keys.name");
                continue;
            }
            JsonNode text = entry.getValue();
            if (!text.isTextual()) {
                errors.add(keyAt, "public_keys.key.type",
                        "a public key must be a string (OpenSSH one-line form), is " + JsonTypes.describe(text));
                continue;
            }
            try {
                keys.put(name, SshPublicKeys.parse(name, text.textValue()));
            } catch (InvalidKeyException e) {
                errors.add(keyAt, "public_keys.key.invalid", "Keypair data is invalid: " + e.getMessage());
            }
        }
    }
}
