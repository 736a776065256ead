package io.guestdata.inject.guestfs;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One libguestfs handle ({@code guestfs_h}): the calls {@link GuestfsFilesystem} makes, named as
 * libguestfs names them ({@code guestfs(3)}), each a message to the daemon in the appliance once
 * launched. {@link JavaBindingHandle} is the real one (the Debian {@code libguestfs-java} binding);
 * tests may supply a model.
 *
 * <p>Paths are guest paths as libguestfs sees them: absolute, below the mounted root.
 */
interface GuestfsHandle extends AutoCloseable {

    /** {@code guestfs_set_backend}: {@code direct} or {@code libvirt}. */
    void setBackend(String backend) throws LibguestfsException;

    /** {@code guestfs_set_backend_settings}, e.g. {@code force_tcg}. */
    void setBackendSettings(List<String> settings) throws LibguestfsException;

    /** {@code guestfs_set_memsize}: the appliance's memory in MiB. */
    void setMemsize(int mebibytes) throws LibguestfsException;

    /** {@code guestfs_add_drive_opts} with an explicit {@code format} (never probed) and {@code readonly}. */
    void addDrive(Path image, String format, boolean readOnly) throws LibguestfsException;

    /**
     * {@code guestfs_add_drive_opts} of the default export of an NBD server on a Unix socket:
     * {@code protocol=nbd}, {@code server=["unix:SOCKET"]}, {@code format=raw}, {@code readonly}.
     */
    void addNbdDrive(Path socket, boolean readOnly) throws LibguestfsException;

    /** {@code guestfs_launch}: starts the appliance (seconds, tens of them without KVM). */
    void launch() throws LibguestfsException;

    /** {@code guestfs_list_partitions}: {@code /dev/sda1}, … */
    List<String> listPartitions() throws LibguestfsException;

    /** {@code guestfs_list_filesystems}: device → type ({@code xfs}, {@code ext4}, {@code unknown}, …). */
    Map<String, String> listFilesystems() throws LibguestfsException;

    /** {@code guestfs_inspect_os}: the root filesystems of the operating systems found. */
    List<String> inspectOs() throws LibguestfsException;

    /** {@code guestfs_inspect_get_mountpoints}: mountpoint → device, from the root's fstab. */
    Map<String, String> inspectGetMountpoints(String root) throws LibguestfsException;

    /** {@code guestfs_mount} (read-write, no options). */
    void mount(String device, String mountpoint) throws LibguestfsException;

    /** {@code guestfs_mount_ro}. */
    void mountRo(String device, String mountpoint) throws LibguestfsException;

    /** {@code guestfs_umask}: the daemon's umask for files and directories it creates. */
    void umask(int mask) throws LibguestfsException;

    /**
     * {@code guestfs_lstatnslist}: lstat of each name in {@code dir}; a name that does not exist
     * (or cannot be lstat'd) comes back with {@code ino == -1}.
     */
    List<GuestfsStat> lstatnsList(String dir, List<String> names) throws LibguestfsException;

    /** {@code guestfs_lstatns}. */
    GuestfsStat lstatns(String path) throws LibguestfsException;

    /** {@code guestfs_readlink}. */
    String readlink(String path) throws LibguestfsException;

    /** {@code guestfs_get_e2attrs}: the {@code lsattr} letters of a regular file or directory. */
    String getE2attrs(String path) throws LibguestfsException;

    /** {@code guestfs_mkdir_mode} (the mode is subject to the umask). */
    void mkdirMode(String path, int mode) throws LibguestfsException;

    /** {@code guestfs_chmod} (follows a final symlink: callers make sure there is none). */
    void chmod(int mode, String path) throws LibguestfsException;

    /** {@code guestfs_lchown}. */
    void lchown(int uid, int gid, String path) throws LibguestfsException;

    /** {@code guestfs_write}: creates or truncates, then writes; one protocol message. */
    void write(String path, byte[] content) throws LibguestfsException;

    /** {@code guestfs_write_append}. */
    void writeAppend(String path, byte[] content) throws LibguestfsException;

    /** {@code guestfs_download}: the file's exact bytes into a host file. */
    void download(String path, Path hostFile) throws LibguestfsException;

    /** {@code guestfs_statvfs}. */
    GuestfsStatVfs statvfs(String path) throws LibguestfsException;

    /** {@code guestfs_umount_all}. */
    void umountAll() throws LibguestfsException;

    /** {@code guestfs_shutdown}: syncs, stops the appliance and reports its exit status. */
    void shutdown() throws LibguestfsException;

    /** {@code guestfs_close}: frees the handle (killing the appliance if still running). */
    @Override
    void close() throws LibguestfsException;
}
