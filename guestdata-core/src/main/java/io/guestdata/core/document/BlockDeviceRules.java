package io.guestdata.core.document;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.guestdata.core.BlockDevices;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The disks' device names: {@code root_device_name} (default {@link BlockDevices#VIRTIO_ROOT}, {@code null}
 * for none), {@code ephemeral_devices}, {@code swap_device} and {@code volume_devices}.
 *
 * <p>A device name is what Nova accepts for one: 1 to 255 characters without spaces
 * ({@code block_device.validate_device_name}) that {@code block_device.match_device} recognises, which is
 * {@code /dev/} + letters + optional digits (Nova refuses to attach a volume to an instance whose root device
 * name does not match it, {@code compute.utils.get_next_device_name}). Unlike Python's {@code $}, a final
 * newline is not accepted. Every disk has its own name, except that a volume may be the root disk (boot from
 * volume: Nova lists that volume as an {@code ebsN} too). Without a root device name Nova serves its fixed
 * fallback mapping and never the other devices, so they are refused then rather than silently dropped.
 */
final class BlockDeviceRules {

    /** Nova's {@code match_device} pattern, anchored at both ends (nova/block_device.py). */
    static final String DEVICE_NAME_PATTERN = "/dev/[a-z]+[0-9]*";
    /** {@code validate_device_name}'s limit, also the DB column's VARCHAR(255). */
    static final int MAX_DEVICE_NAME = 255;
    private static final Pattern DEVICE_NAME = Pattern.compile(DEVICE_NAME_PATTERN);
    private static final String ROOT = "root_device_name";
    private static final String EPHEMERAL = "ephemeral_devices";
    private static final String SWAP = "swap_device";
    private static final String VOLUMES = "volume_devices";

    private BlockDeviceRules() {
    }

    static Optional<BlockDevices> read(Members members) {
        int before = members.errors().size();
        Optional<JsonNode> rootNode = members.node(ROOT, false);
        boolean explicitlyNone = rootNode.isPresent() && rootNode.get().isNull();
        Optional<String> root = Optional.empty();
        if (rootNode.isPresent() && !explicitlyNone && !rootNode.get().isTextual()) {
            members.errors().add(members.at(ROOT), members.rule(ROOT, "type"),
                    "must be a device name (a string) or null, is " + JsonTypes.describe(rootNode.get()));
        } else if (!explicitlyNone) {
            root = deviceName(members, ROOT, ROOT);
        }
        Optional<List<String>> ephemeral = deviceNames(members, EPHEMERAL);
        Optional<String> swap = deviceName(members, SWAP, SWAP);
        Optional<List<String>> volumes = deviceNames(members, VOLUMES);
        if (explicitlyNone) {
            for (String member : List.of(EPHEMERAL, SWAP, VOLUMES)) {
                if (members.node(member, false).isPresent()) {
                    members.errors().add(members.at(member), members.rule(member, "without_root"), "'" + member
                            + "' needs a root device name: with root_device_name null Nova serves its fixed fallback"
                            + " mapping (ami sda1, ephemeral0 sda2, root /dev/sda1, swap sda3) and no other device");
                }
            }
        }
        if (members.errors().size() > before) {
            return Optional.empty();
        }
        if (explicitlyNone) {
            return Optional.of(BlockDevices.noRoot());
        }
        BlockDevices devices = new BlockDevices(Optional.of(root.orElse(BlockDevices.VIRTIO_ROOT)),
                ephemeral.orElse(List.of()), swap, volumes.orElse(List.of()));
        return unique(members, devices, root.isEmpty()) ? Optional.of(devices) : Optional.empty();
    }

    /** Each disk its own name; a volume may carry the root disk's (boot from volume). */
    private static boolean unique(Members members, BlockDevices devices, boolean defaultRoot) {
        Map<String, String> seen = new HashMap<>();
        devices.rootDeviceName().ifPresent(root -> seen.put(root, defaultRoot
                ? "of the root disk (root_device_name defaults to " + BlockDevices.VIRTIO_ROOT + ")"
                : members.at(ROOT).text()));
        boolean valid = true;
        for (int i = 0; i < devices.ephemeral().size(); i++) {
            valid &= firstUse(members, seen, members.at(EPHEMERAL).element(i), devices.ephemeral().get(i),
                    members.rule(EPHEMERAL, "duplicate"));
        }
        if (devices.swap().isPresent()) {
            valid &= firstUse(members, seen, members.at(SWAP), devices.swap().get(), members.rule(SWAP, "duplicate"));
        }
        Map<String, String> volumesSeen = new HashMap<>();
        for (int i = 0; i < devices.volumes().size(); i++) {
            String name = devices.volumes().get(i);
            DocumentPointer at = members.at(VOLUMES).element(i);
            String rule = members.rule(VOLUMES, "duplicate");
            valid &= firstUse(members, volumesSeen, at, name, rule)
                    && (devices.rootDeviceName().filter(name::equals).isPresent() || firstUse(members, seen, at, name, rule));
        }
        return valid;
    }

    private static boolean firstUse(Members members, Map<String, String> seen, DocumentPointer at,
                                    String name, String rule) {
        String earlier = seen.putIfAbsent(name, at.text());
        if (earlier == null) {
            return true;
        }
        members.errors().add(at, rule, "'" + name + "' is already the device name " + (earlier.startsWith("/")
                ? "at " : "") + earlier + "; every disk has its own (only a volume may be the root disk: boot from volume)");
        return false;
    }

    private static Optional<List<String>> deviceNames(Members members, String member) {
        Optional<ArrayNode> array = members.array(member, false);
        if (array.isEmpty()) {
            return Optional.empty();
        }
        List<String> names = new ArrayList<>();
        boolean valid = true;
        DocumentPointer at = members.at(member);
        for (int i = 0; i < array.get().size(); i++) {
            JsonNode item = array.get().get(i);
            if (!item.isTextual()) {
                members.errors().add(at.element(i), members.rule(member, "item.type"),
                        "a device name must be a string, is " + JsonTypes.describe(item));
                valid = false;
                continue;
            }
            if (check(members, at.element(i), member + ".item", item.textValue())) {
                names.add(item.textValue());
            } else {
                valid = false;
            }
        }
        return valid ? Optional.of(names) : Optional.empty();
    }

    private static Optional<String> deviceName(Members members, String member, String rule) {
        return members.string(member, false).filter(name -> check(members, members.at(member), rule, name));
    }

    private static boolean check(Members members, DocumentPointer at, String rule, String name) {
        int length = TextLength.of(name);
        if (length > MAX_DEVICE_NAME) {
            members.errors().add(at, rule + ".length", "a device name may have at most " + MAX_DEVICE_NAME
                    + " characters, has " + length, TextLength.characters(MAX_DEVICE_NAME));
            return false;
        }
        if (!DEVICE_NAME.matcher(name).matches()) {
            members.errors().add(at, rule + ".pattern", "'" + InstanceFieldRules.abbreviate(name)
                    + "' is not a device name as Nova accepts one: '/dev/', letters, then optional digits,"
                    + " e.g. /dev/vdb (pattern ^" + DEVICE_NAME_PATTERN + "$)");
            return false;
        }
        return true;
    }
}
