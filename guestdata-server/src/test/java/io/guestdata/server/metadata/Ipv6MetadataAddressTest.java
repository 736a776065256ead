package io.guestdata.server.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.guestdata.core.Instance;
import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.server.metadata.dev.InMemoryInstanceDirectory;
import io.guestdata.server.metadata.dev.InMemoryPasswordStore;
import io.guestdata.server.proxy.MetadataProxy;
import io.guestdata.server.proxy.MetadataProxyConfig;
import io.guestdata.testkit.ToolTest;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Neutron's IPv6 metadata address, {@code fe80::a9fe:a9fe}, on a real guest-facing bridge with real guests in
 * their own network namespaces ({@link LinkLocalNetwork}; root only): cloud-init's request
 * {@code http://[fe80::a9fe:a9fe%eth0]/openstack} reaches {@code guestdata proxy} and {@code guestdata serve}
 * (address mode), each listening on that address and on an IPv4 address at once, and every guest gets its own
 * instance or 404.
 */
@ToolTest
class Ipv6MetadataAddressTest {
    private static final String SECRET = "neutron-shared-secret";
    private static final String A = "b65cee2f-8c69-4aeb-be2f-f79742548fc2";
    private static final String B = "0f5c2b8e-1d2a-4c3b-9e8f-7a6b5c4d3e2f";
    private static final String META = "/openstack/latest/meta_data.json";

    @BeforeEach
    void root() {
        LinkLocalNetwork.assumeUsable();
    }

    @Test
    void theProxyAnswersGuestsAtFe80A9feA9feAndAt169254OnTheSameBridge() throws Exception {
        Fixtures.assumePython(); // cloud-init reads through the proxy too
        InMemoryInstanceDirectory directory = new InMemoryInstanceDirectory(MetadataOptions.defaults());
        directory.put(instance(A, "project-a", ""));
        directory.put(instance(B, "project-b", ""));
        try (LinkLocalNetwork net = LinkLocalNetwork.create('a', 'b');
             MetadataServer service = MetadataServer.start(MetadataServerConfig.builder()
                     .listen(new InetSocketAddress("127.0.0.1", 0)).noManagement()
                     .mode(IdentificationMode.PROXY).sharedSecret(SECRET).build(), directory, new InMemoryPasswordStore());
             MetadataProxy proxy = MetadataProxy.start(MetadataProxyConfig.builder()
                     .listen(HostPort.parse(net.metadataV6(0)), HostPort.parse(LinkLocalNetwork.METADATA_V4 + ":0"))
                     .upstream(new InetSocketAddress("127.0.0.1", service.port()))
                     .sharedSecret(SECRET)
                     // Written as an operator might: full form with a zone, bracketed, IPv4.
                     .map("fe80:0:0:0:0:0:0:a%eth0=" + A + ":project-a")
                     .map("[fe80::b]=" + B + ":project-b")
                     .map(LinkLocalNetwork.ipv4('a') + "=" + A + ":project-a")
                     .reloadInterval(Duration.ofHours(1)).build())) {
            String v6 = "http://[fe80::a9fe:a9fe%25eth0]:" + proxy.ports().get(0);
            String v4 = "http://" + LinkLocalNetwork.METADATA_V4 + ":" + proxy.ports().get(1);

            // The guest's own link-local address (the kernel's choice for a link-local destination) identifies it.
            assertEquals(A, uuid(net.curl('a', null, v6 + META)));
            assertEquals(B, uuid(net.curl('b', null, v6 + META)));
            // Host as HTTP clients write a scoped address (Python's http.client keeps the zone as it is).
            for (String host : List.of("[fe80::a9fe:a9fe%eth0]", "[fe80::a9fe:a9fe%25eth0]:80", "[fe80::a9fe:a9fe]")) {
                assertEquals(A, uuid(net.curl('a', null, v6 + META, "Host: " + host), host));
            }
            // cloud-init's own OpenStack datasource, in the guest, given the IPv6 metadata URL.
            JsonNode ci = Fixtures.MAPPER.readTree(net.inGuest('b', Fixtures.SYSTEM_PYTHON,
                    Fixtures.repoRoot().resolve("tools/consumers/cloudinit_openstack_http.py").toString(), v6));
            assertEquals(true, ci.get("claimed").asBoolean(), ci.toString());
            assertEquals(B, ci.get("instance_id").asText());
            assertEquals("project-b", ci.get("project_id").asText());
            // The service got the guest's address in X-Forwarded-For, compressed and without a zone.
            assertEquals("fe80::a", net.curl('a', null, v6 + "/latest/meta-data/local-ipv4").body());
            // An address of the same guest that is not mapped: 404, never another guest's data.
            assertEquals(404, net.curl('b', LinkLocalNetwork.global('b'), v6 + META).status());
            // IPv4 on the same proxy at the same time.
            assertEquals(A, uuid(net.curl('a', null, v4 + META)));
            assertEquals(404, net.curl('b', null, v4 + META).status());
            assertEquals(B, uuid(net.curl('b', null, v6 + META)), "still answered on IPv6");
        }
    }

    @Test
    void addressModeIdentifiesAGuestByItsFixedIpv6Address() throws Exception {
        InMemoryInstanceDirectory directory = new InMemoryInstanceDirectory(MetadataOptions.defaults());
        // A's IPv6 fixed address written in full form; the guest's packets carry the compressed one.
        directory.put(instance(A, "project-a", network(LinkLocalNetwork.ipv4('a'), "fd00:77:0:0:0:0:0:a")));
        directory.put(instance(B, "project-b", network(null, LinkLocalNetwork.global('b'))));
        try (LinkLocalNetwork net = LinkLocalNetwork.create('a', 'b');
             MetadataServer service = MetadataServer.start(MetadataServerConfig.builder()
                     .listen(HostPort.parse(net.metadataV6(0)), HostPort.parse(LinkLocalNetwork.METADATA_V4 + ":0"))
                     .noManagement().build(), directory, new InMemoryPasswordStore())) {
            String v6 = "http://[fe80::a9fe:a9fe%25eth0]:" + service.ports().get(0);
            String v4 = "http://" + LinkLocalNetwork.METADATA_V4 + ":" + service.ports().get(1);

            assertEquals(A, uuid(net.curl('a', LinkLocalNetwork.global('a'), v6 + META)));
            assertEquals(B, uuid(net.curl('b', LinkLocalNetwork.global('b'), v6 + META)));
            assertEquals(B, uuid(net.curl('b', LinkLocalNetwork.global('b'), v6 + META, "Host: [fe80::a9fe:a9fe%eth0]")));
            assertEquals(A, uuid(net.curl('a', null, v4 + META)), "IPv4 on the same service at the same time");
            // Addresses no instance has: 404.
            assertEquals(404, net.curl('b', null, v6 + META).status(), "b's link-local address is not a fixed address");
            assertEquals(404, net.curl('b', null, v4 + META).status());
        }
    }

    private static String uuid(LinkLocalNetwork.Answer answer) throws Exception {
        return uuid(answer, "");
    }

    private static String uuid(LinkLocalNetwork.Answer answer, String what) throws Exception {
        assertEquals(200, answer.status(), what + ": " + answer.body());
        JsonNode meta = Fixtures.MAPPER.readTree(answer.body());
        return meta.get("uuid").asText();
    }

    /** network_data with a static IPv4 network (when {@code v4} is not null) and a static IPv6 one. */
    private static String network(String v4, String v6) {
        String link = "{\"id\": \"eth0\", \"type\": \"phy\", \"mtu\": 1500, \"ethernet_mac_address\": \"fa:16:3e:00:00:01\"}";
        String ipv4 = v4 == null ? "" : "{\"id\": \"network0\", \"type\": \"ipv4\", \"link\": \"eth0\", \"ip_address\": \""
                + v4 + "\", \"netmask\": \"255.255.255.0\", \"routes\": [], \"network_id\": \"net\", \"services\": []}, ";
        String ipv6 = "{\"id\": \"network1\", \"type\": \"ipv6\", \"link\": \"eth0\", \"ip_address\": \"" + v6
                + "\", \"netmask\": \"ffff:ffff:ffff:ffff::\", \"routes\": [], \"network_id\": \"net\", \"services\": []}";
        return ", \"network_data\": {\"links\": [" + link + "], \"networks\": [" + ipv4 + ipv6 + "], \"services\": []}";
    }

    private static Instance instance(String uuid, String project, String networkData) throws Exception {
        return Fixtures.parse("{\"uuid\": \"" + uuid + "\", \"name\": \"guest-" + uuid.charAt(0) + "\", \"project_id\": \""
                + project + "\"" + networkData + "}");
    }
}
