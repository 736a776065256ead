package io.guestdata.inject.fs;

/** Whether a write may change a regular file that has more than one hard link (and so also another path). */
public enum HardLinkPolicy {
    /** Refuse replace, append, chmod and chown of a regular file whose link count is above 1. */
    REFUSE,
    /** Write anyway: every name of the inode sees the change. */
    ALLOW
}
