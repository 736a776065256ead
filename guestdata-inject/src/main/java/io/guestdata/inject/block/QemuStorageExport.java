package io.guestdata.inject.block;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * A running {@code qemu-storage-daemon} that exports one QEMU block node (a qcow2 image, any
 * other format QEMU reads, or a network device: RBD, iSCSI, NBD) as a raw file through FUSE
 * (disk-injection.md, "qcow2, RBD and other formats without a VM"). The raw file is
 * {@link #exportFile()}; open it with {@link #open()}.
 *
 * <h2>Lifecycle: the daemon is never left running</h2>
 * <ul>
 *   <li>Start: a private 0700 directory {@code guestdata-qsd-*} under the temp root holds the
 *       mountpoint (an empty regular file), the daemon's {@code --pidfile}, its log (stdout and
 *       stderr) and {@code owner.pid} (this JVM's pid). The export is ready when the pidfile
 *       appears: the daemon writes it after creating its exports and before serving
 *       ({@code qemu-storage-daemon(1)}, {@code --pidfile}). We then also see the FUSE mount in
 *       {@code /proc/self/mountinfo}. A daemon that exits first, or is not ready within the
 *       start timeout, is stopped and its log is put in the {@link QemuExportException}.</li>
 *   <li>Stop ({@link #close()}, always in a finally / try-with-resources): SIGTERM, which makes
 *       the daemon flush, unmount the FUSE file and delete its pidfile; wait; SIGKILL after the
 *       stop timeout; if a SIGKILLed daemon left its FUSE mount behind (a dead mount answers
 *       ENOTCONN), detach it with {@code fusermount3 -u -z} / {@code umount -l}; delete the
 *       directory.</li>
 *   <li>Backstop 1: a JVM shutdown hook runs the same stop on normal JVM exit and on
 *       SIGTERM/SIGINT of the JVM.</li>
 *   <li>Backstop 2, for {@code kill -9} of the JVM (no hook runs): the daemon is started through
 *       {@code setpriv --pdeathsig TERM}, so the kernel sends it SIGTERM when its parent dies. The
 *       parent is the <em>thread</em> that started it (Linux delivers the parent-death signal when
 *       that thread exits), so each export starts its daemon from its own platform thread that
 *       lives exactly as long as the daemon (it waits for it). Measured: after {@code kill -9} of
 *       the JVM the daemon gets SIGTERM, unmounts the export, removes its pidfile and exits; only
 *       the directory with the empty mountpoint file, {@code owner.pid} and the log remains.</li>
 *   <li>Backstop 3: {@link OrphanSweep} finds {@code guestdata-qsd-*} directories whose owner
 *       JVM is gone, stops a daemon still running there (identified by its pidfile and checked by
 *       its command line), detaches a dead mount, and deletes them; every start runs it first.</li>
 * </ul>
 *
 * <p>Locking: QEMU's file driver takes its own OFD locks on the image (see {@link ImageLock}),
 * so while the daemon runs a VM cannot open the image for writing and vice versa; a daemon that
 * cannot get them exits with "Failed to get "write" lock", reported as
 * {@link ImageInUseException}. Network drivers (rbd, iscsi, nbd) take no lock here; the storage
 * server's own exclusivity applies.
 */
public final class QemuStorageExport implements AutoCloseable {
    /** Prefix of the private directories under the temp root. */
    public static final String DIR_PREFIX = "guestdata-qsd-";
    static final String EXPORT_FILE = "export";
    static final String PID_FILE = "qemu-storage-daemon.pid";
    static final String OWNER_FILE = "owner.pid";
    private static final String LOG_FILE = "daemon.log";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * How daemons are started and stopped.
     *
     * @param daemon the {@code qemu-storage-daemon} executable
     * @param tempRoot where the private directories are created
     * @param startTimeout how long to wait for the export to be ready
     * @param stopTimeout how long SIGTERM is given before SIGKILL
     * @param parentDeathSignal start the daemon under {@code setpriv --pdeathsig TERM} (see the
     *     class comment); off only for tests of the orphan sweep
     */
    public record Settings(String daemon, Path tempRoot, Duration startTimeout, Duration stopTimeout,
            boolean parentDeathSignal) {
        /** {@code qemu-storage-daemon} from PATH, java.io.tmpdir, 30 s to start, 10 s to stop, parent-death signal on. */
        public static Settings defaults() {
            return new Settings("qemu-storage-daemon", Path.of(System.getProperty("java.io.tmpdir")),
                    Duration.ofSeconds(30), Duration.ofSeconds(10), true);
        }

        public Settings withTempRoot(Path root) {
            return new Settings(daemon, root, startTimeout, stopTimeout, parentDeathSignal);
        }

        public Settings withParentDeathSignal(boolean on) {
            return new Settings(daemon, tempRoot, startTimeout, stopTimeout, on);
        }

        public Settings withStartTimeout(Duration timeout) {
            return new Settings(daemon, tempRoot, timeout, stopTimeout, parentDeathSignal);
        }
    }

    private final Path image;
    private final Path workDir;
    private final Path exportFile;
    private final boolean writable;
    private final Settings settings;
    private final Process process;
    private final Thread parentThread;
    private final Thread shutdownHook;
    private boolean closed;

    private QemuStorageExport(Path image, Path workDir, boolean writable, Settings settings, Process process,
            Thread parentThread) {
        this.image = image;
        this.workDir = workDir;
        this.exportFile = workDir.resolve(EXPORT_FILE);
        this.writable = writable;
        this.settings = settings;
        this.process = process;
        this.parentThread = parentThread;
        this.shutdownHook = new Thread(this::stopForShutdown, "stop qemu-storage-daemon " + process.pid());
    }

    /**
     * Exports a local image file (or block device) and its backing chain, as
     * {@link ImageInspector} checked them.
     *
     * <p>The block graph names every file itself, so QEMU never resolves a name found in an image:
     * one {@code file} (or {@code host_device}) node and one format node per layer, the backing
     * layers read-only and referenced by node name; the last layer's format node gets
     * {@code "backing": null} (for the formats that have backing files), so a backing name in its
     * header is not followed; no {@code data-file} is ever given (the inspector refused images
     * that need one).
     *
     * <p>The caller checks first that the image may be written ({@link ImageLock#probe});
     * {@link DiskImage#open} does all of that.
     */
    public static QemuStorageExport ofImage(BackingChain chain, boolean writable, Settings settings)
            throws BlockException {
        List<ObjectNode> nodes = new ArrayList<>();
        String below = null;
        for (int i = chain.layers().size() - 1; i >= 0; i--) {
            BackingChain.Layer layer = chain.layers().get(i);
            boolean readOnly = i > 0 || !writable;
            Path abs = layer.path().toAbsolutePath();
            nodes.add(JSON.createObjectNode()
                    .put("driver", ImageLock.isBlockDevice(abs) ? "host_device" : "file")
                    .put("filename", abs.toString())
                    .put("node-name", "file" + i)
                    .put("read-only", readOnly));
            ObjectNode fmt = JSON.createObjectNode()
                    .put("driver", layer.format().qemuName())
                    .put("file", "file" + i)
                    .put("node-name", "fmt" + i)
                    .put("read-only", readOnly);
            if (layer.format().copyOnWrite()) {
                if (below == null) {
                    fmt.putNull("backing");
                } else {
                    fmt.put("backing", below);
                }
            }
            nodes.add(fmt);
            below = "fmt" + i;
        }
        return start(chain.top().path(), nodes, "fmt0", writable, settings);
    }

    /**
     * Exports what a user-supplied QEMU {@code --blockdev} JSON object describes, e.g.
     * {@code {"driver":"rbd","pool":"vms","image":"disk0"}},
     * {@code {"driver":"nbd","server":{"type":"unix","path":"/run/x.sock"},"export":"disk"}}, or
     * a format layered on a protocol ({@code {"driver":"qcow2","file":{"driver":"rbd",…}}}).
     * A missing {@code node-name} is set; opened read-only unless {@code writable}.
     *
     * @throws ImageFormatException if the text is not a JSON object with a {@code driver}
     */
    public static QemuStorageExport ofBlockdev(String blockdevJson, boolean writable, Settings settings)
            throws BlockException {
        JsonNode parsed;
        try {
            parsed = JSON.readTree(blockdevJson);
        } catch (JsonProcessingException e) {
            throw new ImageFormatException(null, "the --blockdev value is not JSON: " + e.getOriginalMessage());
        }
        if (!(parsed instanceof ObjectNode node) || !node.path("driver").isTextual()) {
            throw new ImageFormatException(null, "the --blockdev value must be a JSON object with a \"driver\","
                    + " e.g. {\"driver\":\"nbd\",\"server\":{\"type\":\"unix\",\"path\":\"/run/nbd.sock\"}}");
        }
        return ofBlockdev(null, node, Map.of(), writable, settings);
    }

    /**
     * Exports a block node described as {@code --blockdev} JSON (a network disk, {@link DiskImage#openNetwork}),
     * with QEMU {@code secret} objects for what it names by {@code *-secret} (an iSCSI CHAP password).
     *
     * <p>A secret never reaches the daemon's command line: each is written to a 0600 file in the private 0700
     * directory, the daemon gets {@code --object {"qom-type":"secret","id":ID,"file":PATH,"format":"raw"}}, reads
     * it while it starts, and the file is deleted as soon as the export is ready (or the start failed).
     *
     * @param name how messages name the disk (null: "network block device")
     * @param secrets the secret objects to create: id → the secret's bytes
     */
    public static QemuStorageExport ofBlockdev(Path name, ObjectNode node, Map<String, byte[]> secrets,
            boolean writable, Settings settings) throws BlockException {
        ObjectNode blockdev = node.deepCopy();
        if (!blockdev.path("node-name").isTextual()) {
            blockdev.put("node-name", "user0");
        }
        if (!writable) {
            blockdev.put("read-only", true);
        }
        return start(name, List.of(blockdev), secrets, blockdev.get("node-name").asText(), writable, settings);
    }

    private static QemuStorageExport start(Path image, List<ObjectNode> blockdevs, String topNode, boolean writable,
            Settings settings) throws BlockException {
        return start(image, blockdevs, Map.of(), topNode, writable, settings);
    }

    private static QemuStorageExport start(Path image, List<ObjectNode> blockdevs, Map<String, byte[]> secrets,
            String topNode, boolean writable, Settings settings) throws BlockException {
        try {
            OrphanSweep.sweep(settings.tempRoot(), settings.stopTimeout());
        } catch (IOException e) {
            // An unreadable temp root fails the export's own directory below, with the reason.
        }
        Path workDir;
        try {
            workDir = Files.createTempDirectory(settings.tempRoot(), DIR_PREFIX,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Files.createFile(workDir.resolve(EXPORT_FILE),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(workDir.resolve(OWNER_FILE), Long.toString(ProcessHandle.current().pid()) + "\n");
        } catch (IOException e) {
            throw new QemuExportException(image, "cannot create the export directory under " + settings.tempRoot()
                    + ": " + e.getMessage(), e);
        }
        List<String> argv = new ArrayList<>();
        if (settings.parentDeathSignal()) {
            argv.addAll(List.of("setpriv", "--pdeathsig", "TERM"));
        }
        argv.add(settings.daemon());
        List<Path> secretFiles = new ArrayList<>();
        for (Map.Entry<String, byte[]> secret : secrets.entrySet()) {
            if (!secret.getKey().matches("[A-Za-z][A-Za-z0-9_-]*")) {
                OrphanSweep.deleteTree(workDir);
                throw new IllegalArgumentException("secret id '" + secret.getKey() + "' is not a QEMU object id");
            }
            Path file = workDir.resolve("secret-" + secret.getKey());
            try {
                Files.write(Files.createFile(file,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))),
                        secret.getValue());
            } catch (IOException e) {
                OrphanSweep.deleteTree(workDir);
                throw new QemuExportException(image, "cannot write a secret file in " + workDir + ": "
                        + e.getMessage(), e);
            }
            secretFiles.add(file);
            argv.add("--object");
            argv.add(JSON.createObjectNode().put("qom-type", "secret").put("id", secret.getKey())
                    .put("file", file.toString()).put("format", "raw").toString());
        }
        for (ObjectNode b : blockdevs) {
            argv.add("--blockdev");
            argv.add(b.toString());
        }
        ObjectNode export = JSON.createObjectNode()
                .put("type", "fuse")
                .put("id", "export0")
                .put("node-name", topNode)
                .put("mountpoint", workDir.resolve(EXPORT_FILE).toString())
                .put("writable", writable)
                .put("growable", false)
                .put("allow-other", "off");
        argv.addAll(List.of("--export", export.toString(), "--pidfile", workDir.resolve(PID_FILE).toString()));
        ProcessBuilder pb = new ProcessBuilder(argv)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(workDir.resolve(LOG_FILE).toFile());

        // The daemon's parent thread must outlive the daemon: Linux sends the parent-death signal
        // when the thread that forked it exits. This thread starts it and then waits for it.
        CompletableFuture<Process> started = new CompletableFuture<>();
        Thread parent = Thread.ofPlatform().daemon(true).name("qemu-storage-daemon parent " + workDir.getFileName())
                .unstarted(() -> {
                    Process p;
                    try {
                        p = pb.start();
                    } catch (IOException | RuntimeException e) {
                        started.completeExceptionally(e);
                        return;
                    }
                    started.complete(p);
                    while (true) {
                        try {
                            p.waitFor();
                            return;
                        } catch (InterruptedException e) {
                            // Keep living while the daemon lives; the interrupt is not ours to honour.
                        }
                    }
                });
        parent.start();
        Process process;
        try {
            process = started.get();
        } catch (InterruptedException | ExecutionException e) {
            OrphanSweep.deleteTree(workDir);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new QemuExportException(image, "cannot start " + String.join(" ", argv.subList(0, argv.indexOf(
                    settings.daemon()) + 1)) + ": " + (e.getCause() == null ? e : e.getCause()).getMessage()
                    + "; install qemu-system-common (qemu-storage-daemon) and util-linux (setpriv)", e);
        }
        QemuStorageExport qse = new QemuStorageExport(image, workDir, writable, settings, process, parent);
        Runtime.getRuntime().addShutdownHook(qse.shutdownHook);
        try {
            try {
                qse.awaitReady();
            } finally {
                for (Path f : secretFiles) {
                    deleteSecret(f);
                }
            }
            return qse;
        } catch (BlockException | RuntimeException e) {
            try {
                qse.close();
            } catch (IOException | RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private void awaitReady() throws BlockException {
        long deadline = System.nanoTime() + settings.startTimeout().toNanos();
        Path pidFile = workDir.resolve(PID_FILE);
        while (true) {
            if (!process.isAlive()) {
                throw startFailure("exited with status " + process.exitValue() + " before the export was ready");
            }
            Optional<Long> pid = ProcessTable.readPid(pidFile);
            if (pid.isPresent() && pid.get() == process.pid() && MountTable.isMounted(exportFile)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw startFailure("did not make the export ready within " + settings.startTimeout().toMillis() + " ms");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new QemuExportException(image, "interrupted while waiting for qemu-storage-daemon");
            }
        }
    }

    private BlockException startFailure(String what) {
        String log = readLog();
        if (log.contains("Failed to get \"write\" lock") || log.contains("Failed to get shared \"write\" lock")
                || log.contains("Failed to lock byte")) {
            return new ImageInUseException(image, "image is in use: another process (a running VM, qemu-img, or"
                    + " another writer) holds QEMU's lock on it; qemu-storage-daemon said: " + oneLine(log)
                    + "; stop the VM or program using it, then retry; nothing was written");
        }
        java.util.regex.Matcher unknown = java.util.regex.Pattern.compile("Unknown driver '([^']+)'").matcher(log);
        if (unknown.find()) {
            return new QemuExportException(image, "QEMU's " + unknown.group(1) + " block driver is not installed"
                    + " here (qemu-storage-daemon " + what + ": " + oneLine(log) + "); install it (Debian: the package"
                    + " qemu-block-extra, module block-" + unknown.group(1) + ".so)");
        }
        return new QemuExportException(image, "qemu-storage-daemon " + what + ": " + oneLine(log));
    }

    /** Overwrites a secret file with zeros, then deletes it; the daemon read it while it started. */
    private static void deleteSecret(Path file) {
        try {
            long size = Files.size(file);
            Files.write(file, new byte[(int) Math.min(size, 1 << 20)]);
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // the private directory and its content are deleted when the export closes
        }
    }

    /** The raw view of the exported block node: a regular file under FUSE, as large as the virtual disk. */
    public Path exportFile() {
        return exportFile;
    }

    /** The image file exported, or null for a {@link #ofBlockdev} target. */
    public Path image() {
        return image;
    }

    /** The daemon's process id (as written in its pidfile). */
    public long pid() {
        return process.pid();
    }

    /** The daemon's pidfile. */
    public Path pidFile() {
        return workDir.resolve(PID_FILE);
    }

    /** The private directory holding the mountpoint, the pidfile and the log. */
    public Path workDir() {
        return workDir;
    }

    /** Whether the daemon is still running. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Opens the export as a {@link BlockDevice}. The view takes no lock of its own (the daemon
     * holds QEMU's locks on the image); close it before closing the export.
     */
    public RawImage open() throws BlockException {
        return RawImage.openExported(exportFile, writable);
    }

    /**
     * Stops the daemon (SIGTERM, then SIGKILL after the stop timeout), detaches the FUSE mount if
     * the daemon could not, and deletes the private directory. Idempotent.
     *
     * @throws QemuExportException if the mount could not be removed (the directory is then kept
     *     and named in the message)
     */
    @Override
    public synchronized void close() throws BlockException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            stop();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // The JVM is exiting and the hook is running or about to: it finds us closed.
            }
        }
    }

    private synchronized void stopForShutdown() {
        if (!closed) {
            closed = true;
            try {
                stop();
            } catch (BlockException e) {
                System.err.println("guestdata: " + e.getMessage());
            }
        }
    }

    private void stop() throws BlockException {
        boolean killed = ProcessTable.terminate(process.toHandle(), settings.stopTimeout());
        try {
            parentThread.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        MountTable.detach(exportFile);
        if (MountTable.isMounted(exportFile)) {
            throw new QemuExportException(image, "qemu-storage-daemon " + process.pid() + (killed ? " had to be killed" : "")
                    + " and its FUSE export " + exportFile + " is still mounted; unmount it with 'umount -l "
                    + exportFile + "' and delete " + workDir);
        }
        OrphanSweep.deleteTree(workDir);
    }

    private String readLog() {
        try {
            String log = Files.readString(workDir.resolve(LOG_FILE));
            return log.length() > 4000 ? log.substring(0, 4000) + "…" : log;
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static String oneLine(String log) {
        String s = log.strip().replaceAll("\\s*\\n\\s*", " | ");
        return s.isEmpty() ? "(it printed nothing)" : s;
    }


}
