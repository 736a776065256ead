package io.guestdata.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.testkit.Command;
import io.guestdata.testkit.ToolTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * cloud-utils' {@code ec2metadata} (Debian's cloud-guest-utils 0.33), run in a guest whose
 * {@code 169.254.169.254:80} is the real {@code guestdata serve} ({@link MetadataAddressNetwork}): it must be that
 * address, because {@code ec2metadata} PUTs {@code /latest/api/token} to {@code 169.254.169.254} whatever its
 * {@code --url} says, and treats any error there as fatal (urllib's HTTPError, exit 1). So it reads the document
 * with {@code imds-tokens} {@code optional} (the default) and {@code required}, and fails with {@code off} exactly
 * as against Nova's service, whose EC2 tree has no {@code api/token} (404).
 */
@ToolTest
class Ec2MetadataCommandTest {
    private static final String EC2METADATA = "/usr/bin/ec2metadata";

    @TempDir
    Path dir;

    @BeforeEach
    void root() {
        MetadataAddressNetwork.assumeUsable();
        org.junit.jupiter.api.Assumptions.assumeTrue(new java.io.File(EC2METADATA).canExecute(),
                "needs cloud-utils' ec2metadata (Debian cloud-guest-utils, in tools/test-packages.sh)");
    }

    @Test
    void ec2metadataPrintsTheDocumentsValuesWithTokensOptionalOrRequiredAndFailsWithoutLikeAgainstNova() throws Exception {
        ObjectNode doc = GuestAgentDocuments.full(MetadataAddressNetwork.GUEST);
        GuestAgentDocuments.Stored stored = GuestAgentDocuments.store(dir.resolve("data"), doc);
        List<String> keys = new ArrayList<>();
        doc.get("public_keys").elements().forEachRemaining(k -> keys.add(k.asText()));
        List<String> groups = new ArrayList<>();
        doc.get("security_groups").elements().forEachRemaining(g -> groups.add(g.asText()));

        // Each value as ec2metadata prints it: print(value), a list as Python writes one.
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("--instance-id", stored.instanceId() + "\n");
        expected.put("--ami-id", stored.amiId() + "\n");
        expected.put("--local-ipv4", MetadataAddressNetwork.GUEST + "\n");
        expected.put("--availability-zone", doc.get("availability_zone").asText() + "\n");
        expected.put("--instance-type", doc.get("instance_type").asText() + "\n");
        expected.put("--ami-launch-index", doc.get("launch_index").asText() + "\n");
        expected.put("--security-groups", String.join("\n", groups) + "\n");
        expected.put("--public-keys", "['" + String.join("', '", keys) + "']\n");
        expected.put("--kernel-id", "unavailable\n"); // Nova has none without a kernel image: a 404

        try (MetadataAddressNetwork net = MetadataAddressNetwork.create()) {
            for (String policy : List.of("optional", "required")) {
                try (ServeProcess serve = serve(net, stored, policy)) {
                    for (Map.Entry<String, String> e : expected.entrySet()) {
                        Command.Result r = net.inGuest(60, EC2METADATA, e.getKey());
                        assertEquals(0, r.exit(), policy + " " + e.getKey() + ": " + r.stderr() + serve.output());
                        assertEquals(e.getValue(), r.stdout(), policy + " " + e.getKey());
                    }
                    // The user data is written as bytes, nothing added.
                    Command.Result r = net.inGuest(60, EC2METADATA, "--user-data");
                    assertEquals(0, r.exit(), r.stderr());
                    assertArrayEquals(GuestAgentDocuments.userData(doc), r.stdout().getBytes(StandardCharsets.UTF_8), policy);
                }
            }
            try (ServeProcess serve = serve(net, stored, "off")) {
                Command.Result r = net.inGuest(60, EC2METADATA, "--instance-id");
                assertEquals(1, r.exit(), r.stdout());
                assertTrue(r.stderr().contains("urllib.error.HTTPError: HTTP Error 404: Not Found"), r.stderr());
                assertTrue(r.stderr().contains("_imdsv2_ensure_token"), "it is the token PUT that fails: " + r.stderr());
            }
        }
    }

    private ServeProcess serve(MetadataAddressNetwork net, GuestAgentDocuments.Stored stored, String policy)
            throws Exception {
        return ServeProcess.start(net.onMetadataSide(), MetadataAddressNetwork.METADATA + ":80", dir, Map.of(),
                "--data-dir", stored.data().toString(), "--imds-tokens", policy);
    }
}
