package io.guestdata.inject.block;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An image and the backing files it stands on, every header read and checked by
 * {@link ImageInspector}: the only files QEMU may open for it. {@link QemuStorageExport#ofImage}
 * builds its block graph from this, one node per layer, so QEMU never resolves a name found in
 * an image.
 *
 * @param layers the image first, then its backing file, that one's backing file, …
 */
public record BackingChain(List<Layer> layers) {
    /**
     * One file of the chain.
     *
     * @param path the file to open: the image as given for the first layer, the real path
     *     (symbolic links resolved, checked below a base image directory) for the others
     * @param qemuName the file name QEMU itself would use for this layer when following the
     *     names in the headers (a relative backing name joined to its overlay's directory); what
     *     libguestfs' QEMU opens
     * @param format the layer's format (from its magic, checked against what its overlay records)
     * @param backingName the backing file name as this layer's header stores it
     * @param recordedBackingFormat the backing format this layer's header records, if any
     */
    public record Layer(Path path, Path qemuName, ImageFormat format, Optional<String> backingName,
            Optional<String> recordedBackingFormat) {
        public Layer {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(qemuName, "qemuName");
            Objects.requireNonNull(format, "format");
            Objects.requireNonNull(backingName, "backingName");
            Objects.requireNonNull(recordedBackingFormat, "recordedBackingFormat");
        }
    }

    public BackingChain {
        layers = List.copyOf(layers);
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a chain has at least the image itself");
        }
    }

    /** The image itself. */
    public Layer top() {
        return layers.getFirst();
    }

    /** The image's own format. */
    public ImageFormat format() {
        return top().format();
    }

    /** The backing files, nearest first (empty for a standalone image). */
    public List<Layer> backingFiles() {
        return layers.subList(1, layers.size());
    }

    /**
     * Refuses a chain in which an overlay does not record its backing file's format: QEMU would
     * probe that file's format, and a base image whose contents look like a VMDK descriptor
     * would be read as one (CVE-2022-47951). Needed where QEMU follows the names itself
     * (libguestfs); guestdata's own block graph states every format.
     */
    public void requireRecordedBackingFormats() throws ImageFormatException {
        for (int i = 0; i + 1 < layers.size(); i++) {
            Layer overlay = layers.get(i);
            if (overlay.recordedBackingFormat().isEmpty()) {
                throw new ImageFormatException(top().path(), (i == 0 ? "" : "its backing file " + overlay.path() + " ")
                        + "does not record the format of its backing file " + StoredFileName.quote(
                                overlay.backingName().orElse("")) + ", so the QEMU that libguestfs starts would probe"
                        + " it; record it (qemu-img rebase -u -b <backing file> -F <format>) or use the ext2fs"
                        + " backend" + BackingFilePolicy.flatten(top().path()));
            }
        }
    }
}
