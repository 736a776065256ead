package io.guestdata.core;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The disks of an instance as the guest knows them: the device names Nova records for them
 * ({@code instance.root_device_name}, the blank and volume block device mappings), from which Nova
 * derives the EC2 {@code block-device-mapping} (nova/block_device.py {@code instance_block_mapping};
 * nova-compat.md §1.6).
 *
 * @param rootDeviceName the root disk's device name ({@code /dev/vda} for a libvirt/virtio guest); empty
 *                       for an instance without one, for which Nova serves its fixed fallback mapping and
 *                       nothing else
 * @param ephemeral      the blank local disks, in order ({@code ephemeral0}, {@code ephemeral1}…)
 * @param swap           the swap disk
 * @param volumes        the attached volumes, in the document's order (Nova numbers them {@code ebs0}… after
 *                       sorting by device name); a boot-from-volume root volume carries the root device name
 */
public record BlockDevices(Optional<String> rootDeviceName, List<String> ephemeral, Optional<String> swap,
                           List<String> volumes) {

    /** The root device name Nova's libvirt driver gives a virtio root disk, every guest's default. */
    public static final String VIRTIO_ROOT = "/dev/vda";

    public BlockDevices {
        Objects.requireNonNull(rootDeviceName, "rootDeviceName");
        Objects.requireNonNull(swap, "swap");
        ephemeral = List.copyOf(ephemeral);
        volumes = List.copyOf(volumes);
        if (rootDeviceName.isEmpty() && (!ephemeral.isEmpty() || swap.isPresent() || !volumes.isEmpty())) {
            throw new IllegalArgumentException("devices without a root device name: Nova would not show them");
        }
    }

    /** Only a root disk of that name. */
    public static BlockDevices rootOnly(String rootDeviceName) {
        return new BlockDevices(Optional.of(rootDeviceName), List.of(), Optional.empty(), List.of());
    }

    /** An instance without a root device name (Nova: {@code root_device_name=None}). */
    public static BlockDevices noRoot() {
        return new BlockDevices(Optional.empty(), List.of(), Optional.empty(), List.of());
    }
}
