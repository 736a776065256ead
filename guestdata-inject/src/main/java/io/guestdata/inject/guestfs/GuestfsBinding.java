package io.guestdata.inject.guestfs;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * libguestfs' Java binding ({@code com.redhat.et.libguestfs.GuestFS}), found where the
 * distribution installs it and loaded at run time, so that guestdata compiles, and its ext
 * path runs, on machines without libguestfs.
 *
 * <p>The binding is not on Maven Central; Debian ships it as {@code libguestfs-java}:
 * {@code /usr/share/java/libguestfs-<version>.jar} (no unversioned link) and the JNI library
 * {@code /usr/lib/<multiarch>/jni/libguestfs_jni.so}, which is not on a Temurin JVM's
 * {@code java.library.path}. Both are looked up as follows, the first hit winning:
 * <ol>
 *   <li>the jar: system property {@value #JAR_PROPERTY}, environment {@value #JAR_ENV},
 *       {@code /usr/share/java/libguestfs.jar} (Fedora), the newest
 *       {@code /usr/share/java/libguestfs-*.jar} (Debian);</li>
 *   <li>the JNI library: system property {@value #JNI_PROPERTY}, environment {@value #JNI_ENV},
 *       {@code libguestfs_jni.so} (or {@code .so.1}) in {@code /usr/lib/<multiarch>/jni},
 *       {@code /usr/lib64}, {@code /usr/lib/jni}, {@code /usr/lib}, then {@code java.library.path}.</li>
 * </ol>
 * The jar gets a class loader of its own whose {@link ClassLoader#findLibrary} names that JNI
 * library, so the binding's {@code System.loadLibrary("guestfs_jni")} needs no JVM flag beyond
 * {@code --enable-native-access=ALL-UNNAMED} (which only silences JNI's warning).
 *
 * <p>A JNI library can belong to one class loader only, so the binding is loaded once per JVM
 * ({@link #system()}): a holder initialised on first use and never changed afterwards. A failure
 * to find or load it is kept too and reported, with every place looked at, on each use.
 */
public final class GuestfsBinding {

    public static final String JAR_PROPERTY = "guestdata.libguestfs.jar";
    public static final String JAR_ENV = "GUESTDATA_LIBGUESTFS_JAR";
    public static final String JNI_PROPERTY = "guestdata.libguestfs.jni";
    public static final String JNI_ENV = "GUESTDATA_LIBGUESTFS_JNI";

    static final String GUESTFS_CLASS = "com.redhat.et.libguestfs.GuestFS";
    private static final String EXCEPTION_CLASS = "com.redhat.et.libguestfs.LibGuestFSException";
    private static final String JNI_NAME = "guestfs_jni";
    private static final Path SHARE_JAVA = Path.of("/usr/share/java");

    private final Path jar;
    private final Path jni;
    private final Class<?> guestfsClass;
    private final Class<?> exceptionClass;
    private final Map<String, MethodHandle> methods;
    private final MethodHandle constructor;
    private final MethodHandle[] statFields;
    private final MethodHandle[] statVfsFields;

    private GuestfsBinding(Path jar, Path jni, ClassLoader loader) throws ReflectiveOperationException {
        this.jar = jar;
        this.jni = jni;
        this.guestfsClass = Class.forName(GUESTFS_CLASS, true, loader); // runs System.loadLibrary
        this.exceptionClass = Class.forName(EXCEPTION_CLASS, true, loader);
        Class<?> statNs = Class.forName("com.redhat.et.libguestfs.StatNS", true, loader);
        Class<?> statVfs = Class.forName("com.redhat.et.libguestfs.StatVFS", true, loader);
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        this.constructor = lookup.findConstructor(guestfsClass, MethodType.methodType(void.class));
        this.methods = new LinkedHashMap<>();
        Class<?> stringArray = String[].class;
        method(lookup, "set_backend", void.class, String.class);
        method(lookup, "set_backend_settings", void.class, stringArray);
        method(lookup, "set_memsize", void.class, int.class);
        method(lookup, "add_drive", void.class, String.class, Map.class);
        method(lookup, "launch", void.class);
        method(lookup, "list_partitions", stringArray);
        method(lookup, "list_filesystems", Map.class);
        method(lookup, "inspect_os", stringArray);
        method(lookup, "inspect_get_mountpoints", Map.class, String.class);
        method(lookup, "mount", void.class, String.class, String.class);
        method(lookup, "mount_ro", void.class, String.class, String.class);
        method(lookup, "umask", int.class, int.class);
        method(lookup, "lstatnslist", statNs.arrayType(), String.class, stringArray);
        method(lookup, "lstatns", statNs, String.class);
        method(lookup, "readlink", String.class, String.class);
        method(lookup, "get_e2attrs", String.class, String.class);
        method(lookup, "mkdir_mode", void.class, String.class, int.class);
        method(lookup, "chmod", void.class, int.class, String.class);
        method(lookup, "lchown", void.class, int.class, int.class, String.class);
        method(lookup, "write", void.class, String.class, byte[].class);
        method(lookup, "write_append", void.class, String.class, byte[].class);
        method(lookup, "download", void.class, String.class, String.class);
        method(lookup, "statvfs", statVfs, String.class);
        method(lookup, "umount_all", void.class);
        method(lookup, "shutdown", void.class);
        method(lookup, "close", void.class);
        this.statFields = getters(lookup, statNs, "st_dev", "st_ino", "st_mode", "st_nlink", "st_uid", "st_gid", "st_size");
        this.statVfsFields = getters(lookup, statVfs, "frsize", "bavail", "favail", "files");
    }

    private void method(MethodHandles.Lookup lookup, String name, Class<?> returns, Class<?>... parameters)
            throws ReflectiveOperationException {
        methods.put(name, lookup.findVirtual(guestfsClass, name, MethodType.methodType(returns, parameters)));
    }

    private static MethodHandle[] getters(MethodHandles.Lookup lookup, Class<?> type, String... fields)
            throws ReflectiveOperationException {
        MethodHandle[] getters = new MethodHandle[fields.length];
        for (int i = 0; i < fields.length; i++) {
            getters[i] = lookup.findGetter(type, fields[i], long.class);
        }
        return getters;
    }

    /** The outcome of the one load attempt in this JVM. */
    private static final class Holder {
        static final Object LOADED = load();
    }

    /**
     * The binding of this machine, loaded on first use.
     *
     * @throws GuestfsUnavailableException naming every place looked at and what to install
     */
    public static GuestfsBinding system() throws GuestfsUnavailableException {
        Object loaded = Holder.LOADED;
        if (loaded instanceof GuestfsBinding binding) {
            return binding;
        }
        throw new GuestfsUnavailableException((String) loaded);
    }

    /** The binding, or the reason there is none (a String). */
    private static Object load() {
        List<String> looked = new ArrayList<>();
        Optional<Path> jar = findJar(looked);
        Optional<Path> jni = findJni(looked);
        if (jar.isEmpty() || jni.isEmpty()) {
            return "libguestfs' Java binding not found (" + (jar.isEmpty() ? "no jar" : "jar " + jar.get())
                    + ", " + (jni.isEmpty() ? "no " + System.mapLibraryName(JNI_NAME) : "JNI " + jni.get())
                    + "; looked at " + String.join(", ", looked) + "). Install the Debian packages libguestfs-java"
                    + " and libguestfs-tools (or set " + JAR_ENV + " and " + JNI_ENV + ")";
        }
        for (Path configuredButMissing : List.of(jar.get(), jni.get())) {
            if (!Files.isRegularFile(configuredButMissing)) {
                return "libguestfs' Java binding: the configured " + configuredButMissing + " is not a file (looked at "
                        + String.join(", ", looked) + ")";
            }
        }
        try {
            return new GuestfsBinding(jar.get(), jni.get(), new BindingLoader(jar.get(), jni.get()));
        } catch (ReflectiveOperationException | LinkageError | MalformedURLException e) {
            return "libguestfs' Java binding could not be loaded from " + jar.get() + " with " + jni.get() + ": " + e;
        }
    }

    private static Optional<Path> findJar(List<String> looked) {
        Optional<Path> configured = configured(JAR_PROPERTY, JAR_ENV, looked);
        if (configured.isPresent()) {
            return configured;
        }
        Path fedora = SHARE_JAVA.resolve("libguestfs.jar");
        looked.add(fedora.toString());
        if (Files.isRegularFile(fedora)) {
            return Optional.of(fedora);
        }
        looked.add(SHARE_JAVA + "/libguestfs-*.jar");
        List<Path> versioned = new ArrayList<>();
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(SHARE_JAVA, "libguestfs-*.jar")) {
            jars.forEach(versioned::add);
        } catch (IOException e) {
            return Optional.empty(); // no /usr/share/java at all
        }
        return versioned.stream().filter(Files::isRegularFile).max(Comparator.comparing(GuestfsBinding::version, VERSION_ORDER));
    }

    private static Optional<Path> findJni(List<String> looked) {
        Optional<Path> configured = configured(JNI_PROPERTY, JNI_ENV, looked);
        if (configured.isPresent()) {
            return configured;
        }
        List<String> directories = new ArrayList<>();
        multiarch().ifPresent(triplet -> directories.add("/usr/lib/" + triplet + "/jni"));
        directories.addAll(List.of("/usr/lib64", "/usr/lib/jni", "/usr/lib"));
        for (String entry : System.getProperty("java.library.path", "").split(java.io.File.pathSeparator)) {
            if (!entry.isBlank()) {
                directories.add(entry);
            }
        }
        String file = System.mapLibraryName(JNI_NAME);
        for (String directory : directories) {
            for (String name : List.of(file, file + ".1")) {
                Path candidate = Path.of(directory, name);
                looked.add(candidate.toString());
                if (Files.isRegularFile(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<Path> configured(String property, String env, List<String> looked) {
        String value = System.getProperty(property);
        String source = "-D" + property;
        if (value == null || value.isBlank()) {
            value = System.getenv(env);
            source = "$" + env;
        }
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        looked.add(source + "=" + value);
        // Returned even if missing: a configured path that is wrong is an error, not a reason to fall back.
        return Optional.of(Path.of(value));
    }

    /** Debian's multiarch triplet for this JVM's architecture. */
    private static Optional<String> multiarch() {
        return Optional.ofNullable(switch (System.getProperty("os.arch", "").toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> "x86_64-linux-gnu";
            case "aarch64", "arm64" -> "aarch64-linux-gnu";
            case "ppc64le" -> "powerpc64le-linux-gnu";
            case "s390x" -> "s390x-linux-gnu";
            case "riscv64" -> "riscv64-linux-gnu";
            default -> null;
        });
    }

    private static final Pattern VERSION = Pattern.compile("libguestfs-([0-9]{1,9}(?:\\.[0-9]{1,9})*)\\.jar");

    /** Compares version numbers part by part, numerically; a missing part counts as -1. */
    private static final Comparator<List<Integer>> VERSION_ORDER = (a, b) -> {
        for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
            int c = Integer.compare(i < a.size() ? a.get(i) : -1, i < b.size() ? b.get(i) : -1);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    };

    /** "libguestfs-1.48.6.jar" → [1, 48, 6]; a name without a version → []. */
    private static List<Integer> version(Path jar) {
        Matcher m = VERSION.matcher(jar.getFileName().toString());
        if (!m.matches()) {
            return List.of();
        }
        List<Integer> parts = new ArrayList<>();
        for (String part : m.group(1).split("\\.")) {
            parts.add(Integer.parseInt(part));
        }
        return parts;
    }

    /** The class loader of the binding: the jar alone (parent: the platform loader) and the one JNI library. */
    private static final class BindingLoader extends URLClassLoader {
        private final Path jni;

        BindingLoader(Path jar, Path jni) throws MalformedURLException {
            super("libguestfs-java", new URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
            this.jni = jni;
        }

        @Override
        protected String findLibrary(String libname) {
            return JNI_NAME.equals(libname) ? jni.toAbsolutePath().toString() : null;
        }
    }

    /** A new, unlaunched handle ({@code guestfs_create}: reads the {@code LIBGUESTFS_*} environment). */
    GuestfsHandle newHandle() throws LibguestfsException {
        return new JavaBindingHandle(this, invoke(constructor));
    }

    /** The jar the binding came from. */
    public Path jar() {
        return jar;
    }

    /** The JNI library it uses. */
    public Path jni() {
        return jni;
    }

    @Override
    public String toString() {
        return "libguestfs Java binding " + jar + " with " + jni;
    }

    // --- used by JavaBindingHandle ----------------------------------------------------------

    MethodHandle method(String name) {
        MethodHandle handle = methods.get(name);
        if (handle == null) {
            throw new IllegalArgumentException("no libguestfs method " + name + " bound");
        }
        return handle;
    }

    Class<?> guestfsClass() {
        return guestfsClass;
    }

    /** Calls a bound method; libguestfs' own exception becomes {@link LibguestfsException}. */
    Object invoke(MethodHandle handle, Object... arguments) throws LibguestfsException {
        try {
            return handle.invokeWithArguments(arguments);
        } catch (Throwable t) {
            throw translate(t);
        }
    }

    LibguestfsException translate(Throwable t) {
        if (exceptionClass.isInstance(t)) {
            return new LibguestfsException(String.valueOf(t.getMessage()), t);
        }
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e; // LibGuestFSOutOfMemory is an Error, and stays one
        }
        throw new IllegalStateException("libguestfs binding threw " + t, t);
    }

    GuestfsStat stat(Object statNs) throws LibguestfsException {
        long[] v = longs(statFields, statNs);
        return new GuestfsStat(v[0], v[1], (int) v[2], v[3], v[4], v[5], v[6]);
    }

    GuestfsStatVfs statVfs(Object statVfs) throws LibguestfsException {
        long[] v = longs(statVfsFields, statVfs);
        return new GuestfsStatVfs(v[0], v[1], v[2], v[3]);
    }

    private long[] longs(MethodHandle[] getters, Object struct) throws LibguestfsException {
        long[] values = new long[getters.length];
        for (int i = 0; i < getters.length; i++) {
            values[i] = (long) invoke(getters[i], struct);
        }
        return values;
    }
}
