package io.guestdata.inject.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The container format of a disk image, told by its magic bytes (never by its file name), with
 * the name QEMU's block layer uses for it. Everything that is not {@link #RAW} is reached
 * through {@link QemuStorageExport}.
 */
public enum ImageFormat {
    /** No container: the bytes are the disk. */
    RAW("raw"),
    /** QEMU copy-on-write v2/v3: "QFI\xFB" then version 2 or 3 (big-endian) at byte 4. */
    QCOW2("qcow2"),
    /** QEMU copy-on-write v1: "QFI\xFB" then version 1. */
    QCOW("qcow"),
    /** QEMU enhanced disk: "QED\0". */
    QED("qed"),
    /** VMware: "KDMV" (sparse extent), "COWD" (ESX sparse) or a "# Disk DescriptorFile" text descriptor. */
    VMDK("vmdk"),
    /** VirtualBox: 0xBEDA107F (little-endian) at byte 64. */
    VDI("vdi"),
    /** Hyper-V VHDX: "vhdxfile". */
    VHDX("vhdx"),
    /** Virtual PC / VHD (dynamic): "conectix" at byte 0. */
    VPC("vpc"),
    /** A LUKS-encrypted raw image: "LUKS\xBA\xBE". */
    LUKS("luks");

    private static final int PROBE_BYTES = 512;
    private final String qemuName;

    ImageFormat(String qemuName) {
        this.qemuName = qemuName;
    }

    /** The QEMU block driver name ({@code qemu-img -f}, {@code --blockdev driver=}). */
    public String qemuName() {
        return qemuName;
    }

    /**
     * Whether QEMU's driver for this format takes a {@code backing} node (qcow2, qcow, QED,
     * VMDK: the formats whose headers can name a backing file); the others refuse the option.
     */
    public boolean copyOnWrite() {
        return this == QCOW2 || this == QCOW || this == QED || this == VMDK;
    }

    /**
     * The format named by a backing format an image header records ({@code raw}, {@code qcow2}),
     * if guestdata opens that format; LUKS never.
     */
    static Optional<ImageFormat> recorded(String qemuName) {
        return Arrays.stream(values()).filter(f -> f != LUKS && f.qemuName.equals(qemuName)).findFirst();
    }

    /**
     * The value of {@code --image-format}: {@code auto} gives empty (detect), {@code raw},
     * {@code qcow2} or any other QEMU format name listed here gives that format.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static Optional<ImageFormat> fromOption(String option) {
        String o = option.strip().toLowerCase(Locale.ROOT);
        if (o.equals("auto")) {
            return Optional.empty();
        }
        return Arrays.stream(values()).filter(f -> f.qemuName.equals(o)).findFirst()
                .map(Optional::of)
                .orElseThrow(() -> new IllegalArgumentException("--image-format " + option + " is not known; use auto, "
                        + Arrays.stream(values()).map(ImageFormat::qemuName).collect(Collectors.joining(", "))));
    }

    /** Reads the first bytes of {@code image} and names its format; RAW when no magic matches. */
    public static ImageFormat detect(Path image) throws BlockException {
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
            ByteBuffer head = ByteBuffer.allocate(PROBE_BYTES);
            while (head.hasRemaining() && ch.read(head, head.position()) > 0) {
                // read until full or end of file
            }
            return detect(head.flip());
        } catch (IOException e) {
            throw new BlockException(image, "cannot read the image to detect its format: " + e, e);
        }
    }

    /** Names the format of the bytes at the buffer's start (its limit is the number of bytes available). */
    public static ImageFormat detect(ByteBuffer head) {
        if (startsWith(head, new byte[] {'Q', 'F', 'I', (byte) 0xfb}) && head.limit() >= 8) {
            return head.duplicate().order(ByteOrder.BIG_ENDIAN).getInt(4) == 1 ? QCOW : QCOW2;
        }
        if (startsWith(head, new byte[] {'Q', 'E', 'D', 0})) {
            return QED;
        }
        if (startsWith(head, ascii("KDMV")) || startsWith(head, ascii("COWD")) || startsWith(head, ascii("# Disk DescriptorFile"))) {
            return VMDK;
        }
        if (head.limit() >= 68 && head.duplicate().order(ByteOrder.LITTLE_ENDIAN).getInt(64) == 0xbeda107f) {
            return VDI;
        }
        if (startsWith(head, ascii("vhdxfile"))) {
            return VHDX;
        }
        if (startsWith(head, ascii("conectix"))) {
            return VPC;
        }
        if (startsWith(head, new byte[] {'L', 'U', 'K', 'S', (byte) 0xba, (byte) 0xbe})) {
            return LUKS;
        }
        return RAW;
    }

    /**
     * The format to open {@code image} with: the detected one, checked against the one asked for.
     *
     * @throws ImageFormatException when the asked format contradicts the magic (writing raw into
     *     a qcow2 would destroy it), or for a LUKS image (we take no keys)
     */
    public static ImageFormat resolve(Path image, Optional<ImageFormat> requested) throws BlockException {
        return resolve(image, requested, detect(image));
    }

    /** {@link #resolve(Path, Optional)} for a format already detected from the image's first bytes. */
    static ImageFormat resolve(Path image, Optional<ImageFormat> requested, ImageFormat detected)
            throws ImageFormatException {
        if (requested.isPresent() && requested.get() != detected) {
            ImageFormat asked = requested.get();
            throw new ImageFormatException(image, asked == RAW
                    ? "is a " + detected.qemuName + " image (by its magic bytes), but raw was asked for; writing it as raw"
                            + " would corrupt it: use --image-format " + detected.qemuName + " or auto"
                    : "was asked to be " + asked.qemuName + " but its magic bytes say " + detected.qemuName
                            + "; use --image-format " + detected.qemuName + " or auto");
        }
        if (detected == LUKS) {
            throw new ImageFormatException(image, "is a LUKS-encrypted image; guestdata takes no keys and cannot"
                    + " inject into encrypted images: decrypt it first (qemu-img convert with a secret object)");
        }
        return detected;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static boolean startsWith(ByteBuffer b, byte[] magic) {
        if (b.limit() < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if (b.get(i) != magic[i]) {
                return false;
            }
        }
        return true;
    }
}
