package io.guestdata.core.document;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.core.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code key_name} and {@code public_keys}: the keys the guest gets. The key pair {@code key_name}
 * names is resolved as Nova's compute API does at create time (nova-compat.md §8, "must exist, else
 * 400 {@code Invalid key_name provided.}"); inline keys are parsed for real by
 * {@link SshPublicKeys}. Nova carries one key pair; we deliver every key, the named pair first.
 */
final class PublicKeyRules {

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
        List<KeyPair> keys = new ArrayList<>();
        keyName.ifPresent(name -> resolver.find(name).ifPresentOrElse(keys::add,
                () -> members.errors().add(members.at("key_name"), "key_name.unknown", UNKNOWN_KEY_NAME)));
        members.object("public_keys", false).ifPresent(inline ->
                readInline(inline, members.at("public_keys"), keyName, members.errors(), keys));
        return members.errors().size() == before ? Optional.of(new Keys(keyName, keys)) : Optional.empty();
    }

    private static void readInline(ObjectNode inline, DocumentPointer at, Optional<String> keyName,
                                   DocumentErrors errors, List<KeyPair> keys) {
        for (Map.Entry<String, JsonNode> entry : inline.properties()) {
            String name = entry.getKey();
            DocumentPointer keyAt = at.member(name);
            Optional<NameProblem> problem = KeyPairNames.check(name);
            if (problem.isPresent()) {
                problem.get().report(errors, keyAt, "public_keys.name");
                continue;
            }
            if (keyName.isPresent() && keyName.get().equals(name)) {
                errors.add(keyAt, "public_keys.name.duplicate",
                        "the key '" + name + "' is also the key pair named by key_name; give it another name");
                continue;
            }
            JsonNode text = entry.getValue();
            if (!text.isTextual()) {
                errors.add(keyAt, "public_keys.key.type",
                        "a public key must be a string (OpenSSH one-line form), is " + JsonTypes.describe(text));
                continue;
            }
            try {
                keys.add(SshPublicKeys.parse(name, text.textValue()));
            } catch (InvalidKeyException e) {
                errors.add(keyAt, "public_keys.key.invalid", "Keypair data is invalid: " + e.getMessage());
            }
        }
    }
}
