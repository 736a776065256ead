package io.guestdata.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.testkit.Command;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The instance a boot delivers: fresh values every run (uuid, key pair, nonce, password, file bytes), so
 * nothing a guest shows can come from an earlier run or from the image.
 */
final class TestInstance {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    final String uuid = UUID.randomUUID().toString();
    final String project = HexFormat.of().formatHex(randomBytes(16));
    final String name;
    final String hostname;
    final String mac;
    /** The guest's static address from network_data: IPv4 (/24), or IPv6 (/64) for an IPv6-only instance. */
    final String address;
    final boolean ipv6;
    final int prefix;
    final String gateway;
    /** The DNS server network_data names, or null (none). */
    final String dns;
    final String nonce = HexFormat.of().formatHex(randomBytes(12));
    final String publicKey;
    /** Root's password hash set by the user data (chpasswd), and the admin password (disk injection). */
    final String rootHash;
    final String adminPass = "Adm-" + HexFormat.of().formatHex(randomBytes(6));
    /** Injected files: guest path → bytes (binary on purpose). */
    final Map<String, byte[]> files = new LinkedHashMap<>();
    /** The document's root_device_name, or null to leave it out (the default, /dev/vda). */
    String rootDeviceName;
    /** The document's user data in place of the cloud-config {@link #userData()} writes, or null for that one. */
    String customUserData;

    /** An instance with a static IPv4 address (/24). */
    TestInstance(String name, String address, String gateway, String dns, Path dir) {
        this(name, address, false, gateway, dns, dir);
    }

    /** An instance whose network_data has only a static IPv6 address (/64) and no DNS server. */
    static TestInstance ipv6Only(String name, String address, String gateway, Path dir) {
        return new TestInstance(name, address, true, gateway, null, dir);
    }

    private TestInstance(String name, String address, boolean ipv6, String gateway, String dns, Path dir) {
        this.name = name;
        this.hostname = name; // already a valid host name: Nova's sanitising leaves it as it is
        this.address = address;
        this.ipv6 = ipv6;
        this.prefix = ipv6 ? 64 : 24;
        this.gateway = gateway;
        this.dns = dns;
        byte[] m = randomBytes(3);
        this.mac = String.format("fa:16:3e:%02x:%02x:%02x", m[0] & 0xff, m[1] & 0xff, m[2] & 0xff);
        this.publicKey = generateKey(dir);
        this.rootHash = Command.run(Duration.ofSeconds(30), List.of("openssl", "passwd", "-6", "-salt",
                HexFormat.of().formatHex(randomBytes(8)), "root-" + nonce)).ok().stdout().strip();
        byte[] blob = randomBytes(300);
        blob[0] = 0;
        blob[1] = (byte) 0xff;
        files.put("/etc/guestdata-e2e/blob.bin", blob);
        files.put("/etc/guestdata-e2e/hello.txt", ("hello from guestdata, nonce " + nonce + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The link-local address the guest's kernel forms from its MAC (EUI-64, RFC 4291 appendix A: ff:fe in the
     * middle, the universal/local bit flipped), the source of its requests to {@code fe80::a9fe:a9fe}.
     */
    String linkLocalAddress() {
        int[] m = java.util.Arrays.stream(mac.split(":")).mapToInt(h -> Integer.parseInt(h, 16)).toArray();
        return String.format("fe80::%x:%x:%x:%x", ((m[0] ^ 0x02) << 8) | m[1], (m[2] << 8) | 0xff, 0xfe00 | m[3],
                (m[4] << 8) | m[5]);
    }

    /**
     * The user data: {@link #customUserData} if set, else a cloud-config that sets root's password hash and runs a
     * command leaving the nonce.
     */
    String userData() {
        if (customUserData != null) {
            return customUserData;
        }
        return """
                #cloud-config
                chpasswd:
                  expire: false
                  users:
                    - {name: root, password: '%s', type: hash}
                runcmd:
                  - [sh, -c, 'mkdir -p /var/lib/guestdata-e2e && echo "user-data ran: %s" > /var/lib/guestdata-e2e/user-data-ran']
                """.formatted(rootHash, nonce);
    }

    ObjectNode document() {
        ObjectNode doc = JSON.createObjectNode();
        doc.put("uuid", uuid);
        doc.put("name", name);
        doc.put("project_id", project);
        doc.put("availability_zone", "e2e-zone");
        doc.putObject("public_keys").put("e2e", publicKey);
        doc.put("key_name", "e2e");
        doc.putObject("metadata").put("e2e-nonce", nonce).put("role", "end-to-end");
        ArrayNode f = doc.putArray("files");
        files.forEach((path, bytes) -> f.addObject().put("path", path).put("contents", Base64.getEncoder().encodeToString(bytes)));
        doc.put("user_data", Base64.getEncoder().encodeToString(userData().getBytes(StandardCharsets.UTF_8)));
        doc.put("admin_pass", adminPass);
        if (rootDeviceName != null) {
            doc.put("root_device_name", rootDeviceName);
        }
        ObjectNode net = doc.putObject("network_data");
        String link = "tap" + uuid.substring(0, 11);
        net.putArray("links").addObject().put("id", link).put("vif_id", UUID.randomUUID().toString())
                .put("type", "ovs").put("mtu", 1500).put("ethernet_mac_address", mac);
        ObjectNode n = net.putArray("networks").addObject();
        n.put("id", "network0").put("type", ipv6 ? "ipv6" : "ipv4").put("link", link).put("ip_address", address)
                .put("netmask", ipv6 ? "ffff:ffff:ffff:ffff::" : "255.255.255.0").put("network_id", UUID.randomUUID().toString());
        String any = ipv6 ? "::" : "0.0.0.0";
        n.putArray("routes").addObject().put("network", any).put("netmask", any).put("gateway", gateway);
        ArrayNode services = n.putArray("services");
        ArrayNode allServices = net.putArray("services");
        if (dns != null) {
            services.addObject().put("type", "dns").put("address", dns);
            allServices.addObject().put("type", "dns").put("address", dns);
        }
        return doc;
    }

    Path write(Path file) {
        try {
            Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(document()));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String generateKey(Path dir) {
        Path key = dir.resolve("id_ed25519");
        Command.run(Duration.ofSeconds(30), List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "e2e@guestdata",
                "-f", key.toString())).ok();
        try {
            return Files.readString(dir.resolve("id_ed25519.pub")).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }
}
