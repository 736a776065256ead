package io.guestdata.inject.sandbox;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The command line that runs a class of this build in the sandbox, and the process started from it:
 *
 * <pre>prlimit --data --as --cpu (SIGXCPU, then SIGKILL 5 s later) --core=0 --fsize --nofile --
 *   [setpriv --reuid=65534 --regid=65534 --clear-groups --]      (when this process is root)
 *   bwrap --unshare-all --unshare-user --disable-userns --die-with-parent --new-session --cap-drop ALL
 *         --uid 65534 --gid 65534 --hostname guestdata-sandbox --clearenv
 *         --ro-bind JDK, the shared-library directories of libc/libext2fs/libcom_err, ld.so and its cache,
 *                   the class path entries (at /guestdata/cp/N)
 *         --proc /proc --dev /dev --tmpfs /tmp (16 MiB) --remount-ro /dev --remount-ro /
 *   -- JDK/bin/java -Xmx… (C1 only, serial GC, no perf data, VM output to stderr) MAIN ARGS</pre>
 *
 * So the worker has its own network namespace (only its own loopback), pid, IPC, UTS, user and
 * mount namespaces, no capabilities, no way to gain privileges ({@code no_new_privs}), and sees no
 * host file but those read-only binds: no image, no configuration, no store, no secret. It is an
 * unprivileged user inside and, when this process is root, outside too (setpriv before bwrap; bwrap
 * then maps uid 65534 to itself), so a file that happened to be visible would still be checked as
 * "nobody's". Its environment is empty (nothing of ours is passed, not even to bwrap).
 *
 * <p>{@code --die-with-parent} kills the sandbox when the thread that started it ends (Linux'
 * parent-death signal is per thread): the caller must start workers from threads that live as
 * long as the workers may ({@link WorkerPool} has its own).
 */
final class BubblewrapLauncher {

    /** The unprivileged user and group the worker runs as ("nobody"). */
    static final int SANDBOX_UID = 65534;
    /** Size of the worker's /tmp (a tmpfs: its memory would be the host's). */
    static final long TMP_BYTES = 16L << 20;
    /** Largest file the worker may write (its crash report into /tmp). */
    static final long MAX_FILE_BYTES = 8L << 20;

    private final SandboxSettings settings;
    private volatile Resolved resolved;

    BubblewrapLauncher(SandboxSettings settings) {
        this.settings = settings;
    }

    SandboxSettings settings() {
        return settings;
    }

    /** The tools and host paths of this machine, found once. */
    private record Resolved(Path prlimit, Optional<Path> setpriv, Path bwrap, Path javaHome, List<Path> libraryDirs,
                            List<String> lowLevel) {
    }

    /**
     * The command that runs {@code mainClass} (a class of this build; the class path is the
     * location it was loaded from) with {@code args} inside the sandbox.
     */
    List<String> command(Class<?> mainClass, List<String> args) throws SandboxUnavailableException {
        Resolved r = resolve();
        List<Path> classPath = List.of(codeSource(mainClass));
        if (r.setpriv().isPresent()) {
            for (Path p : classPath) {
                requireReadableByOthers(p);
            }
        }
        long heap = (long) settings.heapMiB() << 20;
        List<String> cmd = new ArrayList<>();
        cmd.addAll(List.of(r.prlimit().toString(),
                "--data=" + (heap + ((long) SandboxSettings.NATIVE_MARGIN_MIB << 20)),
                "--as=" + (heap + ((long) SandboxSettings.ADDRESS_MARGIN_MIB << 20)),
                "--cpu=" + settings.cpuSeconds() + ":" + (settings.cpuSeconds() + 5), "--core=0", "--fsize=" + MAX_FILE_BYTES, "--nofile=256", "--"));
        if (r.setpriv().isPresent()) {
            cmd.addAll(List.of(r.setpriv().get().toString(), "--reuid=" + SANDBOX_UID, "--regid=" + SANDBOX_UID,
                    "--clear-groups", "--"));
        }
        cmd.addAll(List.of(r.bwrap().toString(), "--unshare-all", "--unshare-user", "--disable-userns",
                "--die-with-parent", "--new-session", "--cap-drop", "ALL",
                "--uid", Integer.toString(SANDBOX_UID), "--gid", Integer.toString(SANDBOX_UID),
                "--hostname", "guestdata-sandbox", "--clearenv"));
        roBind(cmd, r.javaHome(), r.javaHome());
        for (Path dir : r.libraryDirs()) {
            roBind(cmd, dir, dir);
        }
        cmd.addAll(r.lowLevel());
        List<String> cp = new ArrayList<>();
        for (int i = 0; i < classPath.size(); i++) {
            Path entry = classPath.get(i);
            String inside = "/guestdata/cp/" + i + (Files.isDirectory(entry) ? "" : ".jar");
            roBind(cmd, entry, Path.of(inside));
            cp.add(inside);
        }
        cmd.addAll(List.of("--proc", "/proc", "--dev", "/dev",
                "--size", Long.toString(TMP_BYTES), "--tmpfs", "/tmp", "--chdir", "/tmp",
                "--remount-ro", "/dev", "--remount-ro", "/", "--"));
        cmd.add(r.javaHome().resolve("bin/java").toString());
        cmd.addAll(List.of("-Xmx" + settings.heapMiB() + "m", "-Xms32m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-XX:-UsePerfData",
                "-XX:ReservedCodeCacheSize=32m", "-XX:MaxMetaspaceSize=96m", "-XX:CompressedClassSpaceSize=64m",
                "-XX:+ExitOnOutOfMemoryError", "-XX:+DisplayVMOutputToStderr", "-XX:ErrorFile=/tmp/hs_err.log",
                "-Xlog:disable", "-Xlog:all=warning:stderr", "-XX:-UseContainerSupport",
                "-Djava.io.tmpdir=/tmp", "-Duser.home=/tmp",
                "--enable-native-access=ALL-UNNAMED", "-cp", String.join(":", cp), mainClass.getName()));
        cmd.addAll(args);
        return List.copyOf(cmd);
    }

    /** Starts {@code command} with an empty environment and three pipes (nothing else is inherited). */
    Process start(List<String> command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().clear();
        pb.directory(Path.of("/").toFile());
        return pb.start();
    }

    private static void roBind(List<String> cmd, Path source, Path destination) {
        cmd.addAll(List.of("--ro-bind", source.toString(), destination.toString()));
    }

    private Resolved resolve() throws SandboxUnavailableException {
        Resolved r = resolved;
        if (r == null) {
            r = doResolve();
            resolved = r;
        }
        return r;
    }

    private Resolved doResolve() throws SandboxUnavailableException {
        Path bwrap = tool("bwrap", "bubblewrap");
        Path prlimit = tool("prlimit", "util-linux");
        Optional<Path> setpriv = Optional.empty();
        boolean root;
        try {
            root = ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | RuntimeException e) {
            throw new SandboxUnavailableException("cannot tell which user this process runs as (/proc/self): " + e);
        }
        if (root) {
            setpriv = Optional.of(tool("setpriv", "util-linux"));
        }
        Path javaHome;
        try {
            javaHome = settings.javaHome().toRealPath();
        } catch (IOException e) {
            throw new SandboxUnavailableException("the JDK " + settings.javaHome() + " cannot be found: " + e);
        }
        if (!Files.isExecutable(javaHome.resolve("bin/java"))) {
            throw new SandboxUnavailableException(javaHome + "/bin/java is not an executable JDK launcher");
        }
        Set<Path> libraries = new LinkedHashSet<>();
        Path libc = loadedLibrary("libc.so.6");
        libraries.add(libc.getParent());
        for (String lib : List.of("libext2fs.so.2", "libcom_err.so.2")) {
            libraries.add(libraryDirectory(lib, libc.getParent()));
        }
        List<String> lowLevel = new ArrayList<>();
        Path interpreter = interpreter(javaHome.resolve("bin/java"));
        lowLevel.addAll(List.of("--ro-bind", interpreter.toString(), interpreter.toString()));
        if (Files.isReadable(Path.of("/etc/ld.so.cache"))) {
            lowLevel.addAll(List.of("--ro-bind", "/etc/ld.so.cache", "/etc/ld.so.cache"));
        }
        for (String top : List.of("/lib", "/lib32", "/lib64", "/libx32")) {
            Path p = Path.of(top);
            if (Files.isSymbolicLink(p) && !p.equals(interpreter.getParent())) {
                try {
                    lowLevel.addAll(List.of("--symlink", Files.readSymbolicLink(p).toString(), top));
                } catch (IOException e) {
                    throw new SandboxUnavailableException("cannot read the symbolic link " + top + ": " + e);
                }
            }
        }
        if (root) {
            requireReadableByOthers(javaHome);
            for (Path dir : libraries) {
                requireReadableByOthers(dir);
            }
        }
        return new Resolved(prlimit, setpriv, bwrap, javaHome, List.copyOf(libraries), List.copyOf(lowLevel));
    }

    private Path tool(String name, String debianPackage) throws SandboxUnavailableException {
        for (Path dir : settings.searchPath()) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        throw new SandboxUnavailableException(name + " (Debian package " + debianPackage + ") was not found in "
                + settings.searchPath().stream().map(Path::toString).reduce((a, b) -> a + ":" + b).orElse("(no PATH)"));
    }

    /** The file a library this process has loaded was loaded from (/proc/self/maps). */
    private static Path loadedLibrary(String name) throws SandboxUnavailableException {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"), StandardCharsets.UTF_8)) {
                int slash = line.indexOf('/');
                if (slash >= 0 && line.endsWith("/" + name)) {
                    return Path.of(line.substring(slash)).toRealPath();
                }
            }
        } catch (IOException e) {
            throw new SandboxUnavailableException("cannot read /proc/self/maps: " + e);
        }
        throw new SandboxUnavailableException(name + " is not loaded in this process (/proc/self/maps)");
    }

    /** The directory holding {@code name}: libc's, or one of the usual library directories. */
    private static Path libraryDirectory(String name, Path libcDir) throws SandboxUnavailableException {
        List<Path> candidates = List.of(libcDir, Path.of("/usr/lib").resolve(libcDir.getFileName()),
                Path.of("/lib").resolve(libcDir.getFileName()), Path.of("/usr/lib64"), Path.of("/lib64"),
                Path.of("/usr/lib"), Path.of("/lib"));
        for (Path dir : candidates) {
            if (Files.exists(dir.resolve(name))) {
                try {
                    return dir.resolve(name).toRealPath().getParent();
                } catch (IOException e) {
                    throw new SandboxUnavailableException("cannot resolve " + dir.resolve(name) + ": " + e);
                }
            }
        }
        throw new SandboxUnavailableException(name + " was not found in " + candidates
                + " (Debian packages libext2fs2 and libcom-err2)");
    }

    /** The dynamic loader an ELF executable names ({@code PT_INTERP}), as the path it names. */
    static Path interpreter(Path executable) throws SandboxUnavailableException {
        try (FileChannel ch = FileChannel.open(executable)) {
            ByteBuffer header = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(header, 0);
            if (header.getInt(0) != 0x464c457f || header.get(4) != 2 || header.get(5) != 1) {
                throw new SandboxUnavailableException(executable + " is not a 64-bit little-endian ELF executable");
            }
            long phoff = header.getLong(0x20);
            int phentsize = Short.toUnsignedInt(header.getShort(0x36));
            int phnum = Short.toUnsignedInt(header.getShort(0x38));
            for (int i = 0; i < phnum && i < 64; i++) {
                ByteBuffer ph = ByteBuffer.allocate(56).order(ByteOrder.LITTLE_ENDIAN);
                ch.read(ph, phoff + (long) i * phentsize);
                if (ph.getInt(0) == 3) { // PT_INTERP
                    long offset = ph.getLong(0x08);
                    int size = (int) Math.min(ph.getLong(0x20), 4096);
                    ByteBuffer name = ByteBuffer.allocate(size);
                    ch.read(name, offset);
                    String path = new String(name.array(), 0, size, StandardCharsets.US_ASCII);
                    int nul = path.indexOf('\0');
                    return Path.of(nul >= 0 ? path.substring(0, nul) : path);
                }
            }
        } catch (IOException e) {
            throw new SandboxUnavailableException("cannot read " + executable + ": " + e);
        }
        throw new SandboxUnavailableException(executable + " names no dynamic loader (PT_INTERP)");
    }

    /**
     * When this process is root the worker runs as uid 65534: it must be able to reach and read
     * {@code path} with the permissions of "others" (every directory above it searchable).
     */
    private static void requireReadableByOthers(Path path) throws SandboxUnavailableException {
        try {
            Path real = path.toRealPath();
            boolean directory = Files.isDirectory(real);
            Set<PosixFilePermission> own = Files.getPosixFilePermissions(real);
            if (!own.contains(PosixFilePermission.OTHERS_READ)
                    || directory && !own.contains(PosixFilePermission.OTHERS_EXECUTE)) {
                throw notReadable(real, real);
            }
            for (Path dir = real.getParent(); dir != null; dir = dir.getParent()) {
                if (!Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS)
                        .contains(PosixFilePermission.OTHERS_EXECUTE)) {
                    throw notReadable(real, dir);
                }
            }
        } catch (IOException e) {
            throw new SandboxUnavailableException("cannot check the permissions of " + path + ": " + e);
        }
    }

    private static SandboxUnavailableException notReadable(Path path, Path culprit) {
        return new SandboxUnavailableException("the worker runs as uid " + SANDBOX_UID + ", which cannot read " + path
                + " (" + culprit + " is not " + (culprit.equals(path) ? "readable" : "searchable") + " by others):"
                + " install guestdata and its JDK where every user can read them");
    }

    /** Where {@code type} was loaded from: a jar or a class directory. */
    private static Path codeSource(Class<?> type) throws SandboxUnavailableException {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toRealPath();
        } catch (Exception e) {
            throw new SandboxUnavailableException("cannot tell where " + type.getName() + " was loaded from: " + e);
        }
    }
}
