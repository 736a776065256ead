package io.guestdata.drive.nocloud;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.guestdata.drive.ImageException;
import io.guestdata.testkit.NovaOracle;
import io.guestdata.testkit.ToolTest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link CloudInitVendorData} follows cloud-init's {@code convert_vendordata}; a list becomes a MIME message
 * that cloud-init's {@code UserDataProcessor} splits into exactly the parts it makes of the list itself.
 */
@ToolTest
class CloudInitVendorDataTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PROCESS = """
            import tempfile, os, base64
            from cloudinit import helpers, user_data, util
            work = tempfile.mkdtemp()
            paths = helpers.Paths({"cloud_dir": work, "run_dir": os.path.join(work, "run")})
            def parts(raw):
                out = []
                for part in user_data.UserDataProcessor(paths).process(raw).walk():
                    if part.get_content_maintype() == "multipart":
                        continue
                    payload = util.fully_decoded_payload(part)
                    if isinstance(payload, bytes):
                        payload = payload.decode("utf-8", "surrogateescape")
                    out.append([part.get_content_type(), part.get_filename(), payload])
                return out
            print(json.dumps({"list": parts(data["list"]), "mime": parts(base64.b64decode(data["mime"]))}))
            """;

    @ParameterizedTest(name = "Debian {0}")
    @ValueSource(strings = {"12", "13"})
    void aListIsTheMimeMessageCloudInitSplitsTheSameWay(String debian) throws Exception {
        NovaOracle.assumeDebian(debian);
        ArrayNode list = JsonNodeFactory.instance.arrayNode()
                .add("#cloud-config\npackages: [htop]\n")
                .add("#!/bin/sh\necho vendor ünïcode 日本 😀\n")
                .add("")
                .add("just text, no type\n")
                .add("#cloud-boothook\n#!/bin/sh\ntrue\n")
                .add("## template: jinja\n#cloud-config\nruncmd: [[echo, '{{ v1.instance_id }}']]\n");
        JsonNode vendorData = JSON.createObjectNode().set("cloud-init", list);
        byte[] mime = CloudInitVendorData.of(vendorData, new ArrayList<>()).orElseThrow();
        JsonNode seen = CloudInitPython.run(debian, PROCESS, JSON.createObjectNode().<com.fasterxml.jackson.databind.node.ObjectNode>set(
                "list", list).put("mime", java.util.Base64.getEncoder().encodeToString(mime)));
        assertEquals(list.size(), seen.get("list").size(), seen.toPrettyString());
        assertEquals(seen.get("list"), seen.get("mime"));
    }

    @Test
    void aStringIsWrittenAsItsUtf8Bytes() throws Exception {
        String text = "#cloud-config\nwrite_files: [{path: /x, content: ü}]\n";
        Optional<byte[]> out = CloudInitVendorData.of(JSON.createObjectNode().put("cloud-init", text), new ArrayList<>());
        assertArrayEquals(text.getBytes(StandardCharsets.UTF_8), out.orElseThrow());
    }

    @Test
    void whatCloudInitIgnoresGivesNoFile() throws Exception {
        for (String vd : List.of("{}", "{\"other-agent\": {\"a\": 1}}", "{\"cloud-init\": \"\"}", "{\"cloud-init\": []}",
                "{\"cloud-init\": null}", "{\"cloud-init\": 0}")) {
            List<String> omitted = new ArrayList<>();
            assertTrue(CloudInitVendorData.of(JSON.readTree(vd), omitted).isEmpty(), vd);
            assertEquals(List.of(), omitted, vd);
        }
        for (String vd : List.of("{\"cloud-init\": {\"a\": 1}}", "{\"cloud-init\": 5}", "{\"cloud-init\": true}")) {
            List<String> omitted = new ArrayList<>();
            assertTrue(CloudInitVendorData.of(JSON.readTree(vd), omitted).isEmpty(), vd);
            assertEquals(1, omitted.size(), vd);
            assertTrue(omitted.getFirst().contains("cloud-init ignores it"), omitted.getFirst());
        }
    }

    @Test
    void refusesListElementsCloudInitCannotProcessOrWeCannotNest() throws Exception {
        ImageException notText = assertThrows(ImageException.class, () -> CloudInitVendorData.of(
                JSON.readTree("{\"cloud-init\": [\"#cloud-config\\n\", {\"a\": 1}]}"), new ArrayList<>()));
        assertEquals("vendor_data/cloud-init/1", notText.subject());
        ImageException mime = assertThrows(ImageException.class, () -> CloudInitVendorData.of(
                JSON.readTree("{\"cloud-init\": [\"Content-Type: text/plain\\nMIME-Version: 1.0\\n\\nhi\"]}"),
                new ArrayList<>()));
        assertEquals("vendor_data/cloud-init/0", mime.subject());
        ImageException surrogate = assertThrows(ImageException.class, () -> CloudInitVendorData.of(
                JSON.readTree("{\"cloud-init\": \"a\\ud800b\"}"), new ArrayList<>()));
        assertTrue(surrogate.getMessage().contains("U+D800"), surrogate.getMessage());
    }
}
