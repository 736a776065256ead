package io.guestdata.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.store.Store;
import io.guestdata.store.Stores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.UUID;

/** The instance documents the other guest agents' tests serve: {@code instances/full.json} at a given address. */
final class GuestAgentDocuments {
    static final ObjectMapper JSON = new ObjectMapper();

    private GuestAgentDocuments() {
    }

    /**
     * {@code instances/full.json} with its IPv4 network at {@code address} (/24, no routes): in address mode the
     * service knows the guest by it.
     */
    static ObjectNode full(String address) throws Exception {
        ObjectNode doc = (ObjectNode) JSON.readTree(CloudInitReadsConfigDriveTreeTest.resource("instances/full.json").toFile());
        ObjectNode ipv4 = (ObjectNode) doc.get("network_data").get("networks").get(0);
        ipv4.put("ip_address", address);
        ipv4.putArray("routes");
        return doc;
    }

    /** The document's user data, decoded. */
    static byte[] userData(ObjectNode doc) {
        return Base64.getDecoder().decode(doc.get("user_data").asText());
    }

    /** The instance as a SQLite store in {@code data} holds it, with the EC2 ids the store allocated. */
    record Stored(Path data, String instanceId, String amiId) {
    }

    /** Creates the instance in a new SQLite store at {@code data} (what {@code serve --data-dir data} serves). */
    static Stored store(Path data, ObjectNode doc) throws Exception {
        try (Store store = Stores.open("sqlite:" + data)) {
            store.instances().create(doc.toString().getBytes(StandardCharsets.UTF_8));
            return new Stored(data, String.format("i-%08x", store.ec2Ids().instanceId(UUID.fromString(doc.get("uuid").asText()))),
                    doc.has("image_id") ? String.format("ami-%08x", store.ec2Ids().imageId(doc.get("image_id").asText())) : null);
        }
    }
}
