package io.guestdata.core.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.guestdata.core.Instance;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;
import org.junit.jupiter.api.Test;

/** The HTTP service's seams into the tree: dynamic vendor data, the routed path, the unauthenticated "/". */
class MetadataTreeDynamicVendorDataTest {
    private final MetadataTree tree = MetadataTreeLookupTest.tree(TestInstances.example().build());

    @Test
    void dynamicMembersFollowStaticAndAreAskedForPerRender() {
        List<Instance> calls = new ArrayList<>();
        DynamicVendorData dynamic = instance -> {
            calls.add(instance);
            SequencedMap<String, JsonNode> m = new LinkedHashMap<>();
            m.put("static", JsonNodeFactory.instance.textNode("dropped: the name is taken"));
            m.put("testing", JsonNodeFactory.instance.objectNode().put("hello", "world"));
            m.put("failed", JsonNodeFactory.instance.objectNode());
            return m;
        };
        for (String path : List.of("/openstack/latest/vendor_data2.json", "/openstack/2016-10-06/vendor_data2.json",
                "/openstack/2018-08-27/../latest/vendor_data2.json")) {
            LookupResult.Found found = assertInstanceOf(LookupResult.Found.class, tree.lookup(path, null, dynamic));
            assertEquals("{\"static\": {}, \"testing\": {\"hello\": \"world\"}, \"failed\": {}}",
                    new String(found.body(), StandardCharsets.UTF_8), path);
            assertEquals(LookupResult.APPLICATION_JSON, found.contentType());
        }
        assertEquals(3, calls.size());
        assertSame(tree.instance(), calls.getFirst());
    }

    @Test
    void nothingIsAskedForOtherPathsOrOlderVersions() {
        DynamicVendorData refuse = instance -> {
            throw new AssertionError("must not be called");
        };
        assertInstanceOf(LookupResult.NotFound.class, tree.lookup("/openstack/2016-06-30/vendor_data2.json", null, refuse));
        assertInstanceOf(LookupResult.Found.class, tree.lookup("/openstack/latest/vendor_data.json", null, refuse));
        assertInstanceOf(LookupResult.Found.class, tree.lookup("/openstack/latest/meta_data.json", null, refuse));
        assertEquals(tree.lookup("/openstack/latest/vendor_data2.json", null),
                tree.lookup("/openstack/latest/vendor_data2.json", null, null), "null means no dynamic targets");
    }

    @Test
    void aFatalTargetFailureFailsTheLookup() {
        DynamicVendorData fatal = instance -> {
            throw new IllegalStateException("target down");
        };
        assertThrows(IllegalStateException.class, () -> tree.lookup("/openstack/latest/vendor_data2.json", null, fatal));
    }

    @Test
    void requestPathAndTheVersionList() {
        assertEquals("/", MetadataTree.requestPath("/latest/.."));
        assertEquals("/", MetadataTree.requestPath(""));
        assertEquals("//x", MetadataTree.requestPath("//x/"));
        assertEquals("/latest/user-data", MetadataTree.requestPath("latest/meta-data/../user-data"));
        assertEquals(tree.lookup("/", null), MetadataTree.ec2VersionList());
    }
}
