package io.guestdata.core.metadata;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The small public value types: array-safe equality, immutability, defaults, the vendor data seam. */
class ValueTypesTest {

    @Test
    void metadataFileIsAnImmutableValue() {
        byte[] bytes = {1, 2, 3};
        MetadataFile file = new MetadataFile("openstack/latest/user_data", bytes);
        bytes[0] = 9;
        assertArrayEquals(new byte[] {1, 2, 3}, file.contents());
        file.contents()[1] = 9;
        assertArrayEquals(new byte[] {1, 2, 3}, file.contents());
        assertEquals(new MetadataFile("openstack/latest/user_data", new byte[] {1, 2, 3}), file);
        assertEquals(new MetadataFile("openstack/latest/user_data", new byte[] {1, 2, 3}).hashCode(), file.hashCode());
        assertNotEquals(new MetadataFile("openstack/latest/user_data", new byte[] {1, 2}), file);
        assertEquals(3, file.size());
    }

    @Test
    void foundComparesBodies() {
        LookupResult.Found a = new LookupResult.Found(new byte[] {'x'}, LookupResult.TEXT_PLAIN);
        assertEquals(new LookupResult.Found(new byte[] {'x'}, LookupResult.TEXT_PLAIN), a);
        assertNotEquals(new LookupResult.Found(new byte[] {'x'}, LookupResult.APPLICATION_JSON), a);
        a.body()[0] = 'y';
        assertEquals(ByteBuffer.wrap(new byte[] {'x'}), a.bodyBuffer());
        assertTrue(a.bodyBuffer().isReadOnly());
        assertEquals(1, a.length());
    }

    @Test
    void optionDefaultsAreNovas() {
        MetadataOptions d = MetadataOptions.defaults();
        assertEquals("novalocal", d.dhcpDomain());
        assertEquals(TestInstances.json("{}"), d.staticVendorData());
        assertEquals(Set.of("1.0", "2007-01-19", "2007-03-01", "2007-08-29", "2007-10-10", "2007-12-15", "2008-02-01",
                "2008-09-01"), d.configDriveSkipVersions());
        assertTrue(d.networkConfigForStaticAddresses());
        assertEquals("", d.withDhcpDomain("").dhcpDomain());
        assertEquals(d, d.withDhcpDomain("x").withDhcpDomain("novalocal"));
        ObjectNode given = TestInstances.json("{\"a\": 1}");
        MetadataOptions o = d.withStaticVendorData(given);
        given.put("b", 2);
        o.staticVendorData().put("c", 3);
        assertEquals(TestInstances.json("{\"a\": 1}"), o.staticVendorData());
        assertThrows(UnsupportedOperationException.class, () -> d.configDriveSkipVersions().add("latest"));
    }

    @Test
    void vendorData2AddsDynamicTargetsAfterStaticAndDropsDuplicateNames() {
        VendorData vendorData = new VendorData(TestInstances.json("{\"a\": 1}"), java.util.Optional.empty());
        LinkedHashMap<String, JsonNode> targets = new LinkedHashMap<>();
        targets.put("testing", TestInstances.json("{\"hello\": \"world\"}"));
        targets.put("static", TestInstances.json("{\"ignored\": true}"));
        targets.put("failed", TestInstances.json("{}"));
        assertEquals("{\"static\": {\"a\": 1}, \"testing\": {\"hello\": \"world\"}, \"failed\": {}}",
                PythonJson.dumps(vendorData.vendorData2(targets)));
        assertEquals("{\"static\": {\"a\": 1}}", new String(vendorData.vendorData2Json(), java.nio.charset.StandardCharsets.US_ASCII));
    }
}
