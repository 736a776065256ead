package io.guestdata.inject.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * guestdata's own format inspector: reads and checks the header of every layer of an image's
 * backing chain, from a channel it opened itself, before anything else (qemu-img,
 * qemu-storage-daemon, libguestfs) opens the image. As OpenStack does since CVE-2022-47951 (VMDK
 * extents naming host files) and CVE-2024-32498 (qcow2 external data files), the image is hostile
 * input: nothing it names is opened unless {@link BackingFilePolicy} admits it, and then only
 * after that file's own header passed the same checks.
 *
 * <p>Per layer: the format from the magic ({@link ImageFormat#detect}, never the file name),
 * checked against the format asked for (the image) or the format its overlay records (a backing
 * file); then the format's own structures:
 * <ul>
 *   <li>qcow2 ({@link Qcow2Header}, {@link Qcow2HeaderExtension}): header length, cluster size,
 *       extensions; encryption, external data files, unknown incompatible features and the
 *       corrupt bit refused; backing file and its recorded format;</li>
 *   <li>qcow v1 ({@link QcowHeader}), QED ({@link QedHeader}): encryption refused, unknown
 *       features refused, backing file;</li>
 *   <li>VMDK ({@link VmdkSparseExtentHeader}, {@link VmdkDescriptor}): a single-file sparse VMDK
 *       only; descriptor files, other create types, extents in other files, parents refused;</li>
 *   <li>VDI ({@link VdiHeader}), VHDX ({@link VhdxRegionTable}, {@link VhdxMetadataTable}), VHD
 *       ({@link VpcFooter}, {@link VpcDynamicDiskHeader}): differencing images refused;</li>
 *   <li>LUKS: refused (we take no keys).</li>
 * </ul>
 * A chain is at most {@value #MAX_BACKING_FILES} backing files deep and never visits a file twice.
 */
public final class ImageInspector {
    /** How deep a chain may be: Nova's overlays have one backing file; snapshot chains a few. */
    public static final int MAX_BACKING_FILES = 16;

    private ImageInspector() {}

    /**
     * Inspects {@code image} and every backing file it names.
     *
     * @param requested the format asked for ({@code --image-format}); empty to detect
     * @throws ImageFormatException naming the image (and the backing file concerned), the field,
     *     the value and what to do
     * @throws BlockException the image does not exist, is not a regular file or block device, or
     *     cannot be read
     */
    public static BackingChain inspect(Path image, Optional<ImageFormat> requested, BackingFilePolicy policy)
            throws BlockException {
        Objects.requireNonNull(policy, "policy");
        checkTop(image);
        List<BackingChain.Layer> layers = new ArrayList<>();
        Set<Path> seen = new HashSet<>();
        seen.add(realPath(image));
        Path path = image;
        Path qemuName = image.toAbsolutePath();
        Optional<ImageFormat> expected = requested;
        String where = "";
        while (true) {
            LayerHeader header = readLayer(image, path, layers.isEmpty(), expected, where);
            layers.add(new BackingChain.Layer(path, qemuName, header.format(), header.backingName(),
                    header.backingFormat()));
            if (header.backingName().isEmpty()) {
                return new BackingChain(layers);
            }
            String name = header.backingName().get();
            if (layers.size() > MAX_BACKING_FILES) {
                throw new ImageFormatException(image, "its backing chain is more than " + MAX_BACKING_FILES
                        + " files deep (" + where + "names " + StoredFileName.quote(name) + " next)"
                        + BackingFilePolicy.flatten(image));
            }
            Path real = policy.admit(image, where, qemuName, name, header.backingField());
            if (!seen.add(real)) {
                throw new ImageFormatException(image, where + "names the backing file " + StoredFileName.quote(name)
                        + ", which is " + real + ", already in the chain: the backing chain loops");
            }
            expected = recordedFormat(image, where, header);
            qemuName = Path.of(name).isAbsolute() ? Path.of(name) : parentOf(qemuName).resolve(name);
            path = real;
            where = "its backing file " + real + " ";
        }
    }

    /** The image itself must be a regular file or a block device: a FIFO would block our open. */
    private static void checkTop(Path image) throws BlockException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(image, BasicFileAttributes.class);
        } catch (IOException e) {
            throw new BlockException(image, Files.notExists(image) ? "does not exist" : "cannot be read: " + e);
        }
        if (!a.isRegularFile() && !ImageLock.isBlockDevice(realPath(image))) {
            throw new BlockException(image, "is not a regular file or a block device");
        }
    }

    private static LayerHeader readLayer(Path image, Path path, boolean top, Optional<ImageFormat> expected,
            String where) throws BlockException {
        try (LayerFile f = LayerFile.open(path, top)) {
            ByteBuffer head = f.read(0, 512, ByteOrder.BIG_ENDIAN).limit((int) Math.min(512, f.size()));
            ImageFormat detected = ImageFormat.detect(head);
            ImageFormat format = top ? ImageFormat.resolve(image, expected, detected) : backingFormat(f, expected,
                    detected);
            return header(f, format);
        } catch (BlockException e) {
            if (top) {
                throw e;
            }
            String message = e.getMessage();
            String prefix = path + ": ";
            String what = where + (message.startsWith(prefix) ? message.substring(prefix.length()) : message);
            throw e instanceof ImageFormatException ? new ImageFormatException(image, what + flattenHint(what, image))
                    : new BlockException(image, what, e);
        }
    }

    private static String flattenHint(String message, Path image) {
        return message.contains("qemu-img convert") ? "" : BackingFilePolicy.flatten(image);
    }

    /** A backing file's format: its magic, which must agree with what the overlay records. */
    private static ImageFormat backingFormat(LayerFile f, Optional<ImageFormat> recorded, ImageFormat detected)
            throws ImageFormatException {
        if (detected == ImageFormat.LUKS) {
            throw new ImageFormatException(f.path(), "is LUKS-encrypted; guestdata takes no keys");
        }
        if (recorded.isPresent() && recorded.get() != detected) {
            throw new ImageFormatException(f.path(), "is recorded as " + recorded.get().qemuName() + " by its overlay,"
                    + " but its magic bytes say " + detected.qemuName() + "; the chain is inconsistent");
        }
        return detected;
    }

    private static Optional<ImageFormat> recordedFormat(Path image, String where, LayerHeader header)
            throws ImageFormatException {
        if (header.backingFormat().isEmpty()) {
            return Optional.empty();
        }
        String name = header.backingFormat().get();
        Optional<ImageFormat> format = ImageFormat.recorded(name);
        if (format.isEmpty()) {
            throw new ImageFormatException(image, where + "records its backing file's format as "
                    + StoredFileName.quote(name) + ", which is not a format guestdata opens (raw, qcow2, qcow, qed,"
                    + " vmdk, vdi, vhdx, vpc)" + BackingFilePolicy.flatten(image));
        }
        return format;
    }

    /** The format's own structures, read and checked. */
    private static LayerHeader header(LayerFile f, ImageFormat format) throws BlockException {
        return switch (format) {
            case RAW -> LayerHeader.standalone(ImageFormat.RAW);
            case QCOW2 -> Qcow2Header.read(f).check(f);
            case QCOW -> QcowHeader.read(f).check(f);
            case QED -> QedHeader.read(f).check();
            case VMDK -> {
                VmdkSparseExtentHeader.read(f);
                yield VmdkDescriptor.read(f).check(f);
            }
            case VDI -> VdiHeader.read(f).check(f);
            case VHDX -> {
                VhdxRegionTable.Entry metadata = VhdxRegionTable.read(f).metadata(f);
                yield VhdxMetadataTable.read(f, metadata).check(f, metadata);
            }
            case VPC -> VpcFooter.read(f).check(f);
            case LUKS -> throw new ImageFormatException(f.path(), "is LUKS-encrypted; guestdata takes no keys");
        };
    }

    private static Path parentOf(Path name) {
        Path abs = name.toAbsolutePath();
        return Objects.requireNonNullElse(abs.getParent(), abs.getRoot());
    }

    private static Path realPath(Path p) throws BlockException {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            throw new BlockException(p, "cannot be resolved: " + e);
        }
    }
}
