package io.guestdata.core.document;

import static io.guestdata.core.document.Fixtures.ECDSA256;
import static io.guestdata.core.document.Fixtures.ED25519;
import static io.guestdata.core.document.Fixtures.UUID_TEXT;
import static io.guestdata.core.document.Fixtures.base64OfLength;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.core.KeyPair;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The published JSON Schema and the Java validator must agree. Every document of the corpus below goes
 * through the parser and through python-jsonschema's {@code Draft202012Validator} (Debian's
 * /usr/bin/python3); both must accept it or both refuse it.
 *
 * <p>Rules a schema cannot express are kept out of the corpus by construction, and the test checks
 * that none of them fired: {@link #NOT_IN_SCHEMA}. The rules the schema does express are listed in
 * {@link #IN_SCHEMA}, and every one of them must be broken by at least one document of the corpus, so a
 * new validator rule without a schema counterpart (or a corpus case) fails here.
 */
class SchemaAgreementTest {

    static final String SCHEMA_RESOURCE = "/io/guestdata/core/document/instance-document.schema.json";

    /** Rules the schema cannot express; no corpus document may break one. */
    static final Set<String> NOT_IN_SCHEMA = Set.of(
            "json.syntax", "json.encoding", "json.duplicate_key", "json.trailing_content", // JSON text, not values
            "key_name.unknown",                 // needs the key pair store
            "public_keys.name.duplicate",       // compares two members' names
            "files.path.duplicate",             // uniqueItems compares whole items, not one member
            "files.contents.base64", "user_data.base64", // padding after discarding non-alphabet characters
            "network_data.links.id.duplicate", "network_data.networks.id.duplicate", // unique by one member
            "network_data.networks.link.unknown",        // refers to another array
            "ephemeral_devices.duplicate", "swap_device.duplicate", "volume_devices.duplicate"); // across members
    /**
     * Only partly in the schema: the corpus breaks them only in the way the schema can see.
     * {@code public_keys.key.invalid}: the type and the first base64 character (not the blob).
     * {@code name.printable}: controls, line/paragraph separators, private use (not format, unassigned,
     * non-BMP characters). {@code *.netmask.contiguous}: IPv4 masks (not IPv6 ones).
     */
    static final Set<String> PARTLY_IN_SCHEMA = Set.of("public_keys.key.invalid", "name.printable",
            "network_data.networks.netmask.contiguous", "network_data.networks.routes.netmask.contiguous");

    /** Every rule the schema expresses; each must be broken by some corpus document. */
    static final Set<String> IN_SCHEMA = Set.of(
            "document.type", "document.unknown_field",
            "uuid.required", "uuid.type", "uuid.format",
            "name.required", "name.type", "name.length", "name.printable", "name.whitespace",
            "hostname.type", "hostname.length", "hostname.pattern",
            "project_id.type", "project_id.length", "availability_zone.type", "availability_zone.length",
            "instance_type.type", "instance_type.length", "image_id.type", "image_id.length",
            "kernel_id.type", "kernel_id.length", "ramdisk_id.type", "ramdisk_id.length",
            "reservation_id.type", "reservation_id.pattern",
            "launch_index.type", "launch_index.range",
            "security_groups.type", "security_groups.item.type", "security_groups.item.length",
            "config_drive.type", "admin_pass.type", "vendor_data.type",
            "key_name.type", "key_name.length", "key_name.charset", "key_name.whitespace", "key_name.printable",
            "key_delivery.type", "key_delivery.value", "key_delivery.key_name",
            "public_keys.type", "public_keys.name.length", "public_keys.name.charset", "public_keys.name.whitespace",
            "public_keys.key.type", "public_keys.key.invalid",
            "metadata.type", "metadata.count", "metadata.key.length", "metadata.key.pattern",
            "metadata.value.type", "metadata.value.length",
            "files.type", "files.count", "files.item.type", "files.item.unknown_field",
            "files.path.required", "files.path.type", "files.path.length", "files.path.absolute", "files.path.nul",
            "files.path.segment", "files.path.trailing_slash",
            "files.contents.required", "files.contents.type", "files.contents.length",
            "user_data.type", "user_data.length",
            "root_device_name.type", "root_device_name.length", "root_device_name.pattern",
            "ephemeral_devices.type", "ephemeral_devices.item.type", "ephemeral_devices.item.length",
            "ephemeral_devices.item.pattern", "ephemeral_devices.without_root",
            "swap_device.type", "swap_device.length", "swap_device.pattern", "swap_device.without_root",
            "volume_devices.type", "volume_devices.item.type", "volume_devices.item.length",
            "volume_devices.item.pattern", "volume_devices.without_root",
            "network_data.type", "network_data.unknown_field",
            "network_data.links.type", "network_data.links.item.type", "network_data.links.id.required",
            "network_data.links.id.type", "network_data.links.id.length",
            "network_data.links.ethernet_mac_address.type", "network_data.links.ethernet_mac_address.pattern",
            "network_data.networks.type", "network_data.networks.item.type",
            "network_data.networks.id.required", "network_data.networks.id.type", "network_data.networks.id.length",
            "network_data.networks.type.required", "network_data.networks.type.type",
            "network_data.networks.link.required", "network_data.networks.link.type",
            "network_data.networks.ip_address.type", "network_data.networks.ip_address.format",
            "network_data.networks.ip_address.family",
            "network_data.networks.netmask.type", "network_data.networks.netmask.format",
            "network_data.networks.netmask.contiguous", "network_data.networks.netmask.family",
            "network_data.networks.routes.type", "network_data.networks.routes.item.type",
            "network_data.networks.routes.network.required", "network_data.networks.routes.netmask.required",
            "network_data.networks.routes.gateway.required", "network_data.networks.routes.network.format",
            "network_data.networks.routes.netmask.format", "network_data.networks.routes.gateway.format",
            "network_data.networks.routes.netmask.contiguous", "network_data.networks.routes.family",
            "network_data.networks.services.type", "network_data.networks.services.item.type",
            "network_data.networks.services.type.required", "network_data.networks.services.address.required",
            "network_data.networks.services.address.format",
            "network_data.services.type", "network_data.services.item.type", "network_data.services.type.required",
            "network_data.services.type.type", "network_data.services.address.required",
            "network_data.services.address.type", "network_data.services.address.format");

    /** One document of the corpus. */
    record Case(String label, JsonNode doc) {
    }

    private static JsonNode schema;

    @BeforeAll
    static void loadSchema() throws IOException {
        try (InputStream in = InstanceDocumentParser.class.getResourceAsStream(SCHEMA_RESOURCE)) {
            assertNotNull(in, "the schema is a classpath resource");
            schema = Fixtures.JSON.readTree(in);
        }
    }

    /** A parser whose key pair store knows every name: key resolution is not the schema's business. */
    private static InstanceDocumentParser parser() {
        return new InstanceDocumentParser(Limits.nova(),
                name -> Optional.of(new KeyPair(name, "ssh", ED25519, Fixtures.ED25519_MD5)));
    }

    // ------------------------------------------------------------------ the corpus

    private static final List<Case> CORPUS = List.copyOf(new Corpus().cases);

    private static String str(String value) {
        try {
            return Fixtures.JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static String member(String name, String value) {
        return str(name) + ": " + str(value);
    }

    private static String metadataOf(int items) {
        return "\"metadata\": {" + IntStream.range(0, items).mapToObj(i -> member("k" + i, "v")).collect(Collectors.joining(", ")) + "}";
    }

    private static String filesOf(int count) {
        return "\"files\": [" + IntStream.range(0, count).mapToObj(i -> "{\"path\": \"/f" + i + "\", \"contents\": \"YQ==\"}")
                .collect(Collectors.joining(", ")) + "]";
    }

    private static String file(String path, String contents) {
        return "\"files\": [{" + member("path", path) + ", " + member("contents", contents) + "}]";
    }

    private static String network(String fields) {
        return "\"network_data\": {\"links\": [{\"id\": \"l0\"}], \"networks\": [{\"id\": \"n0\", \"link\": \"l0\", " + fields + "}]}";
    }

    /** The documents, built once; {@code add} puts the members after a valid uuid and name. */
    private static final class Corpus {
        final List<Case> cases = new ArrayList<>();

        private void add(String label, String members) {
            String text = "{\"uuid\": \"" + UUID_TEXT + "\", \"name\": \"test\"" + (members.isEmpty() ? "" : ", " + members) + "}";
            cases.add(new Case(label, Fixtures.json(text)));
        }

        private void addWhole(String label, String text) {
            try {
                cases.add(new Case(label, Fixtures.JSON.readTree(text)));
            } catch (IOException e) {
                throw new IllegalArgumentException(text, e);
            }
        }

        Corpus() {
            // ---- valid documents, many at their limits
            add("minimal", "");
            addWhole("the spec example", InstanceDocumentParserTest.SPEC_EXAMPLE);
            add("everything", "\"hostname\": \"web-01\", \"project_id\": \"p\", \"availability_zone\": \"az\", \"launch_index\": 2,"
                    + " \"reservation_id\": \"r-0a1b2c3d\", \"instance_type\": \"m1\", \"image_id\": \"i\", \"kernel_id\": \"k\","
                    + " \"ramdisk_id\": \"r\", \"key_name\": \"alice@example.com\", \"public_keys\": {" + member("bob", ECDSA256) + ", "
                    + member("carol key", ED25519) + "}, \"metadata\": {\"role\": \"web\", \"e\": \"\"}, "
                    + "\"files\": [{\"path\": \"/etc/a b/.c\", \"contents\": \"YW Jj\\n\"}], \"user_data\": \"I2Nsb3VkLWNvbmZpZwo=\","
                    + " \"admin_pass\": \"\", \"vendor_data\": {\"x\": [1, {\"y\": null}]}, \"security_groups\": [\"default\", \"web\"],"
                    + " \"config_drive\": true, \"network_data\": " + NetworkDataRulesTest.NOVA_EXAMPLE);
            add("nova's static v4 network", "\"network_data\": " + NetworkDataRulesTest.STATIC_V4);
            addWhole("uppercase uuid", "{\"uuid\": \"83679162-1378-4288-A2D4-70E13EC132AA\", \"name\": \"t\"}");
            addWhole("name at 255", "{\"uuid\": \"" + UUID_TEXT + "\", \"name\": " + str("n".repeat(255)) + "}");
            addWhole("unicode name", "{\"uuid\": \"" + UUID_TEXT + "\", \"name\": \"Ünï cødé ☃ 日本\"}");
            addWhole("name with inner nbsp and a combining mark", "{\"uuid\": \"" + UUID_TEXT + "\", \"name\": \"a\\u00a0b\\u0301\"}");
            add("hostname at 2", member("hostname", "ab"));
            add("hostname at 63", member("hostname", "h".repeat(63)));
            for (String field : List.of("project_id", "availability_zone", "instance_type", "image_id", "kernel_id", "ramdisk_id")) {
                add(field + " at 255", member(field, "x".repeat(255)));
                add(field + " at 1", member(field, "x"));
            }
            add("launch_index at 0", "\"launch_index\": 0");
            add("launch_index at max", "\"launch_index\": 2147483647");
            add("launch_index written 2.0", "\"launch_index\": 2.0");
            add("security group at 255", "\"security_groups\": [" + str("s".repeat(255)) + "]");
            add("no security groups", "\"security_groups\": []");
            add("key name at 255", member("key_name", "k".repeat(255)));
            add("every key delivered", member("key_delivery", "all") + ", \"public_keys\": {" + member("bob", ED25519) + "}");
            add("only the key_name pair delivered", member("key_delivery", "key_name") + ", "
                    + member("key_name", "alice@example.com") + ", \"public_keys\": {" + member("bob", ED25519) + "}");
            add("inline key name at 255", "\"public_keys\": {" + member("k".repeat(255), ED25519) + "}");
            add("metadata at 128 items", metadataOf(128));
            add("metadata key at 255", "\"metadata\": {" + member("k".repeat(255), "v") + "}");
            add("metadata value at 255", "\"metadata\": {" + member("k", "v".repeat(255)) + "}");
            add("metadata key of every allowed character", "\"metadata\": {" + member("aZ09-_:. ", "") + "}");
            add("5 files", filesOf(5));
            add("path at 255", file("/" + "p".repeat(254), ""));
            add("contents at 10240", file("/a", base64OfLength(10240)));
            add("odd but fine path segments", file("/a/.../b../.c/é", ""));
            add("user_data at 65535", member("user_data", base64OfLength(65532) + "   "));
            add("empty network_data", "\"network_data\": {}");
            add("ipv6 static with v4-mapped address", network("\"type\": \"ipv6\", \"ip_address\": \"::ffff:10.0.0.1\", \"netmask\": \"ffff:ffff::\""));
            add("static network of either family", network("\"type\": \"static\", \"ip_address\": \"fd00::1\", \"netmask\": \"ffff::\""));
            add("root device name null", "\"root_device_name\": null");
            add("root device name at 255", member("root_device_name", "/dev/" + "v".repeat(250)));
            add("every kind of disk", "\"root_device_name\": \"/dev/sda\", \"ephemeral_devices\": [\"/dev/sdb\", \"/dev/sdc1\"],"
                    + " \"swap_device\": \"/dev/xvdd\", \"volume_devices\": [\"/dev/sda\", \"/dev/sde\"]");
            add("no devices beside the default root", "\"ephemeral_devices\": [], \"volume_devices\": []");
            add("uppercase MAC", "\"network_data\": {\"links\": [{\"id\": \"l\", \"ethernet_mac_address\": \"FA:16:3E:00:00:01\"}]}");

            // ---- the document itself
            addWhole("root is an array", "[]");
            addWhole("root is a string", "\"doc\"");
            addWhole("root is null", "null");
            add("unknown field", "\"colour\": \"red\"");
            add("nova's personality name", "\"personality\": []");

            // ---- uuid, name, hostname
            addWhole("no uuid", "{\"name\": \"t\"}");
            addWhole("uuid a number", "{\"uuid\": 5, \"name\": \"t\"}");
            addWhole("uuid without dashes", "{\"uuid\": \"8367916213784288a2d470e13ec132aa\", \"name\": \"t\"}");
            addWhole("uuid one digit short", "{\"uuid\": \"83679162-1378-4288-a2d4-70e13ec132a\", \"name\": \"t\"}");
            addWhole("uuid with newline", "{\"uuid\": \"83679162-1378-4288-a2d4-70e13ec132aa\\n\", \"name\": \"t\"}");
            addWhole("uuid in braces", "{\"uuid\": \"{83679162-1378-4288-a2d4-70e13ec132aa}\", \"name\": \"t\"}");
            addWhole("no name", "{\"uuid\": \"" + UUID_TEXT + "\"}");
            addWhole("name null", "{\"uuid\": \"" + UUID_TEXT + "\", \"name\": null}");
            addWhole("name empty", "{\"uuid\": \"" + UUID_TEXT + "\", \"name\": \"\"}");
            addWhole("name at 256", "{\"uuid\": \"" + UUID_TEXT + "\", \"name\": " + str("n".repeat(256)) + "}");
            for (String bad : List.of("a\\tb", "a\\nb", "web\\n", "a\\u0000", "a\\u0085b", "a\\u2028b", "a\\ue000b", "\\u007f")) {
                addWhole("name with " + bad, "{\"uuid\": \"" + UUID_TEXT + "\", \"name\": \"" + bad + "\"}");
            }
            for (String bad : List.of(" a", "a ", "\\u00a0a", "a\\u3000", " ")) {
                addWhole("name with whitespace '" + bad + "'", "{\"uuid\": \"" + UUID_TEXT + "\", \"name\": \"" + bad + "\"}");
            }
            add("hostname a number", "\"hostname\": 1");
            add("hostname at 1", member("hostname", "h"));
            add("hostname at 64", member("hostname", "h".repeat(64)));
            for (String bad : List.of("-ab", "ab-", "a_b", "a.b", "a b", "ab\n", "héllo")) {
                add("hostname " + bad.replace("\n", "\\n"), member("hostname", bad));
            }

            // ---- free text, reservation id, launch index, security groups, scalars
            for (String field : List.of("project_id", "availability_zone", "instance_type", "image_id", "kernel_id", "ramdisk_id")) {
                add(field + " empty", member(field, ""));
                add(field + " at 256", member(field, "x".repeat(256)));
                add(field + " null", str(field) + ": null");
            }
            add("reservation id a number", "\"reservation_id\": 1");
            for (String bad : List.of("r-0123abc", "r-0123abcde", "r-0123ABCD", "x-0123abcd", "r-0123abcd\n", "")) {
                add("reservation id '" + bad.replace("\n", "\\n") + "'", member("reservation_id", bad));
            }
            add("launch_index a string", "\"launch_index\": \"0\"");
            add("launch_index 1.5", "\"launch_index\": 1.5");
            add("launch_index true", "\"launch_index\": true");
            add("launch_index -1", "\"launch_index\": -1");
            add("launch_index 2^31", "\"launch_index\": 2147483648");
            add("security groups a string", "\"security_groups\": \"default\"");
            add("security group a number", "\"security_groups\": [\"a\", 1]");
            add("security group empty", "\"security_groups\": [\"\"]");
            add("security group at 256", "\"security_groups\": [" + str("s".repeat(256)) + "]");
            add("config_drive a string", "\"config_drive\": \"true\"");
            add("admin_pass a number", "\"admin_pass\": 1");
            add("vendor_data an array", "\"vendor_data\": []");

            // ---- keys
            add("key_name a number", "\"key_name\": 1");
            add("key_name empty", member("key_name", ""));
            add("key_name at 256", member("key_name", "k".repeat(256)));
            add("key_name with /", member("key_name", "a/b"));
            add("key_name with a letter outside ASCII", member("key_name", "ключ"));
            add("key_name with a leading space", member("key_name", " a"));
            add("key_name with a tab", member("key_name", "a\tb"));
            add("key_delivery a boolean", "\"key_delivery\": true");
            add("key_delivery neither all nor key_name", member("key_delivery", "first"));
            add("key_delivery key_name without a key_name", member("key_delivery", "key_name") + ", \"public_keys\": {"
                    + member("bob", ED25519) + "}");
            add("public_keys an array", "\"public_keys\": []");
            add("inline key name at 256", "\"public_keys\": {" + member("k".repeat(256), ED25519) + "}");
            add("inline key name empty", "\"public_keys\": {" + member("", ED25519) + "}");
            add("inline key name with :", "\"public_keys\": {" + member("a:b", ED25519) + "}");
            add("inline key name ending in space", "\"public_keys\": {" + member("a ", ED25519) + "}");
            add("inline key a number", "\"public_keys\": {\"k\": 1}");
            for (String bad : List.of("ssh-foo AAAA", "ssh-rsa", "ssh-rsa  AAAA", " ssh-rsa AAAA", "ssh-rsa\tAAAA", "",
                    "ssh-ed25519-cert-v01@openssh.com AAAA", "from=\"x\" ssh-rsa AAAA", "ssh-rsa *AAA")) {
                add("inline key '" + bad + "'", "\"public_keys\": {" + member("k", bad) + "}");
            }

            // ---- metadata
            add("metadata an array", "\"metadata\": []");
            add("metadata at 129 items", metadataOf(129));
            add("metadata key empty", "\"metadata\": {\"\": \"v\"}");
            add("metadata key at 256", "\"metadata\": {" + member("k".repeat(256), "v") + "}");
            for (String bad : List.of("a/b", "role\n", "é", "a@b", "a\tb")) {
                add("metadata key '" + bad.replace("\n", "\\n") + "'", "\"metadata\": {" + member(bad, "v") + "}");
            }
            add("metadata value a number", "\"metadata\": {\"k\": 1}");
            add("metadata value null", "\"metadata\": {\"k\": null}");
            add("metadata value at 256", "\"metadata\": {" + member("k", "v".repeat(256)) + "}");

            // ---- files
            add("files an object", "\"files\": {}");
            add("6 files", filesOf(6));
            add("file a string", "\"files\": [\"/a\"]");
            add("file with an unknown member", "\"files\": [{\"path\": \"/a\", \"contents\": \"\", \"mode\": 420}]");
            add("file without path", "\"files\": [{\"contents\": \"\"}]");
            add("file without contents", "\"files\": [{\"path\": \"/a\"}]");
            add("file path a number", "\"files\": [{\"path\": 1, \"contents\": \"\"}]");
            add("file contents null", "\"files\": [{\"path\": \"/a\", \"contents\": null}]");
            add("path at 256", file("/" + "p".repeat(255), ""));
            add("contents at 10241", file("/a", base64OfLength(10240) + " "));
            for (String bad : List.of("relative", "", "/", "/etc/", "/a//b", "//a", "/a/../b", "/..", "/a/.", "/./a", "/a\u0000b")) {
                add("path '" + bad.replace("\u0000", "\\0") + "'", file(bad, ""));
            }

            // ---- user data
            add("user_data a number", "\"user_data\": 1");
            add("user_data at 65536", member("user_data", base64OfLength(65532) + "    "));

            // ---- block devices
            add("root device name a number", "\"root_device_name\": 1");
            add("root device name at 256", member("root_device_name", "/dev/" + "v".repeat(251)));
            for (String bad : List.of("vda", "/dev/", "/dev/vda\n", "/dev/VDA", "/dev/vd a", "/dev/1", "/dev/vda1b",
                    "/dev/disk/by-id/x", "/dev/nvme0n1", "")) {
                String label = bad.replace("\n", "\\n");
                add("root device name '" + label + "'", member("root_device_name", bad));
                add("swap device '" + label + "'", member("swap_device", bad));
                add("ephemeral device '" + label + "'", "\"ephemeral_devices\": [" + str(bad) + "]");
                add("volume device '" + label + "'", "\"volume_devices\": [\"/dev/vdc\", " + str(bad) + "]");
            }
            add("swap device null", "\"swap_device\": null");
            add("swap device at 256", member("swap_device", "/dev/" + "v".repeat(251)));
            add("ephemeral devices a string", member("ephemeral_devices", "/dev/vdb"));
            add("ephemeral device a number", "\"ephemeral_devices\": [1]");
            add("ephemeral device at 256", "\"ephemeral_devices\": [" + str("/dev/" + "v".repeat(251)) + "]");
            add("volume devices an object", "\"volume_devices\": {}");
            add("volume device null", "\"volume_devices\": [null]");
            add("volume device at 256", "\"volume_devices\": [" + str("/dev/" + "v".repeat(251)) + "]");
            add("no root but an ephemeral disk", "\"root_device_name\": null, \"ephemeral_devices\": [\"/dev/vdb\"]");
            add("no root but swap", "\"root_device_name\": null, \"swap_device\": \"/dev/vdb\"");
            add("no root but no volumes", "\"root_device_name\": null, \"volume_devices\": []");

            // ---- network data (link references valid and ids unique throughout)
            add("network_data an array", "\"network_data\": []");
            add("network_data with routes at the top", "\"network_data\": {\"routes\": []}");
            add("links an object", "\"network_data\": {\"links\": {}}");
            add("link a string", "\"network_data\": {\"links\": [\"l0\"]}");
            add("link without id", "\"network_data\": {\"links\": [{\"type\": \"phy\"}]}");
            add("link id a number", "\"network_data\": {\"links\": [{\"id\": 0}]}");
            add("link id empty", "\"network_data\": {\"links\": [{\"id\": \"\"}]}");
            add("link MAC a number", "\"network_data\": {\"links\": [{\"id\": \"l\", \"ethernet_mac_address\": 1}]}");
            for (String bad : List.of("fa:16:3e:00:00", "fa-16-3e-00-00-01", "fa:16:3e:00:00:0g", "fa:16:3e:00:00:01\n")) {
                add("link MAC " + bad.replace("\n", "\\n"), "\"network_data\": {\"links\": [{\"id\": \"l\", "
                        + member("ethernet_mac_address", bad) + "}]}");
            }
            add("networks an object", "\"network_data\": {\"networks\": {}}");
            add("network a number", "\"network_data\": {\"networks\": [1]}");
            add("network without id", "\"network_data\": {\"links\": [{\"id\": \"l0\"}], \"networks\": [{\"type\": \"ipv4_dhcp\", \"link\": \"l0\"}]}");
            add("network id a number",
                    "\"network_data\": {\"links\": [{\"id\": \"l0\"}], \"networks\": [{\"id\": 1, \"type\": \"ipv4_dhcp\", \"link\": \"l0\"}]}");
            add("network id empty", network("\"type\": \"ipv4_dhcp\"").replace("\"id\": \"n0\"", "\"id\": \"\""));
            add("network without type", network("\"network_id\": \"x\""));
            add("network type a number", network("\"type\": 4"));
            add("network without link", "\"network_data\": {\"networks\": [{\"id\": \"n0\", \"type\": \"ipv4_dhcp\"}]}");
            add("network link a number", "\"network_data\": {\"networks\": [{\"id\": \"n0\", \"type\": \"ipv4_dhcp\", \"link\": 0}]}");
            add("ip_address a number", network("\"type\": \"ipv4\", \"ip_address\": 10"));
            for (String bad : List.of("10.0.0.256", "010.0.0.1", "10.0.0.5/24", "host.example", "fd00::5%eth0", "[fd00::5]", "1::2::3",
                    "10.0.0.5\n")) {
                add("ip_address " + bad.replace("\n", "\\n"), network("\"type\": \"static\", " + member("ip_address", bad)));
            }
            add("v6 address on an ipv4 network", network("\"type\": \"ipv4\", \"ip_address\": \"fd00::5\""));
            add("v4 address on an ipv6_slaac network", network("\"type\": \"ipv6_slaac\", \"ip_address\": \"10.0.0.5\""));
            add("netmask a number", network("\"type\": \"ipv4\", \"netmask\": 24"));
            add("netmask a prefix length", network("\"type\": \"ipv4\", \"netmask\": \"24\""));
            add("netmask not contiguous", network("\"type\": \"ipv4\", \"ip_address\": \"10.0.0.5\", \"netmask\": \"255.0.255.0\""));
            add("v6 netmask for a v4 address", network("\"type\": \"static\", \"ip_address\": \"10.0.0.5\", \"netmask\": \"ffff::\""));
            add("v4 netmask on an ipv6 network", network("\"type\": \"ipv6\", \"netmask\": \"255.255.255.0\""));
            add("routes an object", network("\"type\": \"ipv4\", \"routes\": {}"));
            add("route a string", network("\"type\": \"ipv4\", \"routes\": [\"default\"]"));
            add("route without network", network("\"type\": \"ipv4\", \"routes\": [{\"netmask\": \"0.0.0.0\", \"gateway\": \"10.0.0.1\"}]"));
            add("route without netmask", network("\"type\": \"ipv4\", \"routes\": [{\"network\": \"0.0.0.0\", \"gateway\": \"10.0.0.1\"}]"));
            add("route without gateway", network("\"type\": \"ipv4\", \"routes\": [{\"network\": \"0.0.0.0\", \"netmask\": \"0.0.0.0\"}]"));
            add("route network not a literal",
                    network("\"type\": \"ipv4\", \"routes\": [{\"network\": \"default\", \"netmask\": \"0.0.0.0\", \"gateway\": \"10.0.0.1\"}]"));
            add("route netmask not a literal",
                    network("\"type\": \"ipv4\", \"routes\": [{\"network\": \"0.0.0.0\", \"netmask\": \"/0\", \"gateway\": \"10.0.0.1\"}]"));
            add("route gateway not a literal",
                    network("\"type\": \"ipv4\", \"routes\": [{\"network\": \"0.0.0.0\", \"netmask\": \"0.0.0.0\", \"gateway\": \"gw\"}]"));
            add("route netmask not contiguous",
                    network("\"type\": \"ipv4\", \"routes\": [{\"network\": \"10.0.0.0\", \"netmask\": \"255.0.0.255\", \"gateway\": \"10.0.0.1\"}]"));
            add("route of mixed families",
                    network("\"type\": \"ipv4\", \"routes\": [{\"network\": \"::\", \"netmask\": \"0.0.0.0\", \"gateway\": \"10.0.0.1\"}]"));
            add("v6 route", network("\"type\": \"ipv6\", \"routes\": [{\"network\": \"::\", \"netmask\": \"::\", \"gateway\": \"fd00::1\"}]"));
            add("network services an object", network("\"type\": \"ipv4\", \"services\": {}"));
            add("network service a string", network("\"type\": \"ipv4\", \"services\": [\"8.8.8.8\"]"));
            add("network service without type", network("\"type\": \"ipv4\", \"services\": [{\"address\": \"8.8.8.8\"}]"));
            add("network service without address", network("\"type\": \"ipv4\", \"services\": [{\"type\": \"dns\"}]"));
            add("network service address a name", network("\"type\": \"ipv4\", \"services\": [{\"type\": \"dns\", \"address\": \"dns.example\"}]"));
            add("services an object", "\"network_data\": {\"services\": {}}");
            add("service a string", "\"network_data\": {\"services\": [\"8.8.8.8\"]}");
            add("service without type", "\"network_data\": {\"services\": [{\"address\": \"8.8.8.8\"}]}");
            add("service type a number", "\"network_data\": {\"services\": [{\"type\": 1, \"address\": \"8.8.8.8\"}]}");
            add("service without address", "\"network_data\": {\"services\": [{\"type\": \"dns\"}]}");
            add("service address a number", "\"network_data\": {\"services\": [{\"type\": \"dns\", \"address\": 8}]}");
            add("service address not a literal", "\"network_data\": {\"services\": [{\"type\": \"dns\", \"address\": \"8.8.8\"}]}");
        }
    }

    // ------------------------------------------------------------------ the checks

    /** Java's verdict: the rules broken, empty when accepted. */
    private static List<String> javaRules(JsonNode doc) {
        try {
            parser().parse(doc);
            return List.of();
        } catch (InvalidDocumentException e) {
            return e.errors().stream().map(DocumentError::rule).toList();
        }
    }

    /** python-jsonschema's verdicts, in corpus order: null when valid, else the first error's message. */
    private static List<String> schemaVerdicts(List<JsonNode> docs) throws IOException {
        String code = """
                import json, sys
                from jsonschema import Draft202012Validator
                schema = json.loads(sys.argv[1])
                Draft202012Validator.check_schema(schema)
                validator = Draft202012Validator(schema)
                out = []
                for doc in json.load(sys.stdin):
                    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
                    out.append(None if not errors else "/" + "/".join(str(p) for p in errors[0].absolute_path)
                               + ": " + errors[0].message[:200])
                json.dump(out, sys.stdout)
                """;
        ArrayNode input = Fixtures.NODES.arrayNode();
        docs.forEach(input::add);
        String answer = ExternalTool.run(List.of(ExternalTool.python().toString(), "-c", code, schema.toString()),
                input.toString());
        List<String> verdicts = new ArrayList<>();
        Fixtures.JSON.readTree(answer).forEach(v -> verdicts.add(v.isNull() ? null : v.textValue()));
        return verdicts;
    }

    @Test
    void theCorpusIsBigEnough() {
        assertTrue(CORPUS.size() >= 40, "corpus of " + CORPUS.size());
        assertTrue(CORPUS.stream().filter(c -> javaRules(c.doc()).isEmpty()).count() >= 20, "too few valid documents");
    }

    @Test
    void javaAndTheSchemaAgreeOnEveryDocument() throws IOException {
        List<String> verdicts = schemaVerdicts(CORPUS.stream().map(Case::doc).toList());
        List<String> disagreements = new ArrayList<>();
        Set<String> broken = new TreeSet<>();
        for (int i = 0; i < CORPUS.size(); i++) {
            Case c = CORPUS.get(i);
            List<String> rules = javaRules(c.doc());
            broken.addAll(rules);
            for (String rule : rules) {
                assertTrue(!NOT_IN_SCHEMA.contains(rule), c.label() + ": the corpus must not break " + rule);
                assertTrue(IN_SCHEMA.contains(rule), c.label() + ": rule " + rule + " is in neither list");
            }
            boolean javaAccepts = rules.isEmpty();
            boolean schemaAccepts = verdicts.get(i) == null;
            if (javaAccepts != schemaAccepts) {
                disagreements.add(c.label() + ": Java " + (javaAccepts ? "accepts" : "refuses " + rules)
                        + ", schema " + (schemaAccepts ? "accepts" : "refuses (" + verdicts.get(i) + ")"));
            }
        }
        assertEquals(List.of(), disagreements, () -> String.join("\n", disagreements));
        Set<String> neverBroken = new TreeSet<>(IN_SCHEMA);
        neverBroken.removeAll(broken);
        assertEquals(Set.of(), neverBroken, "rules the schema expresses that no corpus document breaks");
    }

    @Test
    void theSchemaCarriesNovasDefaultLimits() {
        Limits nova = Limits.nova();
        JsonNode properties = schema.get("properties");
        assertEquals(nova.injectedFiles(), properties.get("files").get("maxItems").intValue());
        JsonNode fileItem = properties.get("files").get("items").get("properties");
        assertEquals(nova.injectedFilePathLength(), fileItem.get("path").get("maxLength").intValue());
        assertEquals(nova.injectedFileContentBytes(), fileItem.get("contents").get("maxLength").intValue());
        assertEquals(nova.metadataItems(), properties.get("metadata").get("maxProperties").intValue());
        assertEquals(nova.userDataLength(), properties.get("user_data").get("maxLength").intValue());
        Set<String> schemaMembers = new TreeSet<>();
        properties.fieldNames().forEachRemaining(schemaMembers::add);
        assertEquals(new TreeSet<>(InstanceDocumentParser.MEMBERS), schemaMembers);
    }

    @Test
    void everySchemaPatternCompilesInJava() {
        List<String> patterns = new ArrayList<>();
        collectPatterns(schema, patterns);
        assertTrue(patterns.size() > 10);
        patterns.forEach(java.util.regex.Pattern::compile);
    }

    private static void collectPatterns(JsonNode node, List<String> into) {
        if (node.isObject()) {
            node.properties().forEach(e -> {
                if (e.getKey().equals("pattern") && e.getValue().isTextual()) {
                    into.add(e.getValue().textValue());
                } else {
                    collectPatterns(e.getValue(), into);
                }
            });
        } else if (node.isArray()) {
            node.forEach(child -> collectPatterns(child, into));
        }
    }

    @Test
    void theSchemaIsReadableAtRuntimeBesideTheParser() throws IOException {
        try (InputStream in = InstanceDocumentParser.class.getResourceAsStream("instance-document.schema.json")) {
            assertNotNull(in);
            ObjectNode read = (ObjectNode) Fixtures.JSON.readTree(in);
            assertEquals("https://json-schema.org/draft/2020-12/schema", read.get("$schema").textValue());
        }
    }
}
