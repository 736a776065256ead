package io.guestdata.core.metadata;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.core.Instance;
import io.guestdata.core.KeyPair;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The OpenStack {@code meta_data.json} document ({@code InstanceMetadata._metadata_as_json},
 * nova-compat.md §1.4): keys in Nova's insertion order, gated by version, precomputed as a
 * {@link SplicedJson}.
 *
 * <p>Key order: {@code uuid}, {@code meta}, {@code files}*, {@code admin_pass}*, {@code network_config},
 * {@code public_keys}, {@code keys}, {@code hostname}, {@code name}, {@code launch_index},
 * {@code availability_zone}, {@code random_seed} (≥2013-04-04), {@code project_id} (≥2015-10-15),
 * {@code devices} (≥2016-06-30), {@code dedicated_cpus} (≥2020-10-14). (*) config drive only.
 */
final class MetaDataJson {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    static final String NETWORK_CONFIG_NAME = "network_config";

    /**
     * Who reads the document: the config drive carries {@code files} and {@code admin_pass}; the service
     * never shows {@code admin_pass}, and shows {@code files} only when it serves their content.
     */
    enum View { METADATA_SERVICE, CONFIG_DRIVE }

    private final Instance instance;
    private final String hostname;
    private final Optional<String> networkConfigContentPath;
    private final ArrayNode files;
    private final boolean serviceServesFiles;

    /**
     * @param instance                 the instance
     * @param hostname                 the hostname as guests see it (with the dhcp domain)
     * @param networkConfigContentPath {@code /content/0000} when the interfaces template rendered
     * @param files                    the config drive's {@code files} entries ({@code path}, {@code content_path})
     * @param serviceServesFiles       whether the service view lists {@code files} too
     */
    MetaDataJson(Instance instance, String hostname, Optional<String> networkConfigContentPath, ArrayNode files,
                 boolean serviceServesFiles) {
        this.instance = instance;
        this.hostname = hostname;
        this.networkConfigContentPath = networkConfigContentPath;
        this.files = files;
        this.serviceServesFiles = serviceServesFiles;
    }

    SplicedJson build(OpenStackVersion version, View view) {
        List<Map.Entry<String, JsonNode>> before = new ArrayList<>();
        List<Map.Entry<String, JsonNode>> after = new ArrayList<>();
        before.add(member("uuid", JSON.textNode(instance.uuid().toString())));
        if (!instance.metadata().isEmpty()) {
            ObjectNode meta = JSON.objectNode();
            instance.metadata().forEach(meta::put);
            before.add(member("meta", meta));
        }
        if ((view == View.CONFIG_DRIVE || serviceServesFiles) && !files.isEmpty()) {
            before.add(member("files", files));
        }
        if (view == View.CONFIG_DRIVE) {
            // Nova's extra_md; Nova generates a password when none was given, we do not.
            instance.adminPass().ifPresent(pass -> before.add(member("admin_pass", JSON.textNode(pass))));
        }
        networkConfigContentPath.ifPresent(path -> {
            ObjectNode ref = JSON.objectNode();
            ref.put("name", NETWORK_CONFIG_NAME);
            ref.put("content_path", path);
            before.add(member(NETWORK_CONFIG_NAME, ref));
        });
        if (!instance.keys().isEmpty()) {
            ObjectNode publicKeys = JSON.objectNode();
            ArrayNode keys = JSON.arrayNode();
            for (KeyPair key : instance.keys()) {
                publicKeys.put(key.name(), key.publicKey());
                ObjectNode entry = keys.addObject();
                entry.put("name", key.name());
                entry.put("type", key.type());
                entry.put("data", key.publicKey());
            }
            before.add(member("public_keys", publicKeys));
            before.add(member("keys", keys));
        }
        before.add(member("hostname", JSON.textNode(hostname)));
        before.add(member("name", JSON.textNode(instance.name())));
        before.add(member("launch_index", JSON.numberNode(instance.launchIndex())));
        before.add(member("availability_zone", JSON.textNode(instance.availabilityZone())));
        if (version.atLeast(OpenStackVersion.LIBERTY)) {
            after.add(member("project_id", instance.projectId().<JsonNode>map(JSON::textNode).orElse(JSON.nullNode())));
        }
        if (version.atLeast(OpenStackVersion.NEWTON_ONE)) {
            after.add(member("devices", JSON.arrayNode()));
        }
        if (version.atLeast(OpenStackVersion.VICTORIA)) {
            after.add(member("dedicated_cpus", JSON.arrayNode()));
        }

        StringBuilder head = new StringBuilder(1024).append('{');
        appendMembers(head, before);
        if (!version.atLeast(OpenStackVersion.GRIZZLY)) {
            return SplicedJson.whole(ascii(head.append('}')));
        }
        head.append(", ");
        PythonJson.appendString(head, "random_seed");
        head.append(": \"");
        StringBuilder tail = new StringBuilder(128).append('"');
        for (Map.Entry<String, JsonNode> m : after) {
            tail.append(", ");
            PythonJson.appendMember(tail, m.getKey(), m.getValue());
        }
        tail.append('}');
        return SplicedJson.aroundSeed(ascii(head), ascii(tail));
    }

    private static void appendMembers(StringBuilder out, List<Map.Entry<String, JsonNode>> members) {
        for (int i = 0; i < members.size(); i++) {
            if (i > 0) {
                out.append(", ");
            }
            PythonJson.appendMember(out, members.get(i).getKey(), members.get(i).getValue());
        }
    }

    private static Map.Entry<String, JsonNode> member(String key, JsonNode value) {
        return new SimpleImmutableEntry<>(key, value);
    }

    private static byte[] ascii(CharSequence text) {
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
