package io.guestdata.inject.block;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The text descriptor embedded in a monolithicSparse or streamOptimized VMDK (VMware "Virtual
 * Disk Format 1.1", "The Descriptor File"), as QEMU reads it: {@value #QEMU_DESC_SIZE} bytes at
 * byte 512 up to the first NUL ({@code vmdk_parent_open}, {@code vmdk_read_cid}).
 *
 * <pre>
 * # Disk DescriptorFile
 * version=1
 * CID=f8b27a08
 * parentCID=ffffffff                    ffffffff: no parent
 * createType="monolithicSparse"
 * parentFileNameHint="/path/base.vmdk"  a delta link's parent: a backing file
 * RW 16384 SPARSE "disk.vmdk"           extent lines: access, sectors, type, file name
 * ddb.adapterType = "ide"
 * </pre>
 *
 * QEMU finds {@code parentFileNameHint}, {@code parentCID} and {@code createType} with
 * {@code strstr} anywhere in the text (in a comment too), so they are looked for the same way
 * here. Every line must be one guestdata understands (comment, {@code key=value}, {@code ddb.},
 * extent), as OpenStack's format inspector requires.
 *
 * @param createType the value of the first {@code createType="…"}, empty when there is none
 * @param parentCid the value after the first {@code parentCID}, empty when there is none
 * @param parentFileNameHint the value after the first {@code parentFileNameHint}, if present
 * @param extents the extent lines, trimmed
 */
record VmdkDescriptor(Optional<String> createType, Optional<Long> parentCid, Optional<String> parentFileNameHint,
        List<String> extents) {
    /** QEMU's {@code DESC_SIZE}: 20 sectors. */
    static final int QEMU_DESC_SIZE = 20 * 512;
    static final long NO_PARENT_CID = 0xffffffffL;
    private static final Pattern EXTENT = Pattern.compile("(RW|RDONLY|NOACCESS)\\s+(\\d+)\\s+(\\S+)\\s+\"([^\"]*)\"(\\s+\\d+)?");
    private static final Pattern FIELD = Pattern.compile("[A-Za-z][A-Za-z0-9_.]*\\s*=.*");

    VmdkDescriptor {
        extents = List.copyOf(extents);
    }

    static VmdkDescriptor read(LayerFile f) throws BlockException {
        ByteBuffer b = f.read(512, QEMU_DESC_SIZE, ByteOrder.LITTLE_ENDIAN);
        int end = 0;
        while (end < QEMU_DESC_SIZE && b.get(end) != 0) {
            end++;
        }
        String text = new String(b.array(), 0, end, StandardCharsets.ISO_8859_1);
        List<String> extents = new ArrayList<>();
        for (String raw : text.split("\n", -1)) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith("ddb.")) {
                continue;
            }
            String first = line.split("\\s+", 2)[0].toUpperCase(Locale.ROOT);
            if (first.equals("RW") || first.equals("RDONLY") || first.equals("NOACCESS")) {
                extents.add(line);
            } else if (!FIELD.matcher(line).matches()) {
                throw new ImageFormatException(f.path(), "its VMDK descriptor has a line guestdata does not understand ("
                        + StoredFileName.quote(line.length() > 80 ? line.substring(0, 80) + "…" : line)
                        + "); it is not injected");
            }
        }
        return new VmdkDescriptor(quoted(text, "createType"), parentCid(text), quoted(text, "parentFileNameHint"),
                extents);
    }

    /**
     * Refuses every descriptor that makes the file more than one self-contained disk: a parent
     * (a delta link), a create type other than monolithicSparse or streamOptimized, an extent
     * line other than the one SPARSE extent that is this file.
     */
    LayerHeader check(LayerFile f) throws ImageFormatException {
        if (parentFileNameHint.isPresent()) {
            throw new ImageFormatException(f.path(), "is a VMDK delta link whose parent is "
                    + StoredFileName.quote(parentFileNameHint.get()) + " (descriptor field parentFileNameHint); VMDK"
                    + " parents are never followed: flatten it into a standalone image with qemu-img convert");
        }
        if (parentCid.isPresent() && parentCid.get() != NO_PARENT_CID) {
            throw new ImageFormatException(f.path(), "is a VMDK delta link (descriptor field parentCID="
                    + Long.toHexString(parentCid.get()) + ", not ffffffff); VMDK parents are never followed: flatten"
                    + " it into a standalone image with qemu-img convert");
        }
        String type = createType.orElse("");
        if (!type.equals("monolithicSparse") && !type.equals("streamOptimized")) {
            throw new ImageFormatException(f.path(), "is a VMDK of createType " + (type.isEmpty() ? "(none)"
                    : StoredFileName.quote(type)) + "; only monolithicSparse and streamOptimized (single-file) VMDKs are"
                    + " injected: convert it with qemu-img convert");
        }
        if (extents.size() != 1) {
            throw new ImageFormatException(f.path(), "its VMDK descriptor lists " + extents.size() + " extents; a"
                    + " single-file VMDK has exactly one, itself");
        }
        Matcher m = EXTENT.matcher(extents.getFirst());
        if (!m.matches() || !m.group(3).equals("SPARSE") || m.group(4).isEmpty() || m.group(4).contains("/")
                || m.group(5) != null) {
            throw new ImageFormatException(f.path(), "its VMDK extent line " + StoredFileName.quote(extents.getFirst())
                    + " is not the single SPARSE extent of this file (RW <sectors> SPARSE \"<this file's name>\");"
                    + " extents in other files are never opened: convert it with qemu-img convert");
        }
        return LayerHeader.standalone(ImageFormat.VMDK);
    }

    /** QEMU's {@code vmdk_parse_description}: the text between the quotes after the first {@code name="}. */
    private static Optional<String> quoted(String text, String name) {
        int at = text.indexOf(name);
        if (at < 0) {
            return Optional.empty();
        }
        int start = at + name.length() + 2;
        if (start > text.length()) {
            return Optional.of("");
        }
        int close = text.indexOf('"', start);
        return Optional.of(close < 0 ? text.substring(start) : text.substring(start, close));
    }

    /** QEMU's {@code vmdk_read_cid(bs, 1)}: hexadecimal after the first {@code parentCID} and one character. */
    private static Optional<Long> parentCid(String text) {
        int at = text.indexOf("parentCID");
        if (at < 0) {
            return Optional.empty();
        }
        int i = Math.min(text.length(), at + "parentCID".length() + 1);
        while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
            i++;
        }
        if (text.startsWith("0x", i) || text.startsWith("0X", i)) {
            i += 2;
        }
        int start = i;
        while (i < text.length() && Character.digit(text.charAt(i), 16) >= 0 && i - start < 8) {
            i++;
        }
        return Optional.of(start == i ? -1L : Long.parseLong(text.substring(start, i), 16));
    }
}
