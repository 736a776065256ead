package io.guestdata.inject.rbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.testkit.Command;
import io.guestdata.testkit.CephTest;
import io.guestdata.testkit.DebianPython;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.guestdata.inject.ceph.CephCluster;
import io.guestdata.inject.fs.Ext2Tools;

/**
 * QEMU 7.2 is the oracle for {@link RbdTarget#parse}: every string of the corpus goes to
 * {@code qemu-img info --output=json} against the real test cluster. Where QEMU opens the image, its
 * parse (the {@code json:} filename it prints: pool, namespace, image, user, conf; the size it read)
 * must be ours, and the Ceph settings we read must be the values librados holds in QEMU's process (read
 * back over the admin socket). Where QEMU refuses, we refuse. Where we refuse what QEMU opens, the
 * reason is written beside the string.
 */
@CephTest
class RbdTargetQemuTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static CephCluster ceph;
    static String pool;
    static String ns;
    /** Image name to size in MiB: each image its own size, so a size read names the image QEMU opened. */
    static final Map<String, Integer> IMAGES = new LinkedHashMap<>();
    static String plain;
    static String inNs;
    static String auth;
    /** Corpus entries checked, printed at the end (the report's corpus size). */
    static int corpus;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void images() {
        ceph = CephCluster.shared();
        pool = ceph.pool();
        String u = CephCluster.uniqueName("syntax");
        ns = u + "-ns";
        ceph.rbdAdminOk("namespace", "create", "--pool", pool, "--namespace", ns);
        plain = u + "-plain";
        inNs = u + "-in-ns";
        int size = 4;
        for (String image : List.of(plain, u + "-a:b", u + " x=y;z,w", u + "-back\\slash", u + "-é")) {
            IMAGES.put(image, size);
            ceph.rbdAdminOk("create", "--size", size + "M", "--pool", pool, "--image", image);
            size += 4;
        }
        IMAGES.put(inNs, size);
        ceph.rbdAdminOk("create", "--size", size + "M", "--pool", pool, "--namespace", ns, "--image", inNs);
        ceph.rbdAdminOk("snap", "create", "--pool", pool, "--image", plain, "--snap", "s1");
        auth = ":id=" + ceph.user() + ":conf=" + ceph.conf();
    }

    @AfterAll
    static void removeImages() {
        if (ceph == null) {
            return;
        }
        ceph.rbdAdminOk("snap", "purge", "--no-progress", "--pool", pool, "--image", plain);
        IMAGES.keySet().forEach(image -> ceph.rbdAdminOk("rm", "--no-progress", "--pool", pool,
                "--namespace", image.equals(inNs) ? ns : "", "--image", image));
        ceph.rbdAdminOk("namespace", "remove", "--pool", pool, "--namespace", ns);
        System.out.println("RbdTargetQemuTest: " + corpus + " rbd: strings checked against qemu-img");
    }

    private static String esc(String name) {
        return name.replace("\\", "\\\\").replace(":", "\\:").replace("@", "\\@").replace("/", "\\/");
    }

    @Test
    void whatQemuOpensWeReadTheSame() throws IOException {
        Path odd = Files.createDirectories(tmp.resolve("c:d@e=f"));
        Path oddConf = Files.copy(ceph.conf(), odd.resolve("ceph.conf"));
        Path oddKeyring = Files.copy(ceph.keyring(), odd.resolve("keyring"));
        String mon = ceph.monHost().replace(":", "\\:");
        String c = ":conf=" + ceph.conf();
        String id = ":id=" + ceph.user();
        List<String> accepted = new ArrayList<>(List.of(
                "rbd:" + pool + "/" + plain + auth,
                "rbd:" + pool + "/" + plain + c + id,
                "rbd:" + pool + "/" + ns + "/" + inNs + auth,
                "rbd:" + pool + "/" + ns + "/" + inNs + c + ":keyring=" + ceph.keyring() + id,
                "rbd:" + pool + "/" + plain + id + ":conf=" + esc(oddConf.toString()),
                "rbd:" + pool + "/" + plain + id + ":conf=" + esc(oddConf.toString()) + ":keyring="
                        + esc(oddKeyring.toString()),
                "rbd:" + pool + "/" + plain + auth + ":mon_host=" + mon,
                "rbd:" + pool + "/" + plain + ":mon_host=" + mon + "\\;localhost" + mon.substring(mon.indexOf("\\:"))
                        + auth,
                "rbd:" + pool + "/" + plain + auth + ":mon_host=[v2\\:" + mon + "]",
                "rbd:" + pool + "/" + plain + auth + ":mon_host=" + mon + ",127.0.0.1" + mon.substring(mon.indexOf("\\:")),
                "rbd:" + pool + "/" + plain + auth + ":auth_supported=cephx",
                "rbd:" + pool + "/" + plain + ":auth_client_required=cephx\\;none" + auth,
                "rbd:" + pool + "/" + plain + auth + ":client_mount_timeout=30:rados_osd_op_timeout=20",
                "rbd:" + pool + "/" + plain + ":client_mount_timeout=31" + auth + ":log_to_stderr=false",
                "rbd:" + pool + "/" + plain + auth + ":log_file=" + esc(tmp.resolve("q:l@g").toString())));
        for (String image : IMAGES.keySet()) {
            if (!image.equals(inNs)) {
                accepted.add("rbd:" + pool + "/" + esc(image) + auth);
            }
        }
        accepted.add("rbd:" + esc(pool) + "/" + esc(ns) + "/" + esc(inNs) + c + id);
        for (String target : accepted) {
            corpus++;
            RbdTarget ours = RbdTarget.parse(target);
            JsonNode qemu = qemuInfo(target, ceph.dir());
            JsonNode file = JSON.readTree(qemu.path("filename").asText().substring("json:".length())).path("file");
            assertEquals("rbd", file.path("driver").asText(), target);
            assertEquals(file.path("pool").asText(), ours.pool(), target);
            assertEquals(file.path("namespace").asText(), ours.namespace(), target);
            assertEquals(file.path("image").asText(), ours.image(), target);
            assertEquals(Optional.of(file.path("user").asText()), ours.user(), target);
            assertEquals(Optional.of(Path.of(file.path("conf").asText())), ours.conf(), target);
            assertEquals(IMAGES.get(ours.image()) * 1048576L, qemu.path("virtual-size").asLong(), target);
            assertEquals(ours, RbdTarget.parse(ours.toString()), target);
        }
    }

    /**
     * The settings (keyring, mon_host and the rest) never show in QEMU's {@code json:} name: QEMU hands
     * them to {@code rados_conf_set}. So QEMU opens the image with an admin socket and we ask its
     * librados what each setting holds. {@code rbd_cache} is not in the corpus: QEMU sets it from its
     * own cache mode after the filename's settings, whatever the filename says.
     */
    @Test
    void settingsReachLibradosInQemuAsWeReadThem() throws Exception {
        String mon = ceph.monHost().replace(":", "\\:");
        Path odd = Files.createDirectories(tmp.resolve("k:e@y"));
        Path oddKeyring = Files.copy(ceph.keyring(), odd.resolve("keyring"));
        List<String> withSettings = List.of(
                auth + ":keyring=" + esc(oddKeyring.toString()) + ":mon_host=" + mon + ":client_mount_timeout=33",
                ":client_mount_timeout=34:rados_osd_op_timeout=21" + auth + ":auth_supported=cephx",
                auth + ":mon_host=[v2\\:" + mon + "]\\;" + mon + ":log_to_stderr=false");
        int n = 0;
        for (String options : withSettings) {
            corpus++;
            Path socket = tmp.resolve("asok-" + n++);
            String target = "rbd:" + pool + "/" + plain + options + ":admin_socket=" + socket;
            RbdTarget ours = RbdTarget.parse(target);
            Map<String, String> expected = new LinkedHashMap<>(ours.settings());
            ours.keyring().ifPresent(k -> expected.put("keyring", k.toString()));
            ours.monHost().ifPresent(m -> expected.put("mon_host", m));
            // interactive: it holds the image open until its stdin closes, then closes it cleanly (a
            // killed qemu-io would leave its watch on the image for 30 s, and the image could not be removed)
            Process qemuIo = new ProcessBuilder("qemu-io", "-r", target)
                    .redirectErrorStream(true).redirectOutput(tmp.resolve("qemu-io-" + n + ".log").toFile()).start();
            try {
                awaitSocket(socket, qemuIo, tmp.resolve("qemu-io-" + n + ".log"));
                for (var e : expected.entrySet()) {
                    Command.Result r = Ext2Tools.run(List.of("ceph", "--admin-daemon", socket.toString(), "config",
                            "get", e.getKey()));
                    assertEquals(0, r.exit(), r.stderr());
                    assertEquals(e.getValue(), JSON.readTree(r.stdout()).path(e.getKey()).asText(), target + " " + e.getKey());
                }
            } finally {
                qemuIo.getOutputStream().close();
                if (!qemuIo.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                    qemuIo.destroy();
                }
            }
        }
    }

    @Test
    void whatQemuRefusesWeRefuse() {
        String p = "rbd:" + pool + "/" + plain;
        List<String> refused = List.of(
                "rbd:" + pool + auth,                                  // Pool name is required
                "rbd:" + pool,
                "rbd:/" + plain + auth,                                // error opening pool ''
                "rbd:" + pool + "/" + auth,                            // error reading header from ''
                "rbd:" + pool + "/" + ns + "/" + auth,
                p + auth + ":",                                        // conf option '' has no value
                p + auth + ":log_to_stderr",                           // conf option log_to_stderr has no value
                p + auth + ":=x",                                      // invalid conf option ''
                p + auth + ":log_file=/tmp/a@b",                       // '@' in the options: QEMU reads a snapshot
                p + auth + ":mon-host=" + ceph.monHost().replace(":", "\\:"), // invalid conf option mon-host
                p + auth + ":Log_To_Stderr=false",                     // invalid conf option Log_To_Stderr
                p + ":id=client." + ceph.user() + ":conf=" + ceph.conf() + ":client_mount_timeout=5");
        for (String target : refused) {
            corpus++;
            Command.Result r = qemuImg(target, ceph.dir());
            assertNotEquals(0, r.exit(), target + " must be refused by QEMU");
            RbdTargetTest.assertRefused("rbd:", () -> RbdTarget.parse(target));
        }
    }

    /** QEMU opens these; we refuse them, each for the reason beside it. */
    @Test
    void whatQemuOpensButWeRefuse() {
        String p = "rbd:" + pool + "/" + plain;
        Map<String, String> stricter = new LinkedHashMap<>();
        // a snapshot is read-only: injection writes
        stricter.put(p + "@s1" + auth, "snapshots are read-only; name the image itself");
        // QEMU reads '\p' as 'p'; we allow only the escapes that mean something, to catch typos
        stricter.put("rbd:" + pool + "/\\" + plain + auth, "unknown escape '\\" + plain.charAt(0) + "'");
        // QEMU takes the last id; a second one is more likely a mistake than a wish
        stricter.put(p + ":id=nobody" + auth, "option 'id' is given twice");
        // QEMU hands Ceph an empty value (log_file= turns the log off); we ask for a value
        stricter.put(p + auth + ":log_file=", "option 'log_file' has an empty value");
        // a relative path depends on the working directory of whichever process opens the image
        stricter.put(p + ":id=" + ceph.user() + ":conf=ceph.conf", "option 'conf' must be an absolute path");
        for (var e : stricter.entrySet()) {
            corpus++;
            Command.Result r = qemuImg(e.getKey(), ceph.dir());
            assertEquals(0, r.exit(), e.getKey() + ": QEMU should open it: " + r.stderr());
            RbdTargetTest.assertRefused(e.getValue(), () -> RbdTarget.parse(e.getKey()));
        }
    }

    /** An image name holding '/': QEMU creates and opens it (escaped), Ceph's rbd tool cannot name it. */
    @Test
    void slashInAnImageNameQemuTakesRbdToolCannot() throws Exception {
        String name = CephCluster.uniqueName("slash") + "/x";
        String target = "rbd:" + pool + "/" + esc(name) + auth;
        corpus++;
        Command.Result created = Ext2Tools.run(List.of("qemu-img", "create", "-f", "raw", target, "4M"));
        try {
            assertEquals(0, created.exit(), created.stderr());
            assertTrue(ceph.rbdAdminOk("ls", pool).lines().anyMatch(name::equals), "QEMU created " + name);
            RbdTargetTest.assertRefused("image name '" + name + "' holds '/'", () -> RbdTarget.parse(target));
            Command.Result viaTool = ceph.rbdAdmin("info", "--pool", pool, "--image", name);
            assertNotEquals(0, viaTool.exit(), "the rbd tool reads " + pool + "/" + name + " as pool/namespace/image");
        } finally {
            Ext2Tools.run(List.of(DebianPython.PATH, "-c", "import rados, rbd, sys\n"
                    + "c = rados.Rados(conffile=sys.argv[1], rados_id='admin'); c.connect()\n"
                    + "rbd.RBD().remove(c.open_ioctx(sys.argv[2]), sys.argv[3])",
                    ceph.conf().toString(), pool, name));
        }
    }

    /** {@code toBlockdevJson} opens the image QEMU's --blockdev way, with the size {@code rbd info} gives. */
    @Test
    void blockdevJsonOpensTheImage() throws Exception {
        for (String target : List.of("rbd:" + pool + "/" + plain + auth,
                "rbd:" + pool + "/" + ns + "/" + inNs + auth + ":mon_host=" + ceph.monHost().replace(":", "\\:")
                        + ":auth_supported=cephx",
                "rbd:" + pool + "/" + esc(IMAGES.keySet().toArray(String[]::new)[1]) + auth)) {
            RbdTarget t = RbdTarget.parse(target);
            var json = t.toBlockdevJson();
            Path socket = tmp.resolve("nbd-" + Math.abs(target.hashCode()));
            Process daemon = new ProcessBuilder("qemu-storage-daemon",
                    "--blockdev", json.put("node-name", "disk").put("read-only", true).toString(),
                    "--nbd-server", "addr.type=unix,addr.path=" + socket,
                    "--export", "type=nbd,id=e,node-name=disk,name=disk")
                    .redirectErrorStream(true).redirectOutput(tmp.resolve("qsd.log").toFile()).start();
            try {
                awaitSocket(socket, daemon, tmp.resolve("qsd.log"));
                JsonNode exported = JSON.readTree(Ext2Tools.runOk(List.of("qemu-img", "info", "--output=json",
                        "nbd+unix:///disk?socket=" + socket)).stdout());
                JsonNode info = JSON.readTree(ceph.rbdAdminOk("info", "--format", "json", "--pool", t.pool(),
                        "--namespace", t.namespace(), "--image", t.image()));
                assertEquals(info.path("size").asLong(), exported.path("virtual-size").asLong(), json.toString());
            } finally {
                daemon.destroy();
                daemon.waitFor();
            }
        }
    }

    /** Waits (up to 60 s) for {@code process} to create {@code socket}; fails with its log if it does not. */
    private static void awaitSocket(Path socket, Process process, Path log) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (!Files.exists(socket) && process.isAlive() && Instant.now().isBefore(deadline)) {
            Thread.sleep(100);
        }
        assertTrue(Files.exists(socket), socket + " never appeared: " + Files.readString(log));
    }

    private static JsonNode qemuInfo(String target, Path workDir) throws IOException {
        Command.Result r = qemuImg(target, workDir);
        assertEquals(0, r.exit(), target + ": " + r.stderr());
        return JSON.readTree(r.stdout());
    }

    /** {@code qemu-img info} of {@code target}, run in {@code workDir} (where relative paths would resolve). */
    private static Command.Result qemuImg(String target, Path workDir) {
        return Ext2Tools.run(List.of("env", "-C", workDir.toString(), "qemu-img", "info", "--output=json", target));
    }
}
