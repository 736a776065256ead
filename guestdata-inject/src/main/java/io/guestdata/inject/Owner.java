package io.guestdata.inject;

import java.util.Objects;

/**
 * Who owns a guest file: the names as the guest's {@code /etc/passwd} and {@code /etc/group} spell
 * them (or the bare ids when the guest has no name for them) and the numeric ids written to the inode.
 *
 * @param user  user name, or the uid in decimal when the guest has no name for it
 * @param group group name, or the gid in decimal
 * @param uid   user id (unsigned 32-bit in an int)
 * @param gid   group id (unsigned 32-bit in an int)
 */
public record Owner(String user, String group, int uid, int gid) {
    public Owner {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(group, "group");
    }

    /** {@code user:group}, as chown(1) takes it. */
    @Override
    public String toString() {
        return user + ":" + group;
    }

    /** {@code uid:gid}. */
    public String ids() {
        return Integer.toUnsignedString(uid) + ":" + Integer.toUnsignedString(gid);
    }
}
