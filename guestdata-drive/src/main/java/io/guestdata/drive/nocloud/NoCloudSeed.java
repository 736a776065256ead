package io.guestdata.drive.nocloud;

import com.fasterxml.jackson.databind.JsonNode;
import io.guestdata.core.Instance;
import io.guestdata.core.document.JsonTreeReader;
import io.guestdata.core.metadata.LookupResult;
import io.guestdata.core.metadata.MetadataTree;
import io.guestdata.drive.ImageException;
import io.guestdata.drive.ImageFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A NoCloud seed, what {@code cloud-localds} writes and cloud-init's NoCloud datasource reads from a volume
 * labelled {@value #LABEL}: {@code meta-data}, {@code user-data}, and when there is any,
 * {@code network-config} and {@code vendor-data}. Made from a {@link MetadataTree}'s OpenStack answers
 * (the {@code latest} {@code meta_data.json}, {@code user_data}, {@code network_data.json},
 * {@code vendor_data.json}), so that cloud-init on a NoCloud guest finds what its ConfigDrive datasource
 * finds on the instance's config drive:
 *
 * <ul>
 *   <li>{@code meta-data}: {@link NoCloudMetaData}, as YAML ({@link FlowYaml}).</li>
 *   <li>{@code user-data}: the user data bytes unchanged; an empty file when there is none, since NoCloud
 *       requires the file (and {@code cloud-localds} always writes one); cloud-init treats an empty
 *       file as no user data, as it treats a config drive without {@code user_data}.</li>
 *   <li>{@code network-config}: {@link NetworkConfigV1}, the version 1 configuration cloud-init's
 *       {@code convert_net_json} derives from {@code network_data.json}; written when the instance has
 *       {@code network_data} (an empty object gives an empty configuration, as on the config drive).
 *       Without it there is no file, and cloud-init falls back to DHCP on the first NIC, as with any seed
 *       {@code cloud-localds} writes without {@code --network-config}.</li>
 *   <li>{@code vendor-data}: {@link CloudInitVendorData}, when cloud-init would take any.</li>
 * </ul>
 *
 * <p>Not carried, listed in {@link #omitted()}: injected files (NoCloud cannot deliver files; the caller
 * decides, see {@link InjectedFiles}) and {@code admin_pass} (cloud-init never reads it; cloudbase-init
 * reads it only from a config drive or the metadata service).
 *
 * @param metaData      the {@code meta-data} file
 * @param userData      the {@code user-data} file (possibly empty)
 * @param networkConfig the {@code network-config} file, when written
 * @param vendorData    the {@code vendor-data} file, when written
 * @param omitted       one line per kind of instance data the seed does not carry
 */
public record NoCloudSeed(byte[] metaData, byte[] userData, Optional<byte[]> networkConfig,
                          Optional<byte[]> vendorData, List<String> omitted) {
    /** The volume label (FAT) and volume identifier (ISO 9660) the NoCloud datasource looks for. */
    public static final String LABEL = "cidata";
    public static final String META_DATA = "meta-data";
    public static final String USER_DATA = "user-data";
    public static final String NETWORK_CONFIG = "network-config";
    public static final String VENDOR_DATA = "vendor-data";

    private static final JsonTreeReader JSON = JsonTreeReader.lenient();

    /** What to do with an instance's injected files, which a NoCloud seed cannot deliver. */
    public enum InjectedFiles {
        /** Refuse the instance ({@link ImageException} with subject {@code files}). */
        REFUSE,
        /** Leave them out and say so in {@link #omitted()}. */
        DROP
    }

    public NoCloudSeed {
        metaData = metaData.clone();
        userData = userData.clone();
        networkConfig = networkConfig.map(byte[]::clone);
        vendorData = vendorData.map(byte[]::clone);
        omitted = List.copyOf(omitted);
    }

    /**
     * The seed for {@code tree}'s instance.
     *
     * @throws ImageException the instance has injected files and {@code files} is {@link InjectedFiles#REFUSE}
     *                        (subject {@code files}); or its network data or vendor data is something
     *                        cloud-init's conversion fails on (subject: the JSON pointer)
     */
    public static NoCloudSeed of(MetadataTree tree, InjectedFiles files) throws ImageException {
        Objects.requireNonNull(files, "files");
        Instance instance = tree.instance();
        List<String> omitted = new ArrayList<>();
        if (!instance.files().isEmpty()) {
            String paths = String.join(", ", instance.files().stream().map(f -> f.path()).toList());
            if (files == InjectedFiles.REFUSE) {
                throw new ImageException("files", instance.files().size() + " injected file(s) (" + paths + "): "
                        + "a NoCloud seed cannot deliver files (cloud-init's NoCloud datasource has no files; its "
                        + "ConfigDrive datasource writes them from openstack/content)");
            }
            omitted.add(instance.files().size() + " injected file(s) (" + paths + "): NoCloud cannot deliver files");
        }
        if (instance.adminPass().isPresent()) {
            omitted.add("admin_pass: cloud-init does not read it (on a config drive, cloudbase-init does)");
        }
        JsonNode metaDataJson = json(answer(tree, "meta_data.json"));
        byte[] metaData = FlowYaml.document(NoCloudMetaData.of(metaDataJson));
        byte[] userData = instance.userData().isPresent() ? answer(tree, "user_data") : new byte[0];
        Optional<byte[]> networkConfig = Optional.empty();
        if (instance.networkData().isPresent()) {
            networkConfig = Optional.of(FlowYaml.document(NetworkConfigV1.convert(json(answer(tree, "network_data.json")))));
        }
        Optional<byte[]> vendorData = CloudInitVendorData.of(json(answer(tree, "vendor_data.json")), omitted);
        return new NoCloudSeed(metaData, userData, networkConfig, vendorData, omitted);
    }

    /** The seed's files, for {@link io.guestdata.drive.iso9660.Iso9660Writer} or {@link io.guestdata.drive.vfat.VfatWriter}. */
    public List<ImageFile> files() {
        List<ImageFile> list = new ArrayList<>();
        list.add(ImageFile.of(META_DATA, metaData));
        list.add(ImageFile.of(USER_DATA, userData));
        vendorData.ifPresent(b -> list.add(ImageFile.of(VENDOR_DATA, b)));
        networkConfig.ifPresent(b -> list.add(ImageFile.of(NETWORK_CONFIG, b)));
        return List.copyOf(list);
    }

    @Override
    public byte[] metaData() {
        return metaData.clone();
    }

    @Override
    public byte[] userData() {
        return userData.clone();
    }

    @Override
    public Optional<byte[]> networkConfig() {
        return networkConfig.map(byte[]::clone);
    }

    @Override
    public Optional<byte[]> vendorData() {
        return vendorData.map(byte[]::clone);
    }

    /** The OpenStack {@code latest} answer for {@code name}; it always exists for the names used here. */
    private static byte[] answer(MetadataTree tree, String name) {
        LookupResult result = tree.lookup("openstack/latest/" + name, null);
        if (result instanceof LookupResult.Found found) {
            return found.body();
        }
        throw new IllegalStateException("the metadata tree has no openstack/latest/" + name);
    }

    private static JsonNode json(byte[] bytes) {
        try {
            return JSON.read(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("the metadata tree rendered invalid JSON", e);
        }
    }
}
