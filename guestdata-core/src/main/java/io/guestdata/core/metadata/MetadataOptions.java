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
 * @param serviceServesFiles              the metadata service lists and serves injected files too
 * @param novaRelease                     the Nova release guests see (docs/nova-releases.md)
 */
public record MetadataOptions(String dhcpDomain,
                              ObjectNode staticVendorData,
                              Set<String> configDriveSkipVersions,
                              boolean networkConfigForStaticAddresses,
                              boolean serviceServesFiles,
                              NovaRelease novaRelease) {

    /** Nova's default {@code config_drive_skip_versions}: every EC2 version but 2009-04-04 (and latest). */
    public static final Set<String> NOVA_CONFIG_DRIVE_SKIP_VERSIONS = Collections.unmodifiableSet(new LinkedHashSet<>(
            java.util.List.of("1.0", "2007-01-19", "2007-03-01", "2007-08-29", "2007-10-10",
                    "2007-12-15", "2008-02-01", "2008-09-01")));

    public MetadataOptions {
        Objects.requireNonNull(dhcpDomain, "dhcpDomain");
        Objects.requireNonNull(novaRelease, "novaRelease");
        staticVendorData = Objects.requireNonNull(staticVendorData, "staticVendorData").deepCopy();
        configDriveSkipVersions = Collections.unmodifiableSet(
                new LinkedHashSet<>(Objects.requireNonNull(configDriveSkipVersions, "configDriveSkipVersions")));
    }

    /**
     * Nova's defaults (domain {@code novalocal}, empty static vendor data, Nova's skip list), the template on,
     * and injected files served by the metadata service too — beyond Nova, whose service never has them
     * (personality files are not stored), so nothing is lost when an instance is rebuilt or evacuated; the
     * {@linkplain NovaRelease#DEFAULT default Nova release}.
     */
    public static MetadataOptions defaults() {
        return new MetadataOptions("novalocal", JsonNodeFactory.instance.objectNode(),
                NOVA_CONFIG_DRIVE_SKIP_VERSIONS, true, true, NovaRelease.DEFAULT);
    }

    /** Exactly what Nova's metadata service shows: no {@code files}, no file content blobs. */
    public MetadataOptions novaExact() {
        return withServiceServesFiles(false);
    }

    /** A copy: the record stays immutable. */
    @Override
    public ObjectNode staticVendorData() {
        return staticVendorData.deepCopy();
    }

    public MetadataOptions withDhcpDomain(String domain) {
        return new MetadataOptions(domain, staticVendorData, configDriveSkipVersions, networkConfigForStaticAddresses,
                serviceServesFiles, novaRelease);
    }

    public MetadataOptions withStaticVendorData(ObjectNode vendorData) {
        return new MetadataOptions(dhcpDomain, vendorData, configDriveSkipVersions, networkConfigForStaticAddresses,
                serviceServesFiles, novaRelease);
    }

    public MetadataOptions withConfigDriveSkipVersions(Set<String> skip) {
        return new MetadataOptions(dhcpDomain, staticVendorData, skip, networkConfigForStaticAddresses,
                serviceServesFiles, novaRelease);
    }

    public MetadataOptions withNetworkConfigForStaticAddresses(boolean render) {
        return new MetadataOptions(dhcpDomain, staticVendorData, configDriveSkipVersions, render, serviceServesFiles,
                novaRelease);
    }

    /**
     * Whether the metadata service lists injected files in {@code meta_data.json} and serves their bytes at
     * {@code /openstack/content/NNNN}, as the config drive does (default). Off: Nova's service exactly.
     */
    public MetadataOptions withServiceServesFiles(boolean serve) {
        return new MetadataOptions(dhcpDomain, staticVendorData, configDriveSkipVersions,
                networkConfigForStaticAddresses, serve, novaRelease);
    }

    /** The Nova release guests see: its version list, its network data rules (docs/nova-releases.md). */
    public MetadataOptions withNovaRelease(NovaRelease release) {
        return new MetadataOptions(dhcpDomain, staticVendorData, configDriveSkipVersions,
                networkConfigForStaticAddresses, serviceServesFiles, release);
    }
}
