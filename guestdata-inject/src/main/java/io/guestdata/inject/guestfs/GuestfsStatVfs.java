package io.guestdata.inject.guestfs;

/**
 * The fields of libguestfs' {@code guestfs_statvfs} (statvfs(3)) that guestdata uses.
 *
 * @param frsize fragment size: the unit of the block counts
 * @param bavail blocks free for an unprivileged user (the root reserve excluded)
 * @param favail inodes free for an unprivileged user
 * @param files  inodes in all; 0 for a filesystem without a fixed number of inodes (Btrfs reports
 *               0 for {@code f_files} and {@code f_ffree}: it allocates inodes as it needs them)
 */
record GuestfsStatVfs(long frsize, long bavail, long favail, long files) {

    /** Whether inodes are counted at all (not on Btrfs). */
    boolean countsInodes() {
        return files != 0;
    }
}
