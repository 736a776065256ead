package io.guestdata.core.metadata;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * Service-wide settings that shape what guests see (the Nova options of the same meaning in brackets).
 *
 * @param dhcpDomain                      appended to the hostname with a dot ({@code [api] dhcp_domain});
 *                                        {@code ""} means no suffix
 * @param staticVendorData                the service-wide static vendor data ({@code StaticJSON} provider
 *                                        file); the instance's own {@code vendor_data} is merged over it
 * @param configDriveSkipVersions         EC2 versions (or {@code latest}) left off the config drive
 *                                        ({@code [api] config_drive_skip_versions})
 * @param networkConfigForStaticAddresses render the interfaces template (content {@code 0000}) for links
 *                                        with static addresses, as Nova does with {@code flat_injected=True}
 */
public record MetadataOptions(String dhcpDomain,
                              ObjectNode staticVendorData,
                              Set<String> configDriveSkipVersions,
                              boolean networkConfigForStaticAddresses) {

    /** Nova's default {@code config_drive_skip_versions}: every EC2 version but 2009-04-04 (and latest). */
    public static final Set<String> NOVA_CONFIG_DRIVE_SKIP_VERSIONS = Collections.unmodifiableSet(new LinkedHashSet<>(
            java.util.List.of("1.0", "2007-01-19", "2007-03-01", "2007-08-29", "2007-10-10",
                    "2007-12-15", "2008-02-01", "2008-09-01")));

    public MetadataOptions {
        Objects.requireNonNull(dhcpDomain, "dhcpDomain");
        staticVendorData = Objects.requireNonNull(staticVendorData, "staticVendorData").deepCopy();
        configDriveSkipVersions = Collections.unmodifiableSet(
                new LinkedHashSet<>(Objects.requireNonNull(configDriveSkipVersions, "configDriveSkipVersions")));
    }

    /** Nova's defaults: domain {@code novalocal}, empty static vendor data, Nova's skip list, template on. */
    public static MetadataOptions defaults() {
        return new MetadataOptions("novalocal", JsonNodeFactory.instance.objectNode(),
                NOVA_CONFIG_DRIVE_SKIP_VERSIONS, true);
    }

    /** A copy: the record stays immutable. */
    @Override
    public ObjectNode staticVendorData() {
        return staticVendorData.deepCopy();
    }

    public MetadataOptions withDhcpDomain(String domain) {
        return new MetadataOptions(domain, staticVendorData, configDriveSkipVersions, networkConfigForStaticAddresses);
    }

    public MetadataOptions withStaticVendorData(ObjectNode vendorData) {
        return new MetadataOptions(dhcpDomain, vendorData, configDriveSkipVersions, networkConfigForStaticAddresses);
    }

    public MetadataOptions withConfigDriveSkipVersions(Set<String> skip) {
        return new MetadataOptions(dhcpDomain, staticVendorData, skip, networkConfigForStaticAddresses);
    }

    public MetadataOptions withNetworkConfigForStaticAddresses(boolean render) {
        return new MetadataOptions(dhcpDomain, staticVendorData, configDriveSkipVersions, render);
    }
}
