package io.guestdata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.testkit.Command;
import io.guestdata.testkit.ToolTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ignition 2.14 (Debian's {@code ignition}), {@code --platform=openstack --stage=fetch}, in a guest whose
 * {@code 169.254.169.254:80} is the real {@code guestdata serve} ({@link MetadataAddressNetwork}). Its OpenStack
 * provider (internal/providers/openstack, v2.14.0) races the config drive ({@code /dev/disk/by-label/config-2} or
 * {@code CONFIG-2}, mounted with {@code mount -t auto}) against
 * {@code GET http://169.254.169.254/openstack/latest/user_data}. This host has no such disk (and its kernel no
 * iso9660 or vfat), so the service wins here; the drive's label ({@code config-2}, blkid) is pinned by {@link ConfigDriveImageTest}.
 * Ignition logs the SHA-512 of the bytes it parses, which shows it got exactly the document's user data; then:
 * Ignition JSON is cached (re-serialised by Ignition); cloud-config is "not valid" and the stage fails; no user
 * data (Nova's 404) is an empty config. Nova's service gives the same bytes and statuses, so Ignition does there
 * what it does here.
 */
@ToolTest
class IgnitionOpenStackTest {
    private static final String IGNITION = "/usr/lib/dracut/modules.d/30ignition/ignition";
    private static final String CONFIG = "{\"ignition\": {\"version\": \"3.3.0\"}, \"passwd\": {\"users\": [{\"name\": \"core\","
            + " \"sshAuthorizedKeys\": [\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEYeJO1kEijno8UIE3a+h+vLb5HPmUZd2ElS2BSMV/eF alice@example\"]}]},"
            + " \"storage\": {\"files\": [{\"path\": \"/etc/guestdata-ignition\", \"mode\": 420,"
            + " \"contents\": {\"source\": \"data:,from%20guestdata\"}}]}}";

    @TempDir
    Path dir;

    @BeforeEach
    void usable() {
        MetadataAddressNetwork.assumeUsable();
        assumeTrue(new java.io.File(IGNITION).canExecute(), "needs Debian's ignition 2.14 (tools/test-packages.sh)");
        assumeFalse(Files.exists(Path.of("/dev/disk/by-label/config-2")) || Files.exists(Path.of("/dev/disk/by-label/CONFIG-2")),
                "this host has a config drive of its own: Ignition would read it");
    }

    @Test
    void ignitionFetchesTheDocumentsUserDataFromTheServiceAndTreatsItAsAgainstNova() throws Exception {
        try (MetadataAddressNetwork net = MetadataAddressNetwork.create()) {
            // An Ignition config: fetched byte for byte, cached as Ignition's own serialisation of it.
            ObjectNode ignition = GuestAgentDocuments.full(MetadataAddressNetwork.GUEST);
            ignition.put("user_data", Base64.getEncoder().encodeToString(CONFIG.getBytes(StandardCharsets.UTF_8)));
            Run run = fetch(net, ignition, "ignition");
            assertEquals(0, run.result.exit(), run.result.stdout() + run.result.stderr());
            assertTrue(run.result.stdout().contains("GET http://169.254.169.254/openstack/latest/user_data: attempt #1"),
                    run.result.stdout());
            assertParsed(run, CONFIG.getBytes(StandardCharsets.UTF_8));
            JsonNode cached = GuestAgentDocuments.JSON.readTree(Files.readString(run.cache));
            JsonNode sent = GuestAgentDocuments.JSON.readTree(CONFIG);
            assertEquals(sent.at("/storage/files/0/path"), cached.at("/storage/files/0/path"), cached.toString());
            assertEquals(sent.at("/storage/files/0/contents/source"), cached.at("/storage/files/0/contents/source"));
            assertEquals(sent.at("/storage/files/0/mode"), cached.at("/storage/files/0/mode"));
            assertEquals(sent.at("/passwd/users/0"), cached.at("/passwd/users/0"));

            // cloud-config (full.json's own user data): Ignition got it as it is and refuses it, as from Nova.
            ObjectNode cloudConfig = GuestAgentDocuments.full(MetadataAddressNetwork.GUEST);
            run = fetch(net, cloudConfig, "cloud-config");
            assertEquals(1, run.result.exit(), run.result.stdout());
            assertParsed(run, GuestAgentDocuments.userData(cloudConfig));
            assertTrue(run.result.stdout().contains("CRITICAL : Ignition failed: config is not valid"), run.result.stdout());
            assertFalse(Files.exists(run.cache), "no config cached");

            // No user data: /openstack/latest/user_data is a 404, as in Nova; Ignition goes on with an empty config.
            ObjectNode none = GuestAgentDocuments.full(MetadataAddressNetwork.GUEST);
            none.remove("user_data");
            run = fetch(net, none, "none");
            assertEquals(0, run.result.exit(), run.result.stdout() + run.result.stderr());
            assertTrue(run.result.stdout().contains("provider config was empty, continuing with empty cache config"),
                    run.result.stdout());
            assertEquals("3.4.0-experimental", GuestAgentDocuments.JSON.readTree(Files.readString(run.cache))
                    .at("/ignition/version").asText());
            assertTrue(GuestAgentDocuments.JSON.readTree(Files.readString(run.cache)).at("/storage/files").isMissingNode());
        }
    }

    private record Run(Command.Result result, Path cache) {
    }

    /** serve (address mode) with {@code doc} at 169.254.169.254:80, and Ignition's fetch stage in the guest. */
    private Run fetch(MetadataAddressNetwork net, ObjectNode doc, String name) throws Exception {
        Path work = Files.createDirectories(dir.resolve(name));
        GuestAgentDocuments.Stored stored = GuestAgentDocuments.store(work.resolve("data"), doc);
        try (ServeProcess serve = ServeProcess.start(net.onMetadataSide(), MetadataAddressNetwork.METADATA + ":80", work,
                Map.of(), "--data-dir", stored.data().toString())) {
            Path cache = work.resolve("ignition.json");
            Command.Result r = net.inGuest(120, IGNITION, "--platform=openstack", "--stage=fetch", "--log-to-stdout",
                    "--fetch-timeout", "60s", "--config-cache", cache.toString(),
                    "--state-file", work.resolve("state").toString(), "--root", Files.createDirectories(work.resolve("root")).toString());
            return new Run(r, cache);
        }
    }

    /** Ignition's log of the bytes it parsed: their SHA-512 is that of {@code bytes}. */
    private static void assertParsed(Run run, byte[] bytes) throws Exception {
        String sha512 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-512").digest(bytes));
        assertTrue(run.result.stdout().contains("parsing config with SHA512: " + sha512), run.result.stdout());
    }
}
