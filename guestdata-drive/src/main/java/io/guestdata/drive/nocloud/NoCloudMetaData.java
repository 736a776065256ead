package io.guestdata.drive.nocloud;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Base64;

/**
 * A NoCloud {@code meta-data} document made from the instance's OpenStack {@code meta_data.json}, holding
 * what cloud-init's ConfigDrive datasource takes from that file, under the names the NoCloud datasource
 * (and {@code cloudinit.sources.DataSource}) reads:
 *
 * <table>
 *   <tr><th>meta-data</th><th>from meta_data.json</th><th>cloud-init use</th></tr>
 *   <tr><td>{@code instance-id}</td><td>{@code uuid}</td><td>instance identity (first-boot detection)</td></tr>
 *   <tr><td>{@code local-hostname}</td><td>{@code hostname}: the host name with the dhcp domain, as the
 *       ConfigDrive guest gets it, so both set the same short name and FQDN</td><td>hostname, /etc/hosts</td></tr>
 *   <tr><td>{@code public-keys}</td><td>{@code public_keys} values, in order</td><td>authorized_keys</td></tr>
 *   <tr><td>{@code availability-zone}</td><td>{@code availability_zone}</td><td>{@code availability_zone}</td></tr>
 *   <tr><td>{@code dsmode}</td><td>{@code meta.dsmode}, when the user metadata has it (the ConfigDrive
 *       reader honours it the same way)</td><td>datasource mode</td></tr>
 *   <tr><td>{@code random_seed}</td><td>{@code random_seed}, decoded: YAML {@code !!binary}, the bytes the
 *       ConfigDrive reader decodes</td><td>{@code cc_seed_random} seeds the guest's RNG with it</td></tr>
 * </table>
 *
 * Not carried: {@code launch_index} (the ConfigDrive datasource does not map it to {@code launch-index}
 * either, so user data parts are not filtered by it on either), user metadata other than
 * {@code dsmode} (cloud-init uses none of it), {@code admin_pass}, {@code files}, {@code devices}.
 */
final class NoCloudMetaData {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private NoCloudMetaData() {
    }

    static ObjectNode of(JsonNode metaDataJson) {
        ObjectNode md = JSON.objectNode();
        md.put("instance-id", metaDataJson.path("uuid").asText());
        JsonNode hostname = metaDataJson.get("hostname");
        if (hostname != null && hostname.isTextual()) {
            md.put("local-hostname", hostname.asText());
        }
        ArrayNode keys = md.putArray("public-keys");
        JsonNode publicKeys = metaDataJson.get("public_keys");
        if (publicKeys != null && publicKeys.isObject()) {
            publicKeys.forEach(key -> keys.add(key.deepCopy()));
        }
        JsonNode zone = metaDataJson.get("availability_zone");
        if (zone != null && !zone.isNull()) {
            md.set("availability-zone", zone.deepCopy());
        }
        JsonNode dsmode = metaDataJson.path("meta").get("dsmode");
        if (dsmode != null) {
            md.set("dsmode", dsmode.deepCopy());
        }
        JsonNode seed = metaDataJson.get("random_seed");
        if (seed != null && seed.isTextual()) {
            md.set("random_seed", BinaryNode.valueOf(Base64.getDecoder().decode(seed.asText())));
        }
        return md;
    }
}
