package io.guestdata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.testkit.Command;
import io.guestdata.testkit.NovaOracle;
import io.guestdata.testkit.ToolTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * cloud-init (Debian's package, used as a library through its own ConfigDrive datasource) reads a tree written by
 * {@code guestdata configdrive --format tree} and must find exactly what the instance document holds: Debian 12's
 * 22.4 and Debian 13's 25.1 ({@code Tool.debianPython(debian, …)}; 13 is skipped where its root cannot be built).
 */
@ToolTest
class CloudInitReadsConfigDriveTreeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "Debian {0}")
    @ValueSource(strings = {"12", "13"})
    void cloudInitFindsEverythingTheFullDocumentHolds(String debian) throws Exception {
        Path docFile = resource("instances/full.json");
        JsonNode doc = JSON.readTree(docFile.toFile());
        JsonNode seen = writeAndRead(debian, "--instance", docFile.toString());

        assertEquals(2, seen.get("version").asInt(), "cloud-init must use its v2 (openstack/) reader");
        assertEquals(doc.get("uuid").asText(), seen.get("instance_id").asText());
        // Nova's sanitize_hostname of "Web Server_01.example", plus the default dhcp_domain.
        assertEquals("web-server-01-example.novalocal", seen.get("local_hostname").asText());
        assertEquals(doc.get("availability_zone").asText(), seen.get("availability_zone").asText());
        assertEquals(values(doc.get("public_keys")), strings(seen.get("public_ssh_keys")));
        assertEquals(doc.get("metadata"), seen.get("meta"));
        assertEquals(doc.get("user_data").asText(), seen.get("userdata_b64").asText());
        assertEquals(filesOf(doc), fields(seen.get("files_b64")));
        assertEquals(doc.get("network_data"), seen.get("network_json"));
        assertEquals(512, seen.get("random_seed_len").asInt(), "random_seed must decode to 512 bytes");
        // metadata.dsmode=local is honoured by cloud-init as Nova's would be.
        assertEquals("local", seen.get("dsmode").asText());

        ObjectNode expectedVendor = (ObjectNode) doc.get("vendor_data");
        assertEquals(expectedVendor, seen.get("vendordata"));
        assertEquals(expectedVendor, seen.get("vendordata2").get("static"));

        // cloud-init's conversion of network_data.json (convert_net_json) sees our addresses and MAC.
        String netConfig = seen.get("network_config").toString();
        assertTrue(netConfig.contains("10.0.0.5") && netConfig.contains("fd00::5")
                && netConfig.contains("fa:16:3e:00:00:01") && netConfig.contains("10.0.0.1"), netConfig);
        // The legacy interfaces text (content 0000) for the static addresses is there too.
        String eni = seen.get("network_eni").asText();
        assertTrue(eni.startsWith("# Injected by Nova on instance boot\n"), eni);
        assertTrue(eni.contains("address 10.0.0.5\n") && eni.contains("address fd00::5\n"), eni);

        JsonNode ec2 = seen.get("ec2_metadata");
        assertTrue(ec2.get("instance-id").asText().matches("i-[0-9a-f]{8,}"), ec2.toString());
        assertEquals("10.0.0.5", ec2.get("local-ipv4").asText());
        assertEquals("m1.small", ec2.get("instance-type").asText());
    }

    @ParameterizedTest(name = "Debian {0}")
    @ValueSource(strings = {"12", "13"})
    void cloudInitReadsATreeBuiltFromNovaBootFlags(String debian) throws Exception {
        Path userData = Files.writeString(tmp.resolve("ud"), "#!/bin/sh\necho hi\n");
        Path local = Files.write(tmp.resolve("payload"), new byte[] {0, 1, 2, (byte) 0xff});
        Path key = resource("instances/alice.pub");
        String uuid = "d5a0a4c8-3b9a-4b1e-8f3e-3f1a2b3c4d5e";
        JsonNode seen = writeAndRead(debian, "--name", "flag built", "--uuid", uuid, "--key-name", "alice", "--key",
                key.toString(), "--meta", "a=1", "--meta", "b=two words", "--file", "/opt/payload=" + local,
                "--user-data", userData.toString(), "--admin-pass", "pw");
        assertEquals(uuid, seen.get("instance_id").asText());
        assertEquals("flag-built.novalocal", seen.get("local_hostname").asText());
        assertEquals(List.of(Files.readString(key).strip()), strings(seen.get("public_ssh_keys")));
        assertEquals(JSON.readTree("{\"a\": \"1\", \"b\": \"two words\"}"), seen.get("meta"));
        assertEquals(Base64.getEncoder().encodeToString(Files.readAllBytes(userData)),
                seen.get("userdata_b64").asText());
        assertEquals(Map.of("/opt/payload", Base64.getEncoder().encodeToString(Files.readAllBytes(local))),
                fields(seen.get("files_b64")));
    }

    @ParameterizedTest(name = "Debian {0}")
    @ValueSource(strings = {"12", "13"})
    void cloudInitReadsTheMinimalDocument(String debian) throws Exception {
        JsonNode seen = writeAndRead(debian, "--instance", resource("instances/minimal.json").toString());
        assertEquals("b65cee2f-8c69-4aeb-be2f-f79742548fc2", seen.get("instance_id").asText());
        assertEquals("mini.novalocal", seen.get("local_hostname").asText());
        assertEquals(0, seen.get("public_ssh_keys").size());
        // cloud-init's reader turns a missing user_data into "" (read_v2's default), as with Nova's drives.
        assertEquals("", seen.get("userdata_b64").asText());
        assertTrue(Files.notExists(tmp.resolve("drive/openstack/latest/user_data")), "no user data, no file");
        assertEquals(0, seen.get("files_b64").size());
    }

    private JsonNode writeAndRead(String debian, String... instanceArgs) throws Exception {
        NovaOracle.assumeDebian(debian);
        Path out = tmp.resolve("drive");
        List<String> args = new ArrayList<>(List.of("configdrive", "--format", "tree", "--output", out.toString()));
        args.addAll(List.of(instanceArgs));
        Cli cli = Cli.run(args.toArray(String[]::new));
        assertEquals(ExitCode.OK, cli.exitCode(), cli.toString());
        Command.Result r = Tool.debianPython(debian, "tools/consumers/cloudinit_configdrive.py", out.toString());
        assertEquals(0, r.exit(), "cloud-init did not claim the drive:\n" + r.stdout() + r.stderr());
        JsonNode seen = r.json();
        assertTrue(seen.get("claimed").asBoolean(), seen.toString());
        return seen;
    }

    static Path resource(String name) throws Exception {
        return Path.of(CloudInitReadsConfigDriveTreeTest.class.getClassLoader().getResource(name).toURI());
    }

    private static List<String> values(JsonNode object) {
        List<String> out = new ArrayList<>();
        object.elements().forEachRemaining(n -> out.add(n.asText()));
        return out;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static Map<String, String> fields(JsonNode object) {
        Map<String, String> out = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    private static Map<String, String> filesOf(JsonNode doc) {
        Map<String, String> out = new TreeMap<>();
        doc.get("files").forEach(f -> out.put(f.get("path").asText(),
                Base64.getEncoder().encodeToString(Base64.getDecoder().decode(f.get("contents").asText()))));
        return out;
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
