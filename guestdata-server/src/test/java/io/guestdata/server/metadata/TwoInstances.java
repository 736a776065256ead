package io.guestdata.server.metadata;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.core.Instance;
import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.server.metadata.dev.InMemoryInstanceDirectory;
import java.net.InetAddress;
import java.nio.file.Files;
import java.util.List;

/**
 * Two instances in different projects, A on 127.0.0.21 and B on 127.0.0.22, each with its own markers (name,
 * user data, metadata) so a body can be checked for the other's data.
 */
final class TwoInstances {
    static final String A_ADDRESS = "127.0.0.21";
    static final String B_ADDRESS = "127.0.0.22";
    static final String A_PROJECT = "project-a";
    static final String B_PROJECT = "project-b";

    final Instance a;
    final Instance b;
    final InMemoryInstanceDirectory directory = new InMemoryInstanceDirectory(MetadataOptions.defaults());

    TwoInstances() throws Exception {
        a = instance("full", "alpha-host", A_PROJECT, "user data of A");
        b = instance("nonascii", "bravo-host", B_PROJECT, "user data of B");
        directory.put(a, List.of(InetAddress.getByName(A_ADDRESS)));
        directory.put(b, List.of(InetAddress.getByName(B_ADDRESS)));
    }

    private static Instance instance(String doc, String name, String project, String userData) throws Exception {
        ObjectNode json = (ObjectNode) Fixtures.MAPPER.readTree(Files.readAllBytes(Fixtures.novaDocument(doc)));
        json.put("name", name);
        json.put("hostname", name);
        json.put("project_id", project);
        json.put("user_data", java.util.Base64.getEncoder().encodeToString(userData.getBytes()));
        json.putObject("metadata").put("owner", name);
        return Fixtures.parse(Fixtures.MAPPER.writeValueAsBytes(json));
    }

    /** Strings only B's data contains. */
    List<String> markersOf(Instance i) {
        return List.of(i.uuid().toString(), i.hostname(), "user data of " + (i == a ? "A" : "B"),
                i.projectId().orElseThrow(), "i-" + i.uuid().toString().substring(0, 8));
    }

    Instance other(Instance i) {
        return i == a ? b : a;
    }
}
