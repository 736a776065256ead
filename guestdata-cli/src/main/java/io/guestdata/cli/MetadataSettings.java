package io.guestdata.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.core.metadata.NovaRelease;
import java.nio.file.Path;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** Service-wide settings that shape what guests see (Nova's [api] options of the same meaning). */
final class MetadataSettings {
    @Option(names = "--dhcp-domain", paramLabel = "DOMAIN", defaultValue = "novalocal",
            description = "Domain appended to the host name, as Nova's [api] dhcp_domain (default: ${DEFAULT-VALUE}; "
                    + "empty for none).")
    String dhcpDomain;

    @Option(names = "--vendor-data", paramLabel = "FILE",
            description = "Static vendor data JSON object (Nova's vendordata_jsonfile_path); the instance's own "
                    + "vendor_data is merged over it.")
    Path vendorData;

    @Option(names = "--no-network-config", negatable = false,
            description = "Do not render the legacy interfaces file (network_config, content 0000) for static "
                    + "addresses (Nova's default flat_injected=False).")
    boolean noNetworkConfig;

    @Option(names = "--nova-exact-service", negatable = false,
            description = "Answer as Nova's metadata service exactly: no injected files in meta_data.json or at "
                    + "openstack/content/NNNN (by default the service serves them, as the config drive does).")
    boolean novaExactService;

    @Option(names = "--nova-release", paramLabel = "RELEASE", converter = ReleaseConverter.class,
            description = "The Nova release guests see: 26 (2022.2 Zed) or 31 (2025.1 Epoxy: the 2025-04-04 "
                    + "version, OVN DHCP's mtu) (default: ${DEFAULT-VALUE}). See docs/nova-releases.md.")
    NovaRelease novaRelease = NovaRelease.DEFAULT;

    /** {@code --nova-release}'s value, with {@link NovaRelease#parse}'s message when it is none. */
    static final class ReleaseConverter implements ITypeConverter<NovaRelease> {
        @Override
        public NovaRelease convert(String value) {
            try {
                return NovaRelease.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    MetadataOptions options() throws CommandFailure {
        MetadataOptions options = MetadataOptions.defaults().withNovaRelease(novaRelease).withDhcpDomain(dhcpDomain)
                .withNetworkConfigForStaticAddresses(!noNetworkConfig)
                .withServiceServesFiles(!novaExactService);
        if (vendorData != null) {
            JsonNode node = InstanceOptions.readJson(vendorData, "--vendor-data");
            if (!(node instanceof ObjectNode object)) {
                throw new CommandFailure(ExitCode.INPUT, "--vendor-data " + vendorData + ": must be a JSON object");
            }
            options = options.withStaticVendorData(object);
        }
        return options;
    }
}
