package io.guestdata.e2e;

import io.guestdata.testkit.Command;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Neutron's metadata path, rebuilt on one machine: a network namespace stands for the guests' network (a tap
 * device for the VM), {@code guestdata proxy} listens inside it on Neutron's metadata address, maps the guest's
 * source address to its instance and forwards with signed headers over a veth pair to {@code guestdata serve}
 * (proxy mode, SQLite store) in the host's namespace. The instance is created through the management API.
 *
 * <p>Two guest networks: {@link #ipv4} (dnsmasq answers DHCP as Neutron's DHCP agent does, the proxy on
 * {@code 169.254.169.254:80}, held by the namespace's loopback) and {@link #ipv6Only} (no IPv4 and no DHCP at
 * all: the proxy on {@code [fe80::a9fe:a9fe%tap]:80}, the address on the guest-facing tap as Neutron puts it on
 * its router port, and the router's global address for the guest's static one).
 *
 * <p>Every network has its own namespace, veth pair, host-side /30 and ports (boots run two at a time); the
 * names carry the JVM's pid and a sequence number, so the next run removes what a killed run left.
 */
final class MetadataNetwork implements AutoCloseable {
    /** The guest's tap, inside the namespace (so every network can use the same name). */
    static final String TAP = "gdtap0";
    static final String GUEST_GATEWAY = "10.0.0.1";
    static final String METADATA_V4 = "169.254.169.254";
    static final String METADATA_V6 = "fe80::a9fe:a9fe";
    /** The IPv6-only network's router (its static address's gateway), on the tap. */
    static final String GUEST_GATEWAY_V6 = "fd00:e2e::1";
    private static final String NS_PREFIX = "gde2e-";
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final int seq = SEQUENCE.getAndIncrement();
    private final String ns = NS_PREFIX + ProcessHandle.current().pid() + "-" + seq;
    private final String vethHost = vethHost(ProcessHandle.current().pid(), seq);
    /** The veth pair's /30 between the host and the namespace: 10.254.SEQ.0/30. */
    private final String hostSide = "10.254." + seq + ".1";
    private final String nsSide = "10.254." + seq + ".2";
    private final boolean ipv6Only;
    private final Path dir;
    private final List<Daemon> daemons = new ArrayList<>();
    private final int metadataPort;
    private final int apiPort;
    private final int managementPort;
    private final String token = HexFormat.of().formatHex(random(24));
    private final Path secret;

    private MetadataNetwork(Path dir, boolean ipv6Only) {
        if (seq > 255) {
            throw new IllegalStateException("more than 256 metadata networks in one run");
        }
        this.dir = dir;
        this.ipv6Only = ipv6Only;
        this.metadataPort = freePort();
        this.apiPort = freePort();
        this.managementPort = freePort();
        try {
            this.secret = Files.writeString(dir.resolve("metadata-secret"), HexFormat.of().formatHex(random(32)));
            Files.writeString(dir.resolve("api-token"), token);
            Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
            Files.setPosixFilePermissions(dir.resolve("api-token"), PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An IPv4 guest network: DHCP gives the guest {@code guestAddress} (router 10.0.0.1); serve runs. */
    static MetadataNetwork ipv4(Path dir, String guestMac, String guestAddress) {
        MetadataNetwork n = new MetadataNetwork(dir, false);
        try {
            n.createNamespace();
            n.ns("ip", "addr", "add", METADATA_V4 + "/32", "dev", "lo");
            n.ns("ip", "addr", "add", GUEST_GATEWAY + "/24", "dev", TAP);
            List<String> dnsmasq = new ArrayList<>(n.inNamespace());
            dnsmasq.addAll(List.of("dnsmasq", "--keep-in-foreground", "--log-facility=-", "--log-dhcp", "--conf-file=/dev/null",
                    "--no-resolv", "--no-hosts", "--port=0", "--user=root", "--interface=" + TAP, "--bind-interfaces",
                    "--dhcp-authoritative", "--dhcp-range=10.0.0.10,10.0.0.100,255.255.255.0,1h",
                    "--dhcp-host=" + guestMac + "," + guestAddress, "--dhcp-option=option:router," + GUEST_GATEWAY,
                    "--dhcp-leasefile=" + dir.resolve("dnsmasq.leases"), "--pid-file=" + dir.resolve("dnsmasq.pid")));
            n.daemons.add(Daemon.start("dnsmasq", dnsmasq, dir.resolve("dnsmasq.log")));
            n.startServe();
            return n;
        } catch (RuntimeException | Error e) {
            n.close();
            throw e;
        }
    }

    /**
     * An IPv6-only guest network: the tap holds {@code fe80::a9fe:a9fe} and {@code fd00:e2e::1} (both without
     * duplicate address detection: usable at once), nothing answers DHCP; serve runs.
     */
    static MetadataNetwork ipv6Only(Path dir) {
        MetadataNetwork n = new MetadataNetwork(dir, true);
        try {
            n.createNamespace();
            n.ns("ip", "-6", "addr", "add", METADATA_V6 + "/64", "dev", TAP, "nodad");
            n.ns("ip", "-6", "addr", "add", GUEST_GATEWAY_V6 + "/64", "dev", TAP, "nodad");
            n.startServe();
            return n;
        } catch (RuntimeException | Error e) {
            n.close();
            throw e;
        }
    }

    /** {@code ip netns exec NS}: run a command inside the guests' network. */
    List<String> inNamespace() {
        return List.of("ip", "netns", "exec", ns);
    }

    /** The namespace, the veth pair to the host and the guest's tap (up, no address yet). */
    private void createNamespace() {
        removeStale();
        sh("ip", "netns", "add", ns);
        sh("ip", "link", "add", vethHost, "type", "veth", "peer", "name", "gdv-ns", "netns", ns);
        sh("ip", "addr", "add", hostSide + "/30", "dev", vethHost);
        sh("ip", "link", "set", vethHost, "up");
        ns("ip", "link", "set", "lo", "up");
        ns("ip", "addr", "add", nsSide + "/30", "dev", "gdv-ns");
        ns("ip", "link", "set", "gdv-ns", "up");
        ns("ip", "tuntap", "add", "dev", TAP, "mode", "tap");
        ns("ip", "link", "set", TAP, "up");
    }

    /** guestdata serve in the host's namespace, on the host's end of the veth pair. */
    private void startServe() {
        daemons.add(Guestdata.start("guestdata serve", dir.resolve("serve.log"), List.of(), "serve",
                "--data-dir", dir.resolve("data").toString(), "--listen", hostSide + ":" + metadataPort,
                "--api-listen", "127.0.0.1:" + apiPort, "--metrics-listen", "127.0.0.1:" + managementPort,
                "--mode", "proxy", "--shared-secret-file", secret.toString(), "--api-token-file", dir.resolve("api-token").toString())
                .awaitReady(Duration.ofSeconds(60), () -> status("http://127.0.0.1:" + managementPort + "/readyz") == 200));
    }

    /** POST /v1/instances with the document (the management API, bearer token). */
    void createInstance(String documentJson) {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPort + "/v1/instances"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(documentJson)).build());
        if (r.statusCode() != 201) {
            throw new AssertionError("POST /v1/instances answered " + r.statusCode() + ": " + r.body());
        }
    }

    /**
     * Starts {@code guestdata proxy} in the namespace on the network's metadata address, port 80, mapping the
     * guest's address (for the IPv6-only network, its link-local address: the source of its requests to
     * {@code fe80::a9fe:a9fe}).
     */
    void startProxy(String guestAddress, String uuid, String project) {
        String listen = ipv6Only ? "[" + METADATA_V6 + "%" + TAP + "]:80" : METADATA_V4 + ":80";
        Daemon proxy = Guestdata.start("guestdata proxy", dir.resolve("proxy.log"), inNamespace(), "proxy",
                "--listen", listen, "--upstream", hostSide + ":" + metadataPort,
                "--map", guestAddress + "=" + uuid + ":" + project, "--secret-file", secret.toString());
        daemons.add(proxy);
        List<String> probe = new ArrayList<>(inNamespace());
        probe.addAll(List.of("bash", "-c", "exec 3<>/dev/tcp/" + (ipv6Only ? METADATA_V6 + "%" + TAP : METADATA_V4) + "/80"));
        proxy.awaitReady(Duration.ofSeconds(60), () -> Command.run(Duration.ofSeconds(10), probe).exit() == 0);
    }

    /** What the service and the proxy logged, for a failure report. */
    String logs() {
        StringBuilder b = new StringBuilder();
        for (Daemon d : daemons) {
            b.append(d.logTail(15)).append('\n');
        }
        return b.toString();
    }

    @Override
    public void close() {
        for (int i = daemons.size() - 1; i >= 0; i--) {
            daemons.get(i).close();
        }
        Command.run(Duration.ofSeconds(30), List.of("ip", "link", "del", vethHost));
        Command.run(Duration.ofSeconds(30), List.of("ip", "netns", "del", ns));
    }

    /** Namespaces and veths of earlier runs whose JVM is gone (killed before it could clean up). */
    private static void removeStale() {
        for (String line : Command.run(Duration.ofSeconds(30), List.of("ip", "netns", "list")).stdout().lines().toList()) {
            String name = line.split(" ")[0];
            if (!name.startsWith(NS_PREFIX)) {
                continue;
            }
            String[] id = name.substring(NS_PREFIX.length()).split("-"); // pid, and the sequence number (not in older runs)
            long pid = Long.parseLong(id[0]);
            if (ProcessHandle.of(pid).isPresent()) {
                continue; // this run, or another still going
            }
            for (String p : Command.run(Duration.ofSeconds(30), List.of("ip", "netns", "pids", name)).stdout().lines().toList()) {
                ProcessHandle.of(Long.parseLong(p.strip())).ifPresent(ProcessHandle::destroyForcibly);
            }
            Command.run(Duration.ofSeconds(30), List.of("ip", "link", "del",
                    id.length > 1 ? vethHost(pid, Integer.parseInt(id[1])) : "gdv" + pid + "h"));
            Command.run(Duration.ofSeconds(30), List.of("ip", "netns", "del", name));
        }
    }

    /** The host's end of the veth pair (an interface name: at most 15 bytes). */
    private static String vethHost(long pid, int seq) {
        return "gdv" + pid + "h" + seq;
    }

    private void ns(String... argv) {
        List<String> a = new ArrayList<>(inNamespace());
        a.addAll(List.of(argv));
        Command.run(Duration.ofSeconds(30), a).ok();
    }

    private void sh(String... argv) {
        Command.run(Duration.ofSeconds(30), List.of(argv)).ok();
    }

    private static int status(String url) {
        try {
            return send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build()).statusCode();
        } catch (AssertionError e) {
            return -1;
        }
    }

    private static HttpResponse<String> send(HttpRequest request) {
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError(request.uri() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }
}
