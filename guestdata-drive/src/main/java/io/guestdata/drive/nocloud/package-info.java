/**
 * NoCloud seeds: the volume {@code cloud-localds} makes and cloud-init's NoCloud datasource reads
 * (label {@code cidata}; files {@code meta-data}, {@code user-data}, {@code network-config},
 * {@code vendor-data}), made from the same {@link io.guestdata.core.metadata.MetadataTree} as the config
 * drive so that cloud-init finds the same instance either way. Entry point:
 * {@link io.guestdata.drive.nocloud.NoCloudSeed}; the volume is written with the ISO 9660 or VFAT writer.
 *
 * <p>The conversions follow cloud-init 22.4's own code, checked against it by the tests:
 * {@code NetworkConfigV1} ({@code convert_net_json}), {@code CloudInitVendorData}
 * ({@code convert_vendordata}), {@code FlowYaml} (JSON that cloud-init's YAML loader reads back as
 * {@code json.loads} would).
 */
package io.guestdata.drive.nocloud;
