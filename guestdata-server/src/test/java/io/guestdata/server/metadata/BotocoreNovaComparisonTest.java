package io.guestdata.server.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.core.metadata.NovaRelease;
import io.guestdata.server.metadata.dev.InMemoryInstanceDirectory;
import io.guestdata.server.metadata.dev.InMemoryPasswordStore;
import io.guestdata.testkit.Command;
import io.guestdata.testkit.NovaOracle;
import io.guestdata.testkit.ToolTest;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * botocore's own IMDS fetchers ({@code tools/consumers/botocore_imds.py}) get the same from our service with
 * {@code imds-tokens} off as from Nova's own metadata server ({@link NovaServer}) for the same instance: the same
 * requests (a token PUT answered 404, then IMDSv1 reads), the same statuses, the same bytes, no credentials. The
 * policies with tokens, and the real {@code guestdata serve}, are guestdata-cli's BotocoreImdsTest.
 */
@ToolTest
class BotocoreNovaComparisonTest {
    /** botocore connects from 127.0.0.1 to a service on 127.0.0.1; Nova's fake Neutron maps that address. */
    private static final String GUEST = "127.0.0.1";
    private static final List<String> PATHS = List.of("latest/meta-data/instance-id", "latest/meta-data/ami-id",
            "latest/user-data", "latest/meta-data/public-keys/0/openssh-key", "latest/meta-data/placement/availability-zone",
            "latest/meta-data/local-ipv4", "latest/meta-data/hostname", "latest/meta-data/block-device-mapping/root");

    @Test
    void botocoreReadsOurServiceWithoutTokensAsItReadsNovas() throws Exception {
        Fixtures.assumePython();
        InMemoryInstanceDirectory directory = new InMemoryInstanceDirectory(
                MetadataOptions.defaults().withNovaRelease(NovaRelease.NOVA_26));
        directory.put(Fixtures.instance("full"), List.of(InetAddress.getByName(GUEST)));
        JsonNode ours;
        JsonNode nova;
        try (MetadataServer server = MetadataServer.start(TestServers.config().tokens(TokenPolicy.OFF).build(), directory,
                new InMemoryPasswordStore())) {
            ours = botocore(server.port());
        }
        try (NovaServer server = new NovaServer("full", GUEST)) {
            nova = botocore(server.port());
        }
        assertEquals(nova, ours);
        assertEquals(404, ours.at("/credential_requests/0/status").asInt(), ours.toString()); // it did ask for a token
        assertEquals(PATHS.size(), ours.get("values_b64").size());
    }

    /** botocore_imds.py's reading of 127.0.0.1:port, with the port taken out of the URLs it recorded. */
    private static JsonNode botocore(int port) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("http://" + GUEST + ":" + port + "/"));
        args.addAll(PATHS);
        Command.Result r = NovaOracle.debianPython("12", "tools/consumers/botocore_imds.py", args.toArray(String[]::new)).run();
        assertEquals(0, r.exit(), r.stderr());
        return Fixtures.MAPPER.readTree(r.stdout().replace(":" + port + "/", ":PORT/"));
    }
}
