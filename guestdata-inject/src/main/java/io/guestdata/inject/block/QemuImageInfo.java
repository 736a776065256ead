package io.guestdata.inject.block;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code qemu-img info --output=json --backing-chain} says about an image QEMU will open:
 * used to confirm our magic-byte detection and to see every file QEMU would open behind it
 * (backing files, VMDK extents) before we let a writable daemon open them.
 *
 * <p>Policy on backing files (decided here, see {@link DiskImage.Options#allowBackingFile()}):
 * a qcow2 overlay over a backing file is how Nova lays out instance disks ({@code _base}), and
 * writes through the export land in the overlay only; the backing file is opened read-only.
 * So backing files are allowed by default, but every file in the chain must be a local regular
 * file — a backing "file" that is a block device, a {@code json:} spec or a network URL is named
 * by the untrusted image and is refused. A VMDK whose extents are other files is refused for the
 * same reason.
 *
 * @param layers one entry per image in the chain, the image itself first
 */
record QemuImageInfo(List<Layer> layers) {
    /** One image of the chain. */
    record Layer(String filename, String format, boolean encrypted, long virtualSize, List<String> extentFiles) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    QemuImageInfo {
        layers = List.copyOf(layers);
    }

    static QemuImageInfo read(Path image, ImageFormat format, Duration timeout) throws BlockException {
        HostCommand.Result r;
        try {
            r = new HostCommand(List.of("qemu-img", "info", "--output=json", "--backing-chain", "--force-share",
                    "-f", format.qemuName(), image.toString()), timeout).run();
        } catch (IOException e) {
            throw new ImageFormatException(image, "cannot run qemu-img info: " + e.getMessage(), e);
        }
        if (!r.ok()) {
            throw new ImageFormatException(image, "qemu-img info refused the image as " + format.qemuName() + ": "
                    + r.stderr().strip() + " (a missing backing file? a damaged image?)");
        }
        try {
            JsonNode root = JSON.readTree(r.stdout());
            List<Layer> layers = new ArrayList<>();
            for (JsonNode n : root.isArray() ? root : JSON.createArrayNode().add(root)) {
                List<String> extents = new ArrayList<>();
                for (JsonNode e : n.path("format-specific").path("data").path("extents")) {
                    extents.add(e.path("filename").asText());
                }
                layers.add(new Layer(n.path("filename").asText(), n.path("format").asText(),
                        n.path("encrypted").asBoolean(false), n.path("virtual-size").asLong(-1), extents));
            }
            return new QemuImageInfo(layers);
        } catch (IOException e) {
            throw new ImageFormatException(image, "qemu-img info printed JSON we cannot read: " + e.getMessage(), e);
        }
    }

    /** Applies the policy described on the class; throws naming the offending file. */
    void check(Path image, ImageFormat expected, boolean allowBackingFile) throws ImageFormatException {
        Layer top = layers.getFirst();
        if (!top.format().equals(expected.qemuName())) {
            throw new ImageFormatException(image, "qemu-img reads it as " + top.format() + ", not " + expected.qemuName());
        }
        for (Layer l : layers) {
            if (l.encrypted()) {
                throw new ImageFormatException(image, (l == top ? "is encrypted" : "has an encrypted backing file "
                        + l.filename()) + "; guestdata takes no keys and cannot inject into encrypted images");
            }
            for (String extent : l.extentFiles()) {
                if (!sameFile(extent, l.filename())) {
                    throw new ImageFormatException(image, "is a VMDK whose data lives in another file (" + extent
                            + "); only single-file VMDKs are injected: convert it with qemu-img convert");
                }
            }
        }
        if (layers.size() > 1 && !allowBackingFile) {
            throw new ImageFormatException(image, "has a backing file (" + layers.get(1).filename() + ") and backing"
                    + " files were not allowed; writes would go to this overlay only: allow backing files or flatten"
                    + " the image with qemu-img convert");
        }
        for (Layer l : layers.subList(1, layers.size())) {
            Path p = Path.of(l.filename());
            if (l.filename().startsWith("json:") || l.filename().contains("://") || !p.isAbsolute()
                    || !Files.isRegularFile(p)) {
                throw new ImageFormatException(image, "has a backing file that is not a local regular file ("
                        + l.filename() + "); such backing files are named by the image and not trusted: flatten"
                        + " the image with qemu-img convert");
            }
        }
    }

    private static boolean sameFile(String a, String b) {
        try {
            return Files.isSameFile(Path.of(a), Path.of(b));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
