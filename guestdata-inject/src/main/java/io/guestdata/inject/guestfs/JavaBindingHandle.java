package io.guestdata.inject.guestfs;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A libguestfs handle of the Java binding ({@code com.redhat.et.libguestfs.GuestFS}), called
 * through the method handles {@link GuestfsBinding} resolved.
 *
 * <p>What the binding does not do faithfully, and how it is avoided here:
 * <ul>
 *   <li>Calls returning a buffer ({@code read_file}, {@code pread}) come back as a Java String made
 *       by JNI's {@code NewStringUTF} without the length ("{@code // XXX size}" in the generated
 *       code): a file is cut at its first NUL byte and non-UTF-8 bytes are changed. Content is
 *       therefore read with {@code download} into a host file, which is byte-exact.</li>
 *   <li>String arguments go through {@code GetStringUTFChars}, i.e. Java's <em>modified</em>
 *       UTF-8: characters above U+FFFF become six bytes (CESU-8), not four. The filesystem
 *       refuses such names before calling (see {@link GuestfsFilesystem}).</li>
 *   <li>{@code write}/{@code write_append} content is a {@code byte[]} and arrives unchanged.</li>
 * </ul>
 */
final class JavaBindingHandle implements GuestfsHandle {

    private final GuestfsBinding binding;
    private final Object g;

    JavaBindingHandle(GuestfsBinding binding, Object guestfs) {
        this.binding = Objects.requireNonNull(binding, "binding");
        this.g = Objects.requireNonNull(guestfs, "guestfs");
    }

    private Object call(String method, Object... arguments) throws LibguestfsException {
        Object[] all = new Object[arguments.length + 1];
        all[0] = g;
        System.arraycopy(arguments, 0, all, 1, arguments.length);
        return binding.invoke(binding.method(method), all);
    }

    @Override
    public void setBackend(String backend) throws LibguestfsException {
        call("set_backend", backend);
    }

    @Override
    public void setBackendSettings(List<String> settings) throws LibguestfsException {
        call("set_backend_settings", (Object) settings.toArray(String[]::new));
    }

    @Override
    public void setMemsize(int mebibytes) throws LibguestfsException {
        call("set_memsize", mebibytes);
    }

    @Override
    public void addDrive(Path image, String format, boolean readOnly) throws LibguestfsException {
        call("add_drive", image.toString(), Map.<String, Object>of("format", format, "readonly", readOnly));
    }

    @Override
    public void addNbdDrive(Path socket, boolean readOnly) throws LibguestfsException {
        call("add_drive", "", Map.<String, Object>of("format", "raw", "readonly", readOnly, "protocol", "nbd",
                "server", new String[] {"unix:" + socket}));
    }

    @Override
    public void launch() throws LibguestfsException {
        call("launch");
    }

    @Override
    public List<String> listPartitions() throws LibguestfsException {
        return List.of((String[]) call("list_partitions"));
    }

    @Override
    @SuppressWarnings("unchecked")
    public Map<String, String> listFilesystems() throws LibguestfsException {
        return Map.copyOf((Map<String, String>) call("list_filesystems"));
    }

    @Override
    public List<String> inspectOs() throws LibguestfsException {
        return List.of((String[]) call("inspect_os"));
    }

    @Override
    @SuppressWarnings("unchecked")
    public Map<String, String> inspectGetMountpoints(String root) throws LibguestfsException {
        return Map.copyOf((Map<String, String>) call("inspect_get_mountpoints", root));
    }

    @Override
    public void mount(String device, String mountpoint) throws LibguestfsException {
        call("mount", device, mountpoint);
    }

    @Override
    public void mountRo(String device, String mountpoint) throws LibguestfsException {
        call("mount_ro", device, mountpoint);
    }

    @Override
    public void umask(int mask) throws LibguestfsException {
        call("umask", mask);
    }

    @Override
    public List<GuestfsStat> lstatnsList(String dir, List<String> names) throws LibguestfsException {
        Object[] stats = (Object[]) call("lstatnslist", dir, names.toArray(String[]::new));
        if (stats.length != names.size()) {
            throw new LibguestfsException("lstatnslist: " + stats.length + " results for " + names.size() + " names");
        }
        List<GuestfsStat> result = new ArrayList<>(stats.length);
        for (Object stat : stats) {
            result.add(binding.stat(stat));
        }
        return result;
    }

    @Override
    public GuestfsStat lstatns(String path) throws LibguestfsException {
        return binding.stat(call("lstatns", path));
    }

    @Override
    public String readlink(String path) throws LibguestfsException {
        return (String) call("readlink", path);
    }

    @Override
    public String getE2attrs(String path) throws LibguestfsException {
        return (String) call("get_e2attrs", path);
    }

    @Override
    public void mkdirMode(String path, int mode) throws LibguestfsException {
        call("mkdir_mode", path, mode);
    }

    @Override
    public void chmod(int mode, String path) throws LibguestfsException {
        call("chmod", mode, path);
    }

    @Override
    public void lchown(int uid, int gid, String path) throws LibguestfsException {
        call("lchown", uid, gid, path);
    }

    @Override
    public void write(String path, byte[] content) throws LibguestfsException {
        call("write", path, content);
    }

    @Override
    public void writeAppend(String path, byte[] content) throws LibguestfsException {
        call("write_append", path, content);
    }

    @Override
    public void download(String path, Path hostFile) throws LibguestfsException {
        call("download", path, hostFile.toString());
    }

    @Override
    public GuestfsStatVfs statvfs(String path) throws LibguestfsException {
        return binding.statVfs(call("statvfs", path));
    }

    @Override
    public void umountAll() throws LibguestfsException {
        call("umount_all");
    }

    @Override
    public void shutdown() throws LibguestfsException {
        call("shutdown");
    }

    @Override
    public void close() throws LibguestfsException {
        call("close");
    }

    /**
     * Any public method of the binding by its libguestfs name and argument count, for tests that
     * prepare a guest ({@code ln}, {@code ln_s}, {@code mkfifo}, {@code set_e2attrs}, …) in the
     * same appliance launch as the code under test.
     */
    Object invokeByName(String name, Object... arguments) throws LibguestfsException {
        Method method = Arrays.stream(binding.guestfsClass().getMethods())
                .filter(m -> m.getName().equals(name) && m.getParameterCount() == arguments.length
                        && !Modifier.isStatic(m.getModifiers()))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("libguestfs has no method " + name + "/" + arguments.length));
        try {
            return method.invoke(g, arguments);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw binding.translate(e.getCause());
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }
}
