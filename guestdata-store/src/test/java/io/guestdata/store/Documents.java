package io.guestdata.store;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Instance documents for tests, built as JSON text. */
public final class Documents {

    private final UUID uuid;
    private String name = "test";
    private String project;
    private String keyName;
    private String imageId;
    private final List<String> addresses = new ArrayList<>();
    private final List<String> metadata = new ArrayList<>();

    private Documents(UUID uuid) {
        this.uuid = uuid;
    }

    public static Documents instance(UUID uuid) {
        return new Documents(uuid);
    }

    public static Documents instance() {
        return new Documents(UUID.randomUUID());
    }

    public Documents name(String value) {
        this.name = value;
        return this;
    }

    public Documents project(String value) {
        this.project = value;
        return this;
    }

    public Documents keyName(String value) {
        this.keyName = value;
        return this;
    }

    public Documents image(String value) {
        this.imageId = value;
        return this;
    }

    /** A static network with this fixed address (IPv4 or IPv6). */
    public Documents address(String value) {
        addresses.add(value);
        return this;
    }

    public Documents meta(String key, String value) {
        metadata.add("\"" + key + "\": \"" + value + "\"");
        return this;
    }

    public UUID uuid() {
        return uuid;
    }

    public String json() {
        StringBuilder json = new StringBuilder("{\"uuid\": \"" + uuid + "\", \"name\": \"" + name + "\"");
        if (project != null) {
            json.append(", \"project_id\": \"").append(project).append('"');
        }
        if (keyName != null) {
            json.append(", \"key_name\": \"").append(keyName).append('"');
        }
        if (imageId != null) {
            json.append(", \"image_id\": \"").append(imageId).append('"');
        }
        if (!metadata.isEmpty()) {
            json.append(", \"metadata\": {").append(String.join(", ", metadata)).append('}');
        }
        if (!addresses.isEmpty()) {
            json.append(", \"network_data\": {\"links\": [{\"id\": \"eth0\", \"type\": \"phy\","
                    + " \"ethernet_mac_address\": \"fa:16:3e:00:00:01\"}], \"networks\": [");
            for (int i = 0; i < addresses.size(); i++) {
                String address = addresses.get(i);
                String type = address.contains(":") ? "ipv6" : "ipv4";
                String mask = address.contains(":") ? "ffff:ffff:ffff:ffff::" : "255.255.255.0";
                json.append(i == 0 ? "" : ", ").append("{\"id\": \"net").append(i).append("\", \"type\": \"")
                        .append(type).append("\", \"link\": \"eth0\", \"ip_address\": \"").append(address)
                        .append("\", \"netmask\": \"").append(mask).append("\"}");
            }
            json.append("]}");
        }
        return json.append('}').toString();
    }

    public byte[] bytes() {
        return json().getBytes(StandardCharsets.UTF_8);
    }
}
