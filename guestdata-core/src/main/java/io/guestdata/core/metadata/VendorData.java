package io.guestdata.core.metadata;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;

/**
 * Vendor data (nova-compat.md §4). Our static part is the service-wide static vendor data with the
 * instance's own {@code vendor_data} merged over it (top-level keys, the instance wins, keys keep their
 * first position as with Python's {@code dict.update}); Nova has only the service-wide file.
 *
 * <p>{@code vendor_data.json} is that object; {@code vendor_data2.json} is {@code {"static": <it>}}
 * followed by one member per dynamic target (the HTTP service adds those through
 * {@link #vendorData2(SequencedMap)}).
 */
public final class VendorData {
    static final String STATIC_KEY = "static";

    private final ObjectNode merged;
    private final byte[] vendorDataJson;
    private final byte[] vendorData2Json;

    VendorData(ObjectNode serviceStatic, Optional<ObjectNode> instanceVendorData) {
        ObjectNode object = serviceStatic.deepCopy();
        instanceVendorData.ifPresent(own -> own.properties().forEach(e -> object.set(e.getKey(), e.getValue().deepCopy())));
        this.merged = object;
        this.vendorDataJson = PythonJson.dumpsUtf8(merged);
        this.vendorData2Json = PythonJson.dumpsUtf8(vendorData2(new java.util.LinkedHashMap<>()));
    }

    /** The merged static vendor data (a copy). */
    public ObjectNode staticVendorData() {
        return merged.deepCopy();
    }

    /**
     * {@code vendor_data2.json} with the given dynamic target results, in target order. As in Nova, a target
     * whose name is already a key ({@code static}, or an earlier target) is dropped.
     *
     * @param dynamicTargets target name → that target's JSON answer ({@code {}} when it failed)
     */
    public ObjectNode vendorData2(SequencedMap<String, JsonNode> dynamicTargets) {
        ObjectNode document = JsonNodeFactory.instance.objectNode();
        document.set(STATIC_KEY, merged.deepCopy());
        for (Map.Entry<String, JsonNode> target : dynamicTargets.entrySet()) {
            if (!document.has(target.getKey())) {
                document.set(target.getKey(), target.getValue().deepCopy());
            }
        }
        return document;
    }

    byte[] vendorDataJson() {
        return vendorDataJson;
    }

    /** {@code vendor_data2.json} without dynamic targets. */
    byte[] vendorData2Json() {
        return vendorData2Json;
    }
}
