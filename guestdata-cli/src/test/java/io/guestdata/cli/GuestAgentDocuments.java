package io.guestdata.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

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
}
