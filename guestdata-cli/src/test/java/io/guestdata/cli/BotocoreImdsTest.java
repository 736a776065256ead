package io.guestdata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.testkit.Command;
import io.guestdata.testkit.NovaOracle;
import io.guestdata.testkit.ToolTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * botocore's own IMDS fetchers (Debian 12's python3-botocore 1.29 and Debian 13's 1.37, {@code tools/consumers/botocore_imds.py}) against
 * the real {@code guestdata serve} under each {@code imds-tokens} policy. botocore PUTs {@code latest/api/token}
 * first; a 403/404/405 there means "no IMDSv2" and it goes on without a token (botocore/utils.py,
 * {@code IMDSFetcher._fetch_metadata_token}). So with {@code optional} and {@code required} (AWS's
 * {@code HttpTokens}) every GET carries the token, and with {@code off} (Nova, whose EC2 tree has no
 * {@code api/token}: 404) none does; in every case it reads what the document holds. The instance has no IAM role:
 * {@code iam/security-credentials/} is a 404, as on an EC2 instance without one, and the credential chain's
 * instance-metadata step gives no credentials and no exception.
 */
@ToolTest
class BotocoreImdsTest {
    private static final String INSTANCE_ID = "latest/meta-data/instance-id";
    private static final String USER_DATA = "latest/user-data";
    private static final String FIRST_KEY = "latest/meta-data/public-keys/0/openssh-key";
    private static final String ZONE = "latest/meta-data/placement/availability-zone";
    private static final String LOCAL_IPV4 = "latest/meta-data/local-ipv4";

    @TempDir
    Path dir;

    @ParameterizedTest(name = "Debian {0}, imds-tokens {1}")
    @CsvSource({"12, optional", "12, required", "12, off", "13, optional", "13, required", "13, off"})
    void botocoreReadsTheDocumentWithTheTokenWhenOneIsIssuedAndWithoutWhenNot(String debian, String policy)
            throws Exception {
        NovaOracle.assumeDebian(debian);
        ObjectNode doc = GuestAgentDocuments.full("127.0.0.1"); // the address botocore's requests come from
        GuestAgentDocuments.Stored stored = GuestAgentDocuments.store(dir.resolve("data"), doc);
        JsonNode got;
        try (ServeProcess serve = ServeProcess.start(dir, Map.of(), "--data-dir", stored.data().toString(),
                "--imds-tokens", policy)) {
            Command.Result r = Tool.debianPython(debian, "tools/consumers/botocore_imds.py", "http://127.0.0.1:" + serve.port + "/",
                    INSTANCE_ID, USER_DATA, FIRST_KEY, ZONE, LOCAL_IPV4);
            assertEquals(0, r.exit(), r.stderr() + "\n" + serve.output());
            got = r.json();
        }
        boolean tokens = !policy.equals("off");

        // What botocore read is the document's.
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put(INSTANCE_ID, stored.instanceId());
        expected.put(USER_DATA, new String(GuestAgentDocuments.userData(doc), StandardCharsets.UTF_8));
        expected.put(FIRST_KEY, doc.get("public_keys").get("alice").asText());
        String zone = doc.get("availability_zone").asText();
        expected.put(ZONE, zone);
        expected.put(LOCAL_IPV4, "127.0.0.1");
        for (Map.Entry<String, String> e : expected.entrySet()) {
            JsonNode value = got.get("values_b64").get(e.getKey());
            assertFalse(value.isNull(), e.getKey() + ": botocore gave up: " + got);
            assertEquals(e.getValue(), new String(Base64.getDecoder().decode(value.asText()), StandardCharsets.UTF_8),
                    e.getKey());
        }
        // The region is the zone without its last letter (botocore's rule, made for us-east-1a).
        assertEquals(zone.substring(0, zone.length() - 1), got.get("region").asText(), got.toString());
        assertEquals(tokens, got.get("token").asBoolean(), got.toString());

        // No IAM role: no credentials, no exception; the two requests an EC2 instance without a role sees.
        assertTrue(got.get("credentials").isNull(), got.toString());
        JsonNode credentialRequests = got.get("credential_requests");
        assertEquals(2, credentialRequests.size(), credentialRequests.toString());
        assertTokenPut(credentialRequests.get(0), tokens);
        assertGet(credentialRequests.get(1), "/latest/meta-data/iam/security-credentials/", tokens, 404);

        for (String phase : List.of("region_requests", "value_requests")) {
            JsonNode requests = got.get(phase);
            assertTokenPut(requests.get(0), tokens);
            for (int i = 1; i < requests.size(); i++) {
                assertEquals(200, requests.get(i).get("status").asInt(), requests.get(i).toString());
                assertEquals(tokens, requests.get(i).get("token").asBoolean(), requests.get(i).toString());
            }
        }
    }

    /** botocore's PUT with its TTL of 21600 s: issued (200), or Nova's 404 for a path its EC2 tree does not have. */
    private static void assertTokenPut(JsonNode request, boolean tokens) {
        assertEquals("PUT", request.get("method").asText(), request.toString());
        assertTrue(request.get("url").asText().endsWith("/latest/api/token"), request.toString());
        assertEquals("21600", request.get("ttl").asText(), request.toString());
        assertEquals(tokens ? 200 : 404, request.get("status").asInt(), request.toString());
    }

    private static void assertGet(JsonNode request, String path, boolean token, int status) {
        assertEquals("GET", request.get("method").asText(), request.toString());
        assertTrue(request.get("url").asText().endsWith(path), request.toString());
        assertEquals(token, request.get("token").asBoolean(), request.toString());
        assertEquals(status, request.get("status").asInt(), request.toString());
    }
}
