package io.guestdata.core.metadata;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.core.BlockDevices;
import io.guestdata.core.Instance;
import io.guestdata.core.KeyPair;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The EC2 tree for one version ({@code InstanceMetadata.get_ec2_metadata}, nova-compat.md §1.6):
 * {@code {"meta-data": {...}, "user-data": <bytes>}} with meta-data keys in Nova's insertion order
 * (visible in the config drive's {@code meta-data.json}).
 */
final class Ec2MetaData {
    static final String META_DATA = "meta-data";
    static final String USER_DATA = "user-data";
    static final String LOCAL_IPV4 = "local-ipv4";
    private static final String DEV = "/dev/";

    /**
     * Nova's {@code _DEFAULT_MAPPINGS} (nova/block_device.py), served for an instance without a root device
     * name ({@code root_device_name: null}).
     */
    private static final Ec2Value.Dict NO_ROOT_BLOCK_DEVICE_MAPPING = new Ec2Value.Dict(orderedOf(
            "ami", new Ec2Value.Text("sda1"),
            "ephemeral0", new Ec2Value.Text("sda2"),
            "root", new Ec2Value.Text("/dev/sda1"),
            "swap", new Ec2Value.Text("sda3")));

    private Ec2MetaData() {
    }

    /**
     * @param localIpv4 the first static IPv4 address, or empty: then {@code local-ipv4} is the requester's
     */
    static Ec2Value.Dict build(Ec2Version version, Instance instance, Ec2Ids ids, String hostname,
                               Optional<String> localIpv4) {
        Map<String, Ec2Value> md = new LinkedHashMap<>();
        // Nova: None when the instance has no image (boot from volume).
        md.put("ami-id", ids.amiId().<Ec2Value>map(Ec2Value.Text::new).orElseGet(Ec2Value.PythonNone::new));
        md.put("ami-launch-index", new Ec2Value.Int(instance.launchIndex()));
        md.put("ami-manifest-path", new Ec2Value.Text("FIXME"));
        md.put("instance-id", new Ec2Value.Text(ids.instanceId()));
        md.put("hostname", new Ec2Value.Text(hostname));
        md.put(LOCAL_IPV4, localIpv4.<Ec2Value>map(Ec2Value.Text::new).orElseGet(Ec2Value.RequesterAddress::new));
        md.put("reservation-id", new Ec2Value.Text(instance.reservationId()));
        md.put("security-groups", new Ec2Value.TextList(instance.securityGroups()));
        if (!instance.keys().isEmpty()) {
            // Nova: {"0": {"_name": "0=<key name>", "openssh-key": <key>}}; we list every key.
            Map<String, Ec2Value> publicKeys = new LinkedHashMap<>();
            for (int i = 0; i < instance.keys().size(); i++) {
                KeyPair key = instance.keys().get(i);
                publicKeys.put(Integer.toString(i), new Ec2Value.Dict(orderedOf(
                        Ec2Listing.NAME_KEY, new Ec2Value.Text(i + "=" + key.name()),
                        "openssh-key", new Ec2Value.Text(key.publicKey()))));
            }
            md.put("public-keys", new Ec2Value.Dict(publicKeys));
        }
        if (version.atLeast(Ec2Version.V2007_01_19)) {
            md.put("local-hostname", new Ec2Value.Text(hostname));
            md.put("public-hostname", new Ec2Value.Text(hostname));
            md.put("public-ipv4", new Ec2Value.Text("")); // no floating IPs in our model
        }
        if (version.atLeast(Ec2Version.V2007_08_29)) {
            // Nova always has a flavor; without one we show what Nova shows for a missing name: None.
            md.put("instance-type", instance.instanceType().<Ec2Value>map(Ec2Value.Text::new)
                    .orElseGet(Ec2Value.PythonNone::new));
        }
        if (version.atLeast(Ec2Version.V2007_12_15)) {
            md.put("block-device-mapping", blockDeviceMapping(instance.blockDevices()));
            ids.kernelId().ifPresent(id -> md.put("kernel-id", new Ec2Value.Text(id)));
            ids.ramdiskId().ifPresent(id -> md.put("ramdisk-id", new Ec2Value.Text(id)));
        }
        if (version.atLeast(Ec2Version.V2008_02_01)) {
            md.put("placement", new Ec2Value.Dict(orderedOf(
                    "availability-zone", new Ec2Value.Text(instance.availabilityZone()))));
        }
        if (version.atLeast(Ec2Version.V2008_09_01)) {
            md.put("instance-action", new Ec2Value.Text("none"));
        }
        Map<String, Ec2Value> top = new LinkedHashMap<>();
        top.put(META_DATA, new Ec2Value.Dict(md));
        instance.userData().ifPresent(ud -> top.put(USER_DATA, new Ec2Value.Raw(ud.bytes())));
        return new Ec2Value.Dict(top);
    }

    /**
     * Nova's {@code block_device.instance_block_mapping} for the instance as Nova's libvirt driver leaves it:
     * {@code ami} and {@code root} from {@code root_device_name}; {@code swap} from {@code default_swap_device}
     * (the driver sets it for every swap disk); {@code ebsN} from the volume mappings sorted by device name;
     * {@code ephemeralN} from the blank mappings in order (a flavor's ephemeral disk is a blank mapping, so
     * {@code default_ephemeral_device} stays unset). The key order is Nova's insertion order, which the
     * config drive's {@code meta-data.json} shows.
     */
    static Ec2Value.Dict blockDeviceMapping(BlockDevices devices) {
        if (devices.rootDeviceName().isEmpty()) {
            return NO_ROOT_BLOCK_DEVICE_MAPPING;
        }
        String root = devices.rootDeviceName().get();
        Map<String, Ec2Value> mapping = new LinkedHashMap<>();
        mapping.put("ami", new Ec2Value.Text(root.startsWith(DEV) ? root.substring(DEV.length()) : root)); // strip_dev
        mapping.put("root", new Ec2Value.Text(root));
        devices.swap().ifPresent(swap -> mapping.put("swap", new Ec2Value.Text(swap)));
        List<String> volumes = devices.volumes().stream().sorted().toList();
        for (int i = 0; i < volumes.size(); i++) {
            mapping.put("ebs" + i, new Ec2Value.Text(volumes.get(i)));
        }
        for (int i = 0; i < devices.ephemeral().size(); i++) {
            mapping.put("ephemeral" + i, new Ec2Value.Text(devices.ephemeral().get(i)));
        }
        return new Ec2Value.Dict(mapping);
    }

    /**
     * The config drive's {@code ec2/<v>/meta-data.json}: the meta-data dict as JSON, nested dicts nested,
     * {@code _name} kept (Nova deletes it from the wrong level; nova-compat.md §10.2).
     */
    static ObjectNode toJson(Ec2Value.Dict dict) {
        ObjectNode object = JsonNodeFactory.instance.objectNode();
        dict.entries().forEach((key, value) -> object.set(key, toJson(value)));
        return object;
    }

    private static JsonNode toJson(Ec2Value value) {
        JsonNodeFactory json = JsonNodeFactory.instance;
        return switch (value) {
            case Ec2Value.Dict dict -> toJson(dict);
            case Ec2Value.Text text -> json.textNode(text.text());
            case Ec2Value.Int number -> json.numberNode(number.value());
            case Ec2Value.TextList list -> {
                ArrayNode array = json.arrayNode();
                list.items().forEach(array::add);
                yield array;
            }
            case Ec2Value.RequesterAddress ignored -> json.nullNode(); // no requester for a drive: None
            case Ec2Value.PythonNone ignored -> json.nullNode();
            case Ec2Value.Raw raw -> throw new IllegalArgumentException("raw bytes have no JSON form");
        };
    }

    private static Map<String, Ec2Value> orderedOf(Object... keysAndValues) {
        Map<String, Ec2Value> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], (Ec2Value) keysAndValues[i + 1]);
        }
        return map;
    }
}
