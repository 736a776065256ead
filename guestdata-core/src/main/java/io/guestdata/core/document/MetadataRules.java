package io.guestdata.core.document;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@code metadata}: the user's server metadata, under Nova's rules (nova-compat.md §8): keys of
 * 1..255 characters from letters, digits, {@code - _ : .} and space; string values of at most 255
 * characters (empty allowed); at most {@code [quota] metadata_items} entries. Order is kept.
 */
final class MetadataRules {

    static final int MAX_KEY = 255;
    static final int MAX_VALUE = 255;
    /** Nova's {@code ^[a-zA-Z0-9-_:. ]{1,255}$}, with the {@code -} escaped for Java. */
    private static final Pattern KEY_CHARS = Pattern.compile("[a-zA-Z0-9\\-_:. ]*");

    private MetadataRules() {
    }

    static Optional<Map<String, String>> read(Members members, Limits limits) {
        Optional<ObjectNode> metadata = members.object("metadata", false);
        if (metadata.isEmpty()) {
            return Optional.of(Map.of());
        }
        DocumentErrors errors = members.errors();
        DocumentPointer at = members.at("metadata");
        int before = errors.size();
        if (Limits.exceeds(metadata.get().size(), limits.metadataItems())) {
            errors.add(at, "metadata.count", "Maximum number of metadata items exceeds " + limits.metadataItems()
                    + " (" + metadata.get().size() + " given)", limits.metadataItems() + " items");
        }
        Map<String, String> entries = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : metadata.get().properties()) {
            if (checkKey(entry.getKey(), at.member(entry.getKey()), errors)
                    & checkValue(entry.getValue(), at.member(entry.getKey()), errors)) {
                entries.put(entry.getKey(), entry.getValue().textValue());
            }
        }
        return errors.size() == before ? Optional.of(entries) : Optional.empty();
    }

    private static boolean checkKey(String key, DocumentPointer at, DocumentErrors errors) {
        int length = TextLength.of(key);
        if (length < 1 || length > MAX_KEY) {
            errors.add(at, "metadata.key.length", "a metadata key must be 1 to " + MAX_KEY + " characters, is " + length,
                    length < 1 ? "at least 1 character" : TextLength.characters(MAX_KEY));
            return false;
        }
        if (!KEY_CHARS.matcher(key).matches()) {
            errors.add(at, "metadata.key.pattern", "metadata key '" + InstanceFieldRules.abbreviate(key)
                    + "' may contain only letters, digits, '-', '_', ':', '.' and space");
            return false;
        }
        return true;
    }

    private static boolean checkValue(JsonNode value, DocumentPointer at, DocumentErrors errors) {
        if (!value.isTextual()) {
            errors.add(at, "metadata.value.type", "a metadata value must be a string, is " + JsonTypes.describe(value));
            return false;
        }
        int length = TextLength.of(value.textValue());
        if (length > MAX_VALUE) {
            errors.add(at, "metadata.value.length", "a metadata value may have at most " + MAX_VALUE
                    + " characters, has " + length, TextLength.characters(MAX_VALUE));
            return false;
        }
        return true;
    }
}
