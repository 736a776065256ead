package io.guestdata.inject;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.guestdata.inject.net.IscsiTarget;
import io.guestdata.inject.net.NbdTarget;
import io.guestdata.inject.rbd.RbdTarget;

/**
 * Which kind of disk a target string names: the one decision the CLI's {@code --image} and the
 * management API's {@code image} share (docs/injection.md, docs/ceph.md "Other network disks").
 *
 * <ul>
 *   <li>{@code rbd:...}: an RBD image, read through librbd ({@link RbdTarget});</li>
 *   <li>{@code nbd://}, {@code nbd+tcp://}, {@code nbd+unix://}: an NBD export ({@link NbdTarget});</li>
 *   <li>{@code iscsi://}, {@code iser://}: an iSCSI LUN ({@link IscsiTarget});</li>
 *   <li>any other {@code SCHEME://}: refused ({@link #of} throws), so that {@code http://...} is never
 *       looked for as a relative file name;</li>
 *   <li>anything else: an image file or a block device ({@code /dev/...}).</li>
 * </ul>
 */
public enum DiskTargetKind {
    IMAGE_FILE, RBD, NBD, ISCSI;

    private static final Pattern URI_SCHEME = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*)://");

    /**
     * The kind of {@code target}.
     *
     * @throws DiskTargetSyntaxException {@code target} is a URI of another protocol
     */
    public static DiskTargetKind of(String target) {
        if (RbdTarget.isRbd(target)) {
            return RBD;
        }
        Matcher m = URI_SCHEME.matcher(target);
        if (!m.find()) {
            return IMAGE_FILE;
        }
        String scheme = m.group(1).toLowerCase(Locale.ROOT);
        if (NbdTarget.SCHEMES.contains(scheme)) {
            return NBD;
        }
        if (IscsiTarget.SCHEMES.contains(scheme)) {
            return ISCSI;
        }
        throw new DiskTargetSyntaxException("image: '" + m.group(1) + "://' is not a disk guestdata opens: give an"
                + " image file, a block device, rbd:POOL/IMAGE, nbd://HOST[:PORT]/EXPORT,"
                + " nbd+unix:///EXPORT?socket=PATH or iscsi://HOST[:PORT]/TARGET/LUN");
    }

    /** Whether the disk is reached through a network protocol of QEMU's (NBD, iSCSI). */
    public boolean qemuNetwork() {
        return this == NBD || this == ISCSI;
    }
}
