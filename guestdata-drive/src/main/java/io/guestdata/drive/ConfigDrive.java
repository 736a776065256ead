package io.guestdata.drive;

import io.guestdata.core.metadata.MetadataFile;
import io.guestdata.core.metadata.MetadataTree;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The files of an OpenStack config drive (nova-compat.md §1.8), as {@link ImageFile}s for the ISO 9660
 * and VFAT writers: exactly {@link MetadataTree#configDriveFiles()}, the tree {@code --format tree}
 * writes, so every image format carries the same bytes.
 *
 * <p>Identical contents share one array: user data appears in twelve places of the tree (two EC2 and ten
 * OpenStack versions) and the vendor and network data in up to ten; the image list keeps one copy of each,
 * so memory beyond the tree itself does not grow with the number of versions.
 */
public final class ConfigDrive {
    /** The volume identifier (ISO 9660) and label (FAT) Nova gives config drives and cloud-init looks for. */
    public static final String LABEL = "config-2";

    private ConfigDrive() {
    }

    /** The tree's config drive files, in the tree's order; every call draws fresh {@code random_seed}s. */
    public static List<ImageFile> files(MetadataTree tree) {
        List<MetadataFile> rendered = tree.configDriveFiles();
        Map<ByteBuffer, byte[]> shared = new HashMap<>();
        List<ImageFile> files = new ArrayList<>(rendered.size());
        for (MetadataFile file : rendered) {
            byte[] bytes = shared.computeIfAbsent(ByteBuffer.wrap(file.contents()), ByteBuffer::array);
            files.add(new ImageFile(file.path(), bytes.length, ImageContent.of(bytes)));
        }
        return List.copyOf(files);
    }
}
