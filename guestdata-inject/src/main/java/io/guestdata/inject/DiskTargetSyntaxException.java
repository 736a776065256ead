package io.guestdata.inject;

/**
 * A disk target string ({@code --image}, the management API's {@code image}) that its parser refuses:
 * an {@code rbd:} target ({@link io.guestdata.inject.rbd.RbdSyntaxException}), an {@code nbd://} or
 * {@code iscsi://} URI ({@link io.guestdata.inject.net.NbdTarget}, {@link io.guestdata.inject.net.IscsiTarget}),
 * or a URI of a protocol guestdata does not open ({@link DiskTargetKind}). The message names the
 * part that is wrong and what was expected, and never repeats a secret.
 */
public class DiskTargetSyntaxException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public DiskTargetSyntaxException(String message) {
        super(message);
    }
}
