package io.guestdata.core;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * One validated instance: everything that must reach one virtual machine
 * ({@code shared/spec/instance-document.md}). Produced only by the document parser,
 * which has already applied every rule and default; consumers never re-validate.
 *
 * @param uuid             instance id ({@code uuid} in meta_data.json)
 * @param name             display name
 * @param hostname         host name without the dhcp domain: the document's {@code hostname},
 *                         or {@code name} sanitised as Nova's {@code sanitize_hostname} does
 * @param projectId        owning project/tenant
 * @param availabilityZone default {@code "nova"}
 * @param launchIndex      0-based index within a multi-create
 * @param reservationId    EC2 reservation id; when the document has none it is derived from the uuid
 * @param instanceType     flavor name (EC2 {@code instance-type})
 * @param imageId          image reference (EC2 {@code ami-id} source)
 * @param kernelId         kernel image reference (EC2 {@code kernel-id})
 * @param ramdiskId        ramdisk image reference (EC2 {@code ramdisk-id})
 * @param keyName          the document's {@code key_name}, when it had one
 * @param keys             every public key to deliver, in order: the {@code key_name} key pair first
 *                         (when given), then the inline {@code public_keys} in document order
 * @param metadata         user metadata, insertion order kept
 * @param files            injected files (Nova "personality"), request order kept
 * @param userData         user data, when given
 * @param adminPass        admin password, when given
 * @param networkData      network configuration in OpenStack {@code network_data.json} form,
 *                         key order as given; do not mutate
 * @param vendorData       per-instance vendor data; do not mutate
 * @param securityGroups   EC2 security group names, default {@code ["default"]}
 * @param blockDevices     the disks' device names (EC2 {@code block-device-mapping}); by default a virtio
 *                         root disk {@code /dev/vda} and nothing else
 * @param configDrive      whether a config drive is wanted
 */
public record Instance(
        UUID uuid,
        String name,
        String hostname,
        Optional<String> projectId,
        String availabilityZone,
        int launchIndex,
        String reservationId,
        Optional<String> instanceType,
        Optional<String> imageId,
        Optional<String> kernelId,
        Optional<String> ramdiskId,
        Optional<String> keyName,
        List<KeyPair> keys,
        Map<String, String> metadata,
        List<InjectedFile> files,
        Optional<UserData> userData,
        Optional<String> adminPass,
        Optional<ObjectNode> networkData,
        Optional<ObjectNode> vendorData,
        List<String> securityGroups,
        BlockDevices blockDevices,
        boolean configDrive) {

    public Instance {
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(hostname, "hostname");
        Objects.requireNonNull(projectId, "projectId");
        Objects.requireNonNull(availabilityZone, "availabilityZone");
        Objects.requireNonNull(reservationId, "reservationId");
        Objects.requireNonNull(instanceType, "instanceType");
        Objects.requireNonNull(imageId, "imageId");
        Objects.requireNonNull(kernelId, "kernelId");
        Objects.requireNonNull(ramdiskId, "ramdiskId");
        Objects.requireNonNull(keyName, "keyName");
        Objects.requireNonNull(userData, "userData");
        Objects.requireNonNull(adminPass, "adminPass");
        Objects.requireNonNull(networkData, "networkData");
        Objects.requireNonNull(vendorData, "vendorData");
        Objects.requireNonNull(blockDevices, "blockDevices");
        if (launchIndex < 0) {
            throw new IllegalArgumentException("launchIndex must be >= 0, was " + launchIndex);
        }
        keys = List.copyOf(keys);
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        files = List.copyOf(files);
        securityGroups = List.copyOf(securityGroups);
    }
}
