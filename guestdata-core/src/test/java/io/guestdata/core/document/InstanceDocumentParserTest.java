package io.guestdata.core.document;

import static io.guestdata.core.document.Fixtures.ED25519;
import static io.guestdata.core.document.Fixtures.ED25519_MD5;
import static io.guestdata.core.document.Fixtures.MYKEY;
import static io.guestdata.core.document.Fixtures.UUID_TEXT;
import static io.guestdata.core.document.Fixtures.accept;
import static io.guestdata.core.document.Fixtures.json;
import static io.guestdata.core.document.Fixtures.minimal;
import static io.guestdata.core.document.Fixtures.parser;
import static io.guestdata.core.document.Fixtures.reject;
import static io.guestdata.core.document.Fixtures.rejectOnly;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.guestdata.core.Instance;
import io.guestdata.core.KeyPair;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class InstanceDocumentParserTest {

    /** The example of instance-document.md, as JSON text. */
    static final String SPEC_EXAMPLE = """
            {
              "uuid": "83679162-1378-4288-a2d4-70e13ec132aa",
              "name": "test",
              "availability_zone": "nova",
              "launch_index": 0,
              "key_name": "mykey",
              "metadata": {"role": "webservers", "essential": "false"},
              "files": [
                {"path": "/etc/network/interfaces", "contents": "YXV0byBsbwppZmFjZSBsbyBpbmV0IGxvb3BiYWNrCg=="},
                {"path": "/root/known_hosts", "contents": "aG9zdDEgc3NoLXJzYSBBQUFBCg=="}
              ],
              "user_data": "I2Nsb3VkLWNvbmZpZwpob3N0bmFtZTogaG9zdDAwMQo=",
              "config_drive": true
            }
            """;

    @Test
    void parsesTheSpecExample() throws InvalidDocumentException {
        Instance instance = parser().parse(SPEC_EXAMPLE.getBytes(StandardCharsets.UTF_8));
        assertEquals(UUID.fromString(UUID_TEXT), instance.uuid());
        assertEquals("test", instance.name());
        assertEquals("test", instance.hostname());
        assertEquals("nova", instance.availabilityZone());
        assertEquals(0, instance.launchIndex());
        assertEquals(Optional.of("mykey"), instance.keyName());
        assertEquals(List.of(MYKEY), instance.keys());
        assertEquals(List.of("role", "essential"), List.copyOf(instance.metadata().keySet()));
        assertEquals(2, instance.files().size());
        assertEquals("/etc/network/interfaces", instance.files().get(0).path());
        assertEquals("auto lo\niface lo inet loopback\n",
                new String(instance.files().get(0).contents(), StandardCharsets.US_ASCII));
        assertEquals("#cloud-config\nhostname: host001\n",
                new String(instance.userData().orElseThrow().bytes(), StandardCharsets.US_ASCII));
        assertEquals("I2Nsb3VkLWNvbmZpZwpob3N0bmFtZTogaG9zdDAwMQo=", instance.userData().orElseThrow().base64());
        assertTrue(instance.configDrive());
    }

    @Test
    void appliesEveryDefault() {
        Instance instance = accept(minimal());
        assertEquals("test", instance.hostname());
        assertEquals(Optional.empty(), instance.projectId());
        assertEquals("nova", instance.availabilityZone());
        assertEquals(0, instance.launchIndex());
        assertEquals(ReservationIds.derive(UUID.fromString(UUID_TEXT)), instance.reservationId());
        assertEquals(Optional.empty(), instance.instanceType());
        assertEquals(Optional.empty(), instance.imageId());
        assertEquals(Optional.empty(), instance.kernelId());
        assertEquals(Optional.empty(), instance.ramdiskId());
        assertEquals(Optional.empty(), instance.keyName());
        assertEquals(List.of(), instance.keys());
        assertTrue(instance.metadata().isEmpty());
        assertEquals(List.of(), instance.files());
        assertEquals(Optional.empty(), instance.userData());
        assertEquals(Optional.empty(), instance.adminPass());
        assertEquals(Optional.empty(), instance.networkData());
        assertEquals(Optional.empty(), instance.vendorData());
        assertEquals(List.of("default"), instance.securityGroups());
        assertFalse(instance.configDrive());
    }

    @Test
    void readsEveryOptionalField() {
        ObjectNode doc = json("""
                {"uuid": "83679162-1378-4288-A2D4-70E13EC132AA", "name": "Web 1", "hostname": "Web-01",
                 "project_id": "proj", "availability_zone": "az1", "launch_index": 3, "reservation_id": "r-abc12345",
                 "instance_type": "m1.small", "image_id": "img", "kernel_id": "aki", "ramdisk_id": "ari",
                 "admin_pass": "", "vendor_data": {"b": 1, "a": [true]}, "security_groups": ["web", "db"],
                 "config_drive": false}
                """);
        Instance instance = accept(doc);
        assertEquals(UUID_TEXT, instance.uuid().toString());
        assertEquals("Web-01", instance.hostname());
        assertEquals(Optional.of("proj"), instance.projectId());
        assertEquals("az1", instance.availabilityZone());
        assertEquals(3, instance.launchIndex());
        assertEquals("r-abc12345", instance.reservationId());
        assertEquals(Optional.of("m1.small"), instance.instanceType());
        assertEquals(Optional.of("img"), instance.imageId());
        assertEquals(Optional.of("aki"), instance.kernelId());
        assertEquals(Optional.of("ari"), instance.ramdiskId());
        assertEquals(Optional.of(""), instance.adminPass());
        assertEquals("{\"b\":1,\"a\":[true]}", instance.vendorData().orElseThrow().toString());
        assertEquals(List.of("web", "db"), instance.securityGroups());
        assertFalse(instance.configDrive());
    }

    @Test
    void anExplicitEmptySecurityGroupListStaysEmpty() {
        ObjectNode doc = minimal();
        doc.putArray("security_groups");
        assertEquals(List.of(), accept(doc).securityGroups());
    }

    @Test
    void sharesNoNodeWithTheTreeItWasGiven() {
        ObjectNode doc = minimal();
        doc.putObject("vendor_data").put("x", 1);
        doc.putObject("network_data").putArray("links").addObject().put("id", "l0");
        Instance instance = accept(doc);
        ((ObjectNode) doc.get("vendor_data")).put("x", 2);
        ((ObjectNode) doc.get("network_data")).remove("links");
        assertEquals(1, instance.vendorData().orElseThrow().get("x").intValue());
        assertTrue(instance.networkData().orElseThrow().has("links"));
    }

    @Test
    void deliversTheNamedKeyPairFirstThenInlineKeysInDocumentOrder() {
        ObjectNode doc = minimal();
        doc.put("key_name", "mykey");
        ObjectNode inline = doc.putObject("public_keys");
        inline.put("zeta", ED25519);
        inline.put("alpha", ED25519 + "\n");
        List<KeyPair> keys = accept(doc).keys();
        assertEquals(List.of("mykey", "zeta", "alpha"), keys.stream().map(KeyPair::name).toList());
        assertEquals(ED25519, keys.get(2).publicKey());
        assertEquals(ED25519_MD5, keys.get(1).fingerprint());
        assertEquals("ssh", keys.get(1).type());
    }

    @Test
    void collectsEveryErrorInDocumentOrder() {
        ObjectNode doc = json("""
                {"uuid": "nope", "name": " padded", "hostname": "-x-", "launch_index": -1, "colour": "red",
                 "key_name": "ghost", "metadata": {"a/b": "v", "ok": 5},
                 "files": [{"path": "relative", "contents": "YQ"}, {"path": "/x", "contents": "", "mode": 1}],
                 "user_data": "YWJjZA", "config_drive": "yes"}
                """);
        List<DocumentError> errors = reject(doc);
        assertEquals(List.of(
                "/colour document.unknown_field",
                "/uuid uuid.format",
                "/name name.whitespace",
                "/hostname hostname.pattern",
                "/launch_index launch_index.range",
                "/key_name key_name.unknown",
                "/metadata/a~1b metadata.key.pattern",
                "/metadata/ok metadata.value.type",
                "/files/0/path files.path.absolute",
                "/files/0/contents files.contents.base64",
                "/files/1/mode files.item.unknown_field",
                "/user_data user_data.base64",
                "/config_drive config_drive.type"),
                errors.stream().map(e -> e.pointer() + " " + e.rule()).toList(), Fixtures.describe(errors));
    }

    @Test
    void unknownTopLevelFieldsAreNamed() {
        ObjectNode doc = minimal();
        doc.put("personality", "x");
        DocumentError error = rejectOnly(doc, "/personality", "document.unknown_field");
        assertTrue(error.message().contains("'personality'"), error.message());
    }

    @Test
    void unknownFieldsInAFileItemAreNamed() {
        ObjectNode doc = minimal();
        doc.putArray("files").addObject().put("path", "/a").put("contents", "").put("content_path", "/content/0000");
        rejectOnly(doc, "/files/0/content_path", "files.item.unknown_field");
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', value = {
            "uuid|5|uuid.type", "uuid|null|uuid.type", "name|[]|name.type", "hostname|1|hostname.type",
            "project_id|{}|project_id.type", "availability_zone|true|availability_zone.type",
            "launch_index|\"0\"|launch_index.type", "launch_index|1.5|launch_index.type",
            "launch_index|true|launch_index.type", "reservation_id|7|reservation_id.type",
            "instance_type|null|instance_type.type", "image_id|1|image_id.type", "kernel_id|1|kernel_id.type",
            "ramdisk_id|1|ramdisk_id.type", "key_name|1|key_name.type", "public_keys|[]|public_keys.type",
            "metadata|[]|metadata.type", "files|{}|files.type", "user_data|1|user_data.type",
            "admin_pass|1|admin_pass.type", "network_data|[]|network_data.type", "vendor_data|[]|vendor_data.type",
            "vendor_data|\"x\"|vendor_data.type", "security_groups|\"default\"|security_groups.type",
            "config_drive|\"true\"|config_drive.type", "config_drive|1|config_drive.type"})
    void wrongTypesAreErrors(String field, String valueJson, String rule) {
        ObjectNode doc = minimal();
        doc.set(field, json("{\"v\": " + valueJson + "}").get("v"));
        rejectOnly(doc, "/" + field, rule);
    }

    @Test
    void wrongTypesInsideArraysAndObjectsAreErrors() {
        ObjectNode doc = json("""
                {"uuid": "83679162-1378-4288-a2d4-70e13ec132aa", "name": "t",
                 "security_groups": ["ok", 1], "files": ["x", {"path": 1, "contents": null}],
                 "public_keys": {"k": 1}, "metadata": {"k": null}}
                """);
        assertEquals(List.of(
                "/public_keys/k public_keys.key.type",
                "/metadata/k metadata.value.type",
                "/files/0 files.item.type",
                "/files/1/path files.path.type",
                "/files/1/contents files.contents.type",
                "/security_groups/1 security_groups.item.type"),
                reject(doc).stream().map(e -> e.pointer() + " " + e.rule()).toList());
    }

    @Test
    void requiredFieldsAreReported() {
        assertEquals(List.of("/uuid uuid.required", "/name name.required"),
                reject(json("{}")).stream().map(e -> e.pointer() + " " + e.rule()).toList());
        ObjectNode doc = minimal();
        doc.putArray("files").addObject();
        assertEquals(List.of("/files/0/path files.path.required", "/files/0/contents files.contents.required"),
                reject(doc).stream().map(e -> e.pointer() + " " + e.rule()).toList());
    }

    @Test
    void integralNumbersWrittenWithAFractionAreIntegers() {
        ObjectNode doc = minimal();
        doc.set("launch_index", json("{\"v\": 2.0}").get("v"));
        assertEquals(2, accept(doc).launchIndex());
    }

    @Test
    void aTreeThatIsNotAnObjectIsRefused() {
        InvalidDocumentException e = assertThrows(InvalidDocumentException.class,
                () -> parser().parse(TextNode.valueOf("x")));
        assertEquals("document.type", e.errors().getFirst().rule());
        e = assertThrows(InvalidDocumentException.class,
                () -> parser().parse((com.fasterxml.jackson.databind.JsonNode) null));
        assertEquals("document.type", e.errors().getFirst().rule());
    }

    @Test
    void theExceptionMessageListsEveryErrorOnOneLineEach() {
        InvalidDocumentException e = assertThrows(InvalidDocumentException.class, () -> parser().parse(json("{}")));
        assertEquals("invalid instance document, 2 errors: /uuid: the required field 'uuid' is missing "
                + "[uuid.required]; /name: the required field 'name' is missing [name.required]", e.getMessage());
    }

    @Test
    void oneLineShowsPointerMessageRuleAndLimit() {
        DocumentError error = new DocumentError("/files", "files.count", "too\nmany", Optional.of("5 files"));
        assertEquals("/files: too\\nmany [files.count, limit 5 files]", error.oneLine());
        assertEquals("(document): x [json.syntax]",
                new DocumentError("", "json.syntax", "x", Optional.empty()).oneLine());
    }

    @Test
    void theParsedBytesAreTheDecodedBase64() {
        ObjectNode doc = minimal();
        doc.put("user_data", "YW Jj\n");
        assertArrayEquals("abc".getBytes(StandardCharsets.US_ASCII), accept(doc).userData().orElseThrow().bytes());
        assertEquals("YW Jj\n", accept(doc).userData().orElseThrow().base64());
    }

    @Test
    void theResolverIsNotAskedForAnInvalidName() {
        KeyPairResolver failing = name -> {
            throw new AssertionError("asked for " + name);
        };
        ObjectNode doc = minimal();
        doc.put("key_name", "bad/name");
        List<DocumentError> errors = reject(new InstanceDocumentParser(Limits.nova(), failing), doc);
        assertEquals("key_name.charset", errors.getFirst().rule());
    }
}
