package io.guestdata.core.metadata;

import com.fasterxml.jackson.databind.JsonNode;
import io.guestdata.core.Instance;
import java.util.SequencedMap;

/**
 * The dynamic members of {@code vendor_data2.json} (Nova's {@code DynamicJSON} provider, nova-compat.md §4),
 * asked for on every render of that file and never cached, as Nova does. The metadata service implements it
 * with HTTP calls to the configured targets; {@link MetadataTree#lookup(String, String, DynamicVendorData)}
 * calls it only when the request resolves to {@code vendor_data2.json} of a version that has it.
 */
@FunctionalInterface
public interface DynamicVendorData {
    /**
     * @param instance the instance whose {@code vendor_data2.json} is being rendered
     * @return target name → that target's JSON ({@code {}} when it failed and failures are not fatal), in
     *         target order; a name already present ({@code static}, an earlier target) is dropped by the tree
     * @throws RuntimeException when a target failed and failures are fatal: the request fails
     */
    SequencedMap<String, JsonNode> fetch(Instance instance);
}
