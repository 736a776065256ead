package io.guestdata.core.document;

import static io.guestdata.core.document.Fixtures.accept;
import static io.guestdata.core.document.Fixtures.chars;
import static io.guestdata.core.document.Fixtures.json;
import static io.guestdata.core.document.Fixtures.minimal;
import static io.guestdata.core.document.Fixtures.reject;
import static io.guestdata.core.document.Fixtures.rejectOnly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.core.BlockDevices;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** root_device_name, ephemeral_devices, swap_device, volume_devices. */
class BlockDeviceRulesTest {

    private static String quote(String text) {
        try {
            return Fixtures.JSON.writeValueAsString(text);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static ObjectNode with(String members) {
        ObjectNode doc = minimal();
        json("{" + members + "}").properties().forEach(e -> doc.set(e.getKey(), e.getValue()));
        return doc;
    }

    @Test
    void withoutDevicesTheRootIsLibvirtsVirtioDisk() {
        assertEquals(BlockDevices.rootOnly("/dev/vda"), accept(minimal()).blockDevices());
    }

    @Test
    void nullMeansNoRootDeviceName() {
        assertEquals(BlockDevices.noRoot(), accept(with("\"root_device_name\": null")).blockDevices());
    }

    @Test
    void everyDeviceIsKeptInDocumentOrder() {
        BlockDevices devices = accept(with("\"root_device_name\": \"/dev/sda\", \"ephemeral_devices\": [\"/dev/sdc\", \"/dev/sdb\"],"
                + " \"swap_device\": \"/dev/sdd\", \"volume_devices\": [\"/dev/sdf\", \"/dev/sde\"]")).blockDevices();
        assertEquals(new BlockDevices(Optional.of("/dev/sda"), List.of("/dev/sdc", "/dev/sdb"), Optional.of("/dev/sdd"),
                List.of("/dev/sdf", "/dev/sde")), devices);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/dev/vda", "/dev/sda1", "/dev/xvdaa", "/dev/hdd", "/dev/x"})
    void namesNovasMatchDeviceAccepts(String name) {
        assertEquals(Optional.of(name), accept(with("\"root_device_name\": \"" + name + "\"")).blockDevices().rootDeviceName());
        assertEquals(List.of(name), accept(with("\"volume_devices\": [\"" + name + "\"]")).blockDevices().volumes());
    }

    @ParameterizedTest
    @ValueSource(strings = {"vda", "/dev/", "/dev/vda\n", "/dev/VDA", "/dev/vd a", "/dev/1", "/dev/vda1b", "/dev/disk/by-id/x",
            "/dev/nvme0n1", "", "/dev//vda", " /dev/vda"})
    void otherNamesAreRefusedWithNovasPattern(String name) {
        DocumentError root = rejectOnly(with("\"root_device_name\": " + quote(name)), "/root_device_name",
                "root_device_name.pattern");
        assertTrue(root.message().contains("^/dev/[a-z]+[0-9]*$"), root.message());
        rejectOnly(with("\"swap_device\": " + quote(name)), "/swap_device", "swap_device.pattern");
        rejectOnly(with("\"ephemeral_devices\": [\"/dev/vdb\", " + quote(name) + "]"), "/ephemeral_devices/1",
                "ephemeral_devices.item.pattern");
        rejectOnly(with("\"volume_devices\": [" + quote(name) + "]"), "/volume_devices/0",
                "volume_devices.item.pattern");
    }

    @Test
    void aDeviceNameHasAtMost255Characters() {
        String at255 = "/dev/" + chars('v', 250);
        String at256 = at255 + "d";
        accept(with("\"root_device_name\": \"" + at255 + "\", \"volume_devices\": [\"" + at255 + "\"]"));
        DocumentError over = rejectOnly(with("\"root_device_name\": \"" + at256 + "\""), "/root_device_name",
                "root_device_name.length");
        assertEquals(Optional.of("255 characters"), over.limit());
        rejectOnly(with("\"swap_device\": \"" + at256 + "\""), "/swap_device", "swap_device.length");
        rejectOnly(with("\"ephemeral_devices\": [\"" + at256 + "\"]"), "/ephemeral_devices/0", "ephemeral_devices.item.length");
        rejectOnly(with("\"volume_devices\": [\"" + at256 + "\"]"), "/volume_devices/0", "volume_devices.item.length");
    }

    @Test
    void wrongTypes() {
        rejectOnly(with("\"root_device_name\": 1"), "/root_device_name", "root_device_name.type");
        rejectOnly(with("\"root_device_name\": [\"/dev/vda\"]"), "/root_device_name", "root_device_name.type");
        rejectOnly(with("\"swap_device\": null"), "/swap_device", "swap_device.type");
        rejectOnly(with("\"ephemeral_devices\": \"/dev/vdb\""), "/ephemeral_devices", "ephemeral_devices.type");
        rejectOnly(with("\"ephemeral_devices\": [2]"), "/ephemeral_devices/0", "ephemeral_devices.item.type");
        rejectOnly(with("\"volume_devices\": {}"), "/volume_devices", "volume_devices.type");
        rejectOnly(with("\"volume_devices\": [null]"), "/volume_devices/0", "volume_devices.item.type");
    }

    @Test
    void withoutARootDeviceNameNoOtherDevice() {
        for (String member : List.of("\"ephemeral_devices\": []", "\"swap_device\": \"/dev/vdb\"", "\"volume_devices\": [\"/dev/vdb\"]")) {
            String name = member.substring(1, member.indexOf('"', 1));
            DocumentError error = rejectOnly(with("\"root_device_name\": null, " + member), "/" + name, name + ".without_root");
            assertTrue(error.message().contains("fallback"), error.message());
        }
    }

    @Test
    void everyDiskHasItsOwnName() {
        rejectOnly(with("\"ephemeral_devices\": [\"/dev/vda\"]"), "/ephemeral_devices/0", "ephemeral_devices.duplicate");
        DocumentError defaulted = rejectOnly(with("\"swap_device\": \"/dev/vda\""), "/swap_device", "swap_device.duplicate");
        assertTrue(defaulted.message().contains("defaults to /dev/vda"), defaulted.message());
        DocumentError swap = rejectOnly(with("\"ephemeral_devices\": [\"/dev/vdb\"], \"swap_device\": \"/dev/vdb\""),
                "/swap_device", "swap_device.duplicate");
        assertTrue(swap.message().contains("/ephemeral_devices/0"), swap.message());
        rejectOnly(with("\"ephemeral_devices\": [\"/dev/vdb\", \"/dev/vdb\"]"), "/ephemeral_devices/1", "ephemeral_devices.duplicate");
        rejectOnly(with("\"swap_device\": \"/dev/vdb\", \"volume_devices\": [\"/dev/vdb\"]"), "/volume_devices/0",
                "volume_devices.duplicate");
        rejectOnly(with("\"volume_devices\": [\"/dev/vdb\", \"/dev/vdb\"]"), "/volume_devices/1", "volume_devices.duplicate");
        rejectOnly(with("\"volume_devices\": [\"/dev/vda\", \"/dev/vda\"]"), "/volume_devices/1", "volume_devices.duplicate");
    }

    @Test
    void aVolumeMayBeTheRootDisk() {
        assertEquals(List.of("/dev/vda", "/dev/vdb"),
                accept(with("\"volume_devices\": [\"/dev/vda\", \"/dev/vdb\"]")).blockDevices().volumes());
    }

    @Test
    void everyErrorIsReportedAtOnce() {
        List<DocumentError> errors = reject(with("\"root_device_name\": \"vda\", \"swap_device\": 1,"
                + " \"ephemeral_devices\": [\"x\", \"/dev/vdb\", \"y\"]"));
        assertEquals(List.of("root_device_name.pattern", "ephemeral_devices.item.pattern", "ephemeral_devices.item.pattern",
                "swap_device.type"), errors.stream().map(DocumentError::rule).toList());
    }
}
