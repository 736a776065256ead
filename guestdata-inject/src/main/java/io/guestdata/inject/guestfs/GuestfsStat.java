package io.guestdata.inject.guestfs;

/**
 * The fields of libguestfs' {@code guestfs_statns} that guestdata uses (lstat semantics).
 *
 * @param dev   device of the filesystem holding the entry
 * @param ino   inode number; -1 from {@code lstatnslist} when the name does not exist
 * @param mode  full {@code st_mode}, type bits included
 * @param nlink hard link count
 * @param uid   owner
 * @param gid   group
 * @param size  size in bytes (for a symlink: the length of its target)
 */
record GuestfsStat(long dev, long ino, int mode, long nlink, long uid, long gid, long size) {

    boolean exists() {
        return ino != -1;
    }
}
