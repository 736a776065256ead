package io.guestdata.inject.ceph;

import io.guestdata.testkit.Command;
import io.guestdata.testkit.DebianPython;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.guestdata.inject.fs.Ext2Tools;

/**
 * The real single-node Ceph cluster the tests use (issue 11): Debian's ceph-mon, ceph-mgr and
 * ceph-osd started by {@code tools/ceph/ceph-cluster} (one of each, a file-backed BlueStore OSD,
 * cephx on, pool {@link #pool()} for VM disks, user {@link #user()} with {@code profile rbd} on that
 * pool only). No mock of librbd or of the cluster anywhere.
 *
 * <p>One cluster serves every Maven module in turn: {@link #shared()} starts it on first use (in
 * {@code /tmp/guestdata-ceph-test-<uid>}, or {@code -Dguestdata.test.ceph.dir}) or joins the one
 * running, and leases it for this JVM (a file named by this JVM's pid). The script's watchdog stops
 * the cluster and deletes its directory {@value #IDLE_SECONDS} s after the last leasing JVM has
 * gone, killed or not, so a test run never leaves it running and the next module (a few seconds
 * later) finds it still up. Start and join are serialised across JVMs by a lock file.
 */
public final class CephCluster {

    /** How long the cluster outlives its last test JVM: the gap between two Maven modules' forks. */
    static final int IDLE_SECONDS = 90;

    private static CephCluster shared;

    private final Path dir;
    private final Map<String, String> env;

    private CephCluster(Path dir, Map<String, String> env) {
        this.dir = dir;
        this.env = env;
    }

    /**
     * The machine's test cluster, started if none runs, leased for this JVM.
     *
     * @throws IllegalStateException when the ceph packages are missing or the cluster does not start
     */
    public static synchronized CephCluster shared() {
        if (shared == null) {
            shared = startOrJoin(Path.of(System.getProperty("guestdata.test.ceph.dir",
                    "/tmp/guestdata-ceph-test-" + uid())));
        }
        return shared;
    }

    private static CephCluster startOrJoin(Path dir) {
        Path script = script();
        for (String tool : List.of("ceph-mon", "ceph-mgr", "ceph-osd", "rbd")) {
            if (!Files.isExecutable(Path.of("/usr/bin", tool))) {
                throw new IllegalStateException("the Ceph tests need " + tool + ": apt-get install ceph-mon ceph-mgr "
                        + "ceph-osd ceph-common (./run-tests installs them as root)");
            }
        }
        String pid = Long.toString(ProcessHandle.current().pid());
        Path lockFile = Path.of(dir + ".lock");
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock ignored = ch.lock()) {
            Command.Result lease = Ext2Tools.run(List.of(script.toString(), "lease", dir.toString(), pid));
            if (lease.exit() != 0) {
                // none running (or a dead one left behind): clear it, start afresh
                Ext2Tools.run(List.of(script.toString(), "stop", dir.toString()));
                Command.Result start = Ext2Tools.run(List.of(script.toString(), "start", dir.toString(),
                        "--holder", pid, "--idle", Integer.toString(IDLE_SECONDS)));
                if (start.exit() != 0) {
                    throw new IllegalStateException("the test Ceph cluster did not start (" + script + " start " + dir
                            + "): " + start.stderr());
                }
            }
            return new CephCluster(dir, readEnv(dir.resolve("env")));
        } catch (IOException e) {
            throw new IllegalStateException("cannot lock " + lockFile, e);
        }
    }

    private static Map<String, String> readEnv(Path file) throws IOException {
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        }
        Map<String, String> m = new LinkedHashMap<>();
        p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k)));
        return m;
    }

    /** tools/ceph/ceph-cluster of this checkout, found upwards from the working directory. */
    static Path script() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path s = d.resolve("tools/ceph/ceph-cluster");
            if (Files.isExecutable(s)) {
                return s;
            }
        }
        throw new IllegalStateException("tools/ceph/ceph-cluster not found above " + Path.of("").toAbsolutePath());
    }

    private static String uid() {
        try {
            return String.valueOf(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The cluster's directory (its logs are under log/). */
    public Path dir() {
        return dir;
    }

    /** ceph.conf: monitor address and the keyring file of each user ({@code DIR/client.NAME.keyring}). */
    public Path conf() {
        return Path.of(env.get("CEPH_CONF"));
    }

    /** The pool for VM disks. */
    public String pool() {
        return env.get("GUESTDATA_CEPH_POOL");
    }

    /** The client user (without {@code client.}): caps {@code profile rbd} on {@link #pool()} only. */
    public String user() {
        return env.get("GUESTDATA_CEPH_USER");
    }

    /** The client user's keyring file. */
    public Path keyring() {
        return Path.of(env.get("GUESTDATA_CEPH_KEYRING"));
    }

    /** client.admin's keyring: for the tests' own set-up (snapshots, other pools, users with fewer caps). */
    public Path adminKeyring() {
        return Path.of(env.get("GUESTDATA_CEPH_ADMIN_KEYRING"));
    }

    /** The monitor, {@code 127.0.0.1:PORT} (messenger v2). */
    public String monHost() {
        return env.get("GUESTDATA_CEPH_MON_HOST");
    }

    /** How long the script took to start the cluster, up to a writable pool. */
    public Duration startUp() {
        return Duration.ofSeconds(Long.parseLong(env.get("GUESTDATA_CEPH_START_SECONDS")));
    }

    /** A fresh image name in the pool, for one test. */
    public static String uniqueName(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Runs the {@code rbd} tool as client.admin against this cluster, e.g. {@code rbd("create", "--size", "64M", "vms/x")}. */
    public Command.Result rbdAdmin(String... args) {
        return tool("rbd", "admin", args);
    }

    /** Runs the {@code rbd} tool as {@link #user()}. */
    public Command.Result rbd(String... args) {
        return tool("rbd", user(), args);
    }

    /** Runs the {@code ceph} tool as client.admin, e.g. {@code ceph("auth", "get-or-create", ...)}. */
    public Command.Result cephAdmin(String... args) {
        return tool("ceph", "admin", args);
    }

    /** Like {@link #rbdAdmin} but fails the calling test with the tool's stderr unless it exits 0. */
    public String rbdAdminOk(String... args) {
        Command.Result r = rbdAdmin(args);
        if (r.exit() != 0) {
            throw new AssertionError("rbd " + String.join(" ", args) + " exited " + r.exit() + ": " + r.stderr());
        }
        return r.stdout();
    }

    private Command.Result tool(String tool, String id, String... args) {
        List<String> cmd = new ArrayList<>(List.of(tool, "--conf", conf().toString(), "--id", id));
        cmd.addAll(List.of(args));
        return Ext2Tools.run(cmd);
    }

    /**
     * Another librbd client (python3-rbd, under /usr/bin/python3), as {@link #user()}, that opens
     * {@code image} of {@link #pool()} read-write (its watch, as a VM's QEMU has) and holds it;
     * action {@code hold-lock} also takes the exclusive lock first. Returns once the image is open;
     * the client closes it when its stdin is closed ({@link #release}).
     */
    public Process librbdClient(String image, String action) throws IOException {
        Process p = new ProcessBuilder(DebianPython.PATH, "-c", LIBRBD_CLIENT, conf().toString(), user(), pool(),
                image, action).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String line = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8)).readLine();
        if (!"open".equals(line)) {
            p.destroyForcibly();
            throw new IllegalStateException("python3-rbd did not open " + pool() + "/" + image + ": " + line);
        }
        return p;
    }

    /** The same client run to its end: action {@code lock} (non-blocking exclusive lock) or {@code write}. */
    public Command.Result librbd(String image, String action) {
        return Ext2Tools.run(List.of(DebianPython.PATH, "-c", LIBRBD_CLIENT, conf().toString(), user(), pool(),
                image, action));
    }

    /**
     * Lets a {@link #librbdClient} close the image and exit (killed, its watch would stay for
     * osd_client_watch_timeout and keep {@code rbd rm} from removing the image).
     */
    public static void release(Process client) throws IOException, InterruptedException {
        client.getOutputStream().close();
        if (!client.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
            client.destroyForcibly().waitFor();
        }
    }

    private static final String LIBRBD_CLIENT = """
            import sys, rados, rbd
            conf, user, pool, image, action = sys.argv[1:6]
            c = rados.Rados(conffile=conf, rados_id=user)
            c.connect(timeout=30)
            io = c.open_ioctx(pool)
            img = rbd.Image(io, image)
            if action == 'lock':
                img.lock_acquire(rbd.RBD_LOCK_MODE_EXCLUSIVE)
            elif action == 'write':
                img.write(b'other writer', 0)
                img.flush()
            elif action.startswith('hold'):
                if action == 'hold-lock':
                    img.lock_acquire(rbd.RBD_LOCK_MODE_EXCLUSIVE)
                print('open', flush=True)
                sys.stdin.read()
            img.close()
            io.close()
            c.shutdown()
            """;

    /**
     * The Ceph fixture of a test class, a JUnit 5 extension registered on a static field:
     *
     * <pre>{@code
     * @RegisterExtension
     * static final CephCluster.Scratch scratch = new CephCluster.Scratch();
     * private final CephCluster ceph = scratch.cluster();
     * }</pre>
     *
     * <p>Before the class's first test it leases the {@link #shared()} cluster (one that does not start fails
     * the class's tests, as an {@code @BeforeAll} would). After each test it removes the images that test
     * registered and releases its {@link #librbdClient}s, clients first so that no watch keeps an image from
     * removal. Tests of one class run one at a time (no parallel execution is configured).
     */
    public static final class Scratch implements AutoCloseable, BeforeAllCallback, AfterEachCallback {
        private final List<String> images = new ArrayList<>();
        private final List<Process> clients = new ArrayList<>();
        private CephCluster cluster;

        @Override
        public void beforeAll(ExtensionContext context) {
            cluster = shared();
        }

        /** The leased cluster, from the class's first test on (and in its {@code @BeforeAll} methods). */
        public CephCluster cluster() {
            if (cluster == null) {
                throw new IllegalStateException("CephCluster.Scratch leases the cluster before the class's tests:"
                        + " register it on a static @RegisterExtension field");
            }
            return cluster;
        }

        @Override
        public void afterEach(ExtensionContext context) throws IOException, InterruptedException {
            close();
        }

        /** Registers {@code POOL/IMAGE} for removal; returns it. */
        public String image(String spec) {
            images.add(spec);
            return spec;
        }

        /** Registers a {@link #librbdClient} for release; returns it. */
        public Process client(Process p) {
            clients.add(p);
            return p;
        }

        /** Releases the clients and removes the images registered so far, and forgets them. */
        @Override
        public void close() throws IOException, InterruptedException {
            for (Process p : clients) {
                release(p);
            }
            clients.clear();
            for (String image : images) {
                shared().rbdAdmin("snap", "purge", "--no-progress", image);
                shared().rbdAdmin("rm", "--no-progress", image);
            }
            images.clear();
        }
    }
}
