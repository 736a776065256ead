package io.guestdata.inject.fs;

/**
 * Whether symlinks met while resolving a {@link GuestPath} are followed. Whatever the policy,
 * following never leaves the guest: absolute targets restart at the guest root, {@code ..} at the
 * root stays at the root, and more than 40 links is an error (ELOOP, as Linux). A symlink as the
 * <em>final</em> component of a write (replace, append, chmod, chown) is always refused.
 */
public enum SymlinkPolicy {
    /** Symlinks in directory positions are followed inside the guest; reads also follow a final symlink. */
    FOLLOW_INSIDE_GUEST,
    /**
     * Any symlink in any component is refused (stat and exists still report a final symlink
     * itself). For paths such as {@code /root/.ssh}, where a hostile image could point a
     * link at {@code /etc}.
     */
    NO_FOLLOW
}
