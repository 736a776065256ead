package io.guestdata.inject.fs;

import java.util.Objects;

/**
 * How one guest filesystem call treats symlinks and hard links.
 *
 * @param symlinks  following of symlinks during resolution
 * @param hardLinks writes to multiply-linked regular files
 */
public record AccessPolicy(SymlinkPolicy symlinks, HardLinkPolicy hardLinks) {

    /** Follow directory symlinks inside the guest, refuse writes to hard-linked files. */
    public static final AccessPolicy DEFAULT = new AccessPolicy(SymlinkPolicy.FOLLOW_INSIDE_GUEST, HardLinkPolicy.REFUSE);

    /** Refuse any symlink and any hard-linked file: for {@code /root/.ssh} and its keys. */
    public static final AccessPolicy STRICT = new AccessPolicy(SymlinkPolicy.NO_FOLLOW, HardLinkPolicy.REFUSE);

    public AccessPolicy {
        Objects.requireNonNull(symlinks, "symlinks");
        Objects.requireNonNull(hardLinks, "hardLinks");
    }
}
