package io.guestdata.core.document;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.core.BlockDevices;
import io.guestdata.core.Instance;
import io.guestdata.core.InjectedFile;
import io.guestdata.core.UserData;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Turns an instance document (instance-document.md) into an {@link Instance}, applying every rule
 * and default of that document and of Nova's compute API (nova-compat.md §8). The whole document
 * is checked before anything is returned: every problem found is reported at once, in one
 * {@link InvalidDocumentException}, and no {@code Instance} is produced when there is any.
 *
 * <p>Thread-safe; one parser can serve many documents.
 */
public final class InstanceDocumentParser {

    /** The members an instance document may have (instance-document.md); any other is an error. */
    static final Set<String> MEMBERS = Set.of("uuid", "name", "hostname", "project_id", "availability_zone",
            "launch_index", "reservation_id", "instance_type", "image_id", "kernel_id", "ramdisk_id", "key_name",
            "key_delivery", "public_keys", "metadata", "files", "user_data", "admin_pass", "network_data", "vendor_data",
            "security_groups", "root_device_name", "ephemeral_devices", "swap_device", "volume_devices",
            "config_drive");
    static final String DEFAULT_AVAILABILITY_ZONE = "nova";
    static final List<String> DEFAULT_SECURITY_GROUPS = List.of("default");

    private final Limits limits;
    private final KeyPairResolver keyPairs;
    private final StrictJson json = new StrictJson();

    /**
     * @param limits   the quotas to apply ({@link Limits#nova()} for Nova's defaults)
     * @param keyPairs where {@code key_name} is looked up
     */
    public InstanceDocumentParser(Limits limits, KeyPairResolver keyPairs) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.keyPairs = Objects.requireNonNull(keyPairs, "keyPairs");
    }

    /**
     * Parses strict JSON text (UTF-8, no duplicate member names, nothing after the root object).
     *
     * @throws InvalidDocumentException carrying every problem found
     */
    public Instance parse(byte[] json) throws InvalidDocumentException {
        DocumentErrors errors = new DocumentErrors();
        Optional<JsonNode> tree = this.json.read(json, errors);
        errors.throwIfAny();
        return parse(tree.orElseThrow());
    }

    /**
     * Parses a tree built in memory (the CLI builds one from its flags). The same rules apply as to
     * JSON text; the tree is not modified, and the {@code Instance} shares no node with it.
     *
     * @throws InvalidDocumentException carrying every problem found
     */
    public Instance parse(JsonNode tree) throws InvalidDocumentException {
        DocumentErrors errors = new DocumentErrors();
        if (tree == null || !tree.isObject()) {
            errors.add(DocumentPointer.root(), "document.type", "an instance document must be a JSON object, is "
                    + (tree == null ? "nothing" : JsonTypes.describe(tree)));
            errors.throwIfAny();
        }
        Members members = new Members((ObjectNode) tree, DocumentPointer.root(), "", errors);
        Optional<Instance> instance = read(members);
        errors.throwIfAny();
        return instance.orElseThrow();
    }

    /** Reads every member, in the order of instance-document.md; the instance only when all are valid. */
    private Optional<Instance> read(Members members) {
        members.rejectUnknown(MEMBERS, "document.unknown_field");
        Optional<UUID> uuid = InstanceFieldRules.uuid(members);
        Optional<String> name = InstanceFieldRules.name(members);
        Optional<String> hostname = InstanceFieldRules.hostname(members);
        Optional<String> projectId = InstanceFieldRules.text(members, "project_id");
        Optional<String> availabilityZone = InstanceFieldRules.text(members, "availability_zone");
        Optional<Integer> launchIndex = InstanceFieldRules.launchIndex(members);
        Optional<String> reservationId = InstanceFieldRules.reservationId(members);
        Optional<String> instanceType = InstanceFieldRules.text(members, "instance_type");
        Optional<String> imageId = InstanceFieldRules.text(members, "image_id");
        Optional<String> kernelId = InstanceFieldRules.text(members, "kernel_id");
        Optional<String> ramdiskId = InstanceFieldRules.text(members, "ramdisk_id");
        Optional<PublicKeyRules.Keys> keys = PublicKeyRules.read(members, keyPairs);
        Optional<Map<String, String>> metadata = MetadataRules.read(members, limits);
        Optional<List<InjectedFile>> files = InjectedFileRules.read(members, limits);
        Optional<UserData> userData = UserDataRules.read(members, limits);
        Optional<String> adminPass = members.string("admin_pass", false);
        Optional<ObjectNode> networkData = NetworkDataRules.read(members);
        Optional<ObjectNode> vendorData = members.object("vendor_data", false).map(ObjectNode::deepCopy);
        Optional<List<String>> securityGroups = InstanceFieldRules.securityGroups(members);
        Optional<BlockDevices> blockDevices = BlockDeviceRules.read(members);
        Optional<Boolean> configDrive = members.bool("config_drive");
        if (!members.errors().isEmpty()) {
            return Optional.empty();
        }
        UUID id = uuid.orElseThrow();
        String displayName = name.orElseThrow();
        return Optional.of(new Instance(
                id,
                displayName,
                hostname.orElseGet(() -> Hostnames.sanitize(displayName, id)),
                projectId,
                availabilityZone.orElse(DEFAULT_AVAILABILITY_ZONE),
                launchIndex.orElse(0),
                reservationId.orElseGet(() -> ReservationIds.derive(id)),
                instanceType,
                imageId,
                kernelId,
                ramdiskId,
                keys.orElseThrow().keyName(),
                keys.orElseThrow().keys(),
                metadata.orElseThrow(),
                files.orElseThrow(),
                userData,
                adminPass,
                networkData,
                vendorData,
                securityGroups.orElse(DEFAULT_SECURITY_GROUPS),
                blockDevices.orElseThrow(),
                configDrive.orElse(false)));
    }
}
