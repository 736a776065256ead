package io.guestdata.inject.guestfs;

/**
 * The fields of libguestfs' {@code guestfs_statvfs} (statvfs(3)) that guestdata uses.
 *
 * @param frsize fragment size: the unit of the block counts
 * @param bavail blocks free for an unprivileged user (the root reserve excluded)
 * @param favail inodes free for an unprivileged user
 */
record GuestfsStatVfs(long frsize, long bavail, long favail) {
}
