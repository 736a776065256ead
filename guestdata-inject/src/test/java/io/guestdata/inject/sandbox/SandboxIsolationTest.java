package io.guestdata.inject.sandbox;

import io.guestdata.testkit.ToolTest;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.guestdata.inject.fs.FileWindow;
import io.guestdata.inject.fs.GuestFilesystem;
import io.guestdata.inject.fs.GuestPath;
import io.guestdata.inject.fs.OpenMode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a worker taken over by a crafted image could reach, tried for real: {@link SandboxProbe}
 * run with the worker's exact launcher (real bwrap) attempts the network, host files, privileges
 * and the limits, and reports; the real worker is checked from the host (its user, its
 * capabilities) while it serves a filesystem.
 */
@ToolTest
class SandboxIsolationTest {

    @TempDir
    Path dir;

    /** The probe's exit status and output. */
    record Probe(int exit, String out, String err) {
        String line(String prefix) {
            return out.lines().filter(l -> l.startsWith(prefix)).findFirst()
                    .orElseThrow(() -> new AssertionError("no line " + prefix + " in:\n" + out + "\nstderr:\n" + err));
        }
    }

    static Probe probe(SandboxSettings settings, String... checks) throws Exception {
        BubblewrapLauncher launcher = new BubblewrapLauncher(settings);
        Process p = launcher.start(launcher.command(SandboxProbe.class, List.of(checks)));
        p.getOutputStream().close();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        String out = readAll(p.getInputStream());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the probe did not end");
        return new Probe(p.exitValue(), out, err.get());
    }

    private static String readAll(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Test
    void noNetworkButItsOwnLoopback() throws Exception {
        try (ServerSocket listener = new ServerSocket()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = listener.getLocalPort();
            List<String> checks = new ArrayList<>(List.of("interfaces", "connect", "127.0.0.1", Integer.toString(port)));
            Optional<String> hostAddress = hostAddress();
            hostAddress.ifPresent(a -> checks.addAll(List.of("connect", a, Integer.toString(port))));
            Probe p = probe(SandboxSettings.defaults(), checks.toArray(String[]::new));
            assertEquals(0, p.exit(), p.toString());
            assertEquals("interfaces: [lo up]", p.line("interfaces:"), p.out());
            assertTrue(p.line("connect 127.0.0.1:" + port).contains("refused"), p.out());
            hostAddress.ifPresent(a -> assertFalse(p.line("connect " + a).contains("CONNECTED"), p.out()));
            // and the host's listener saw nobody
            listener.setSoTimeout(200);
            assertThrows(SocketTimeoutException.class, listener::accept);
        }
    }

    /** An address of this host that is not loopback, if it has one. */
    private static Optional<String> hostAddress() throws IOException {
        for (NetworkInterface n : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (n.isUp() && !n.isLoopback()) {
                for (InetAddress a : Collections.list(n.getInetAddresses())) {
                    if (a instanceof Inet4Address) {
                        return Optional.of(a.getHostAddress());
                    }
                }
            }
        }
        return Optional.empty();
    }

    @Test
    void noHostFileIsVisibleAndNothingIsWritableButItsSmallTmp() throws Exception {
        Path secret = Files.writeString(dir.resolve("store-credentials"), "postgres://guestdata:s3cret@db/guestdata\n");
        String jdk = SandboxSettings.defaults().javaHome().toRealPath().toString();
        Probe p = probe(SandboxSettings.defaults(), "read", secret.toString(), "read", "/etc/shadow", "read",
                "/etc/passwd", "read", "/root/.bash_history", "read", "/proc/1/environ", "list", "/", "list", "/etc",
                "list", dir.toString(), "write", jdk + "/guestdata-was-here", "write", "/guestdata-was-here", "write",
                "/tmp/scratch", "write", "/dev/shm/x");
        assertEquals(0, p.exit(), p.toString());
        for (String absent : List.of(secret.toString(), "/etc/shadow", "/etc/passwd", "/root/.bash_history")) {
            assertTrue(p.line("read " + absent + ":").contains("NoSuchFileException"), p.out());
        }
        // pid 1 is the sandbox's own init: no environment of ours
        assertEquals("read /proc/1/environ: READ 0 bytes", p.line("read /proc/1/environ"));
        assertEquals("list /: [dev, etc, guestdata, lib, lib64, proc, tmp, usr]", p.line("list /:"));
        assertEquals("list /etc: [ld.so.cache]", p.line("list /etc:"));
        assertTrue(p.line("list " + dir).contains("NoSuchFileException"), p.out());
        assertTrue(p.line("write " + jdk).contains("Read-only file system"), p.out());
        assertTrue(p.line("write /guestdata-was-here").contains("Read-only file system"), p.out());
        assertTrue(p.line("write /dev/shm/x").contains("failed"), p.out());
        assertEquals("write /tmp/scratch: WRITTEN", p.line("write /tmp/scratch"));
        assertFalse(Files.exists(Path.of(jdk, "guestdata-was-here")));
    }

    @Test
    void unprivilegedWithoutCapabilitiesAndAnEmptyEnvironment() throws Exception {
        Probe p = probe(SandboxSettings.defaults(), "identity");
        assertEquals(0, p.exit(), p.toString());
        assertEquals("status Uid: 65534 65534 65534 65534", p.line("status Uid:"));
        assertEquals("status Gid: 65534 65534 65534 65534", p.line("status Gid:"));
        for (String caps : List.of("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")) {
            assertEquals("status " + caps + ": 0000000000000000", p.line("status " + caps + ":"));
        }
        assertEquals("status NoNewPrivs: 1", p.line("status NoNewPrivs:"));
        assertEquals("hostname: guestdata-sandbox", p.line("hostname:"));
        assertEquals("environment: [PWD]", p.line("environment:")); // bwrap's --chdir sets PWD, nothing else
    }

    @Test
    void theRealWorkerRunsAsNobodyOnTheHostToo() throws Exception {
        Path img = dir.resolve("disk.img");
        run("truncate", "-s", "16M", img.toString());
        run("mke2fs", "-q", "-F", "-t", "ext4", img.toString());
        int hostUid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        try (Ext2fsSandbox sandbox = Ext2fsSandbox.start(SandboxSettings.defaults().withPoolSize(0));
             SandboxSession session = sandbox.session(InstantSource.system());
             FileWindow window = FileWindow.open(img, 0, false)) {
            GuestFilesystem fs = session.open(window, OpenMode.READ_ONLY);
            assertTrue(fs.exists(GuestPath.of("/lost+found")));
            ProcessHandle jvm = session.workerProcess().orElseThrow();
            Map<String, String> status = status(jvm.pid());
            String expectedUid = hostUid == 0 ? "65534" : Integer.toString(hostUid);
            assertEquals(expectedUid, status.get("Uid").split("\\s+")[0], status.toString());
            assertEquals(expectedUid, status.get("Uid").split("\\s+")[1], status.toString());
            assertEquals("0000000000000000", status.get("CapEff"), status.toString());
            assertEquals("1", status.get("NoNewPrivs"), status.toString());
            assertNotEquals(Files.readSymbolicLink(Path.of("/proc/self/ns/net")),
                    Files.readSymbolicLink(Path.of("/proc/" + jvm.pid() + "/ns/net")), "its own network namespace");
            fs.close();
        }
    }

    @Test
    void theHeapLimitEndsTheWorkerAndNativeAllocationsAreRefused() throws Exception {
        SandboxSettings small = SandboxSettings.defaults().withHeapMiB(64);
        Probe heap = probe(small, "allocate-heap", "4096");
        assertEquals(3, heap.exit(), heap.toString());
        assertTrue(heap.err().contains("Terminating due to java.lang.OutOfMemoryError: Java heap space"), heap.err());
        // native memory counts against RLIMIT_DATA: heap + 192 MiB
        Probe rlimit = probe(small, "allocate-native", "1024", "allocate-native", "16");
        assertEquals(0, rlimit.exit(), rlimit.toString());
        assertTrue(rlimit.line("allocate-native:").startsWith("allocate-native: refused"), rlimit.out());
        assertEquals("allocate-native: ALLOCATED 16 MiB", rlimit.out().lines().filter(l -> l.startsWith("allocate-native"))
                .skip(1).findFirst().orElseThrow());
    }

    @Test
    void theCpuLimitEndsARunawayWorker() throws Exception {
        Probe p = probe(SandboxSettings.defaults().withCpuSeconds(2), "spin", "30");
        assertEquals(128 + 24, p.exit(), "SIGXCPU: " + p);
        assertFalse(p.out().contains("SPUN"), p.out());
    }

    private static Map<String, String> status(long pid) throws IOException {
        Map<String, String> m = new java.util.HashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                m.put(line.substring(0, colon), line.substring(colon + 1).strip());
            }
        }
        return m;
    }

    static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = readAll(p.getInputStream());
        assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + out);
    }
}
