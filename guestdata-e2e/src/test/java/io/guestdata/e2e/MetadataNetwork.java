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

/**
 * Neutron's metadata path, rebuilt on one machine: a network namespace stands for the guests' network (a tap
 * device for the VM, dnsmasq answering DHCP as Neutron's DHCP agent does, {@code 169.254.169.254} held by the
 * namespace), {@code guestdata proxy} listens on {@code 169.254.169.254:80} inside it, maps the guest's source
 * address to its instance and forwards with signed headers over a veth pair to {@code guestdata serve} (proxy
 * mode, SQLite store) in the host's namespace. The instance is created through the management API.
 */
final class MetadataNetwork implements AutoCloseable {
    static final String TAP = "gdtap0";
    static final String GUEST_GATEWAY = "10.0.0.1";
    private static final String HOST_SIDE = "10.254.0.1";
    private static final String NS_SIDE = "10.254.0.2";

    private final String ns = "gde2e-" + ProcessHandle.current().pid();
    private final String vethHost = "gdv" + ProcessHandle.current().pid() + "h";
    private final Path dir;
    private final List<Daemon> daemons = new ArrayList<>();
    private final int metadataPort;
    private final int apiPort;
    private final int managementPort;
    private final String token = HexFormat.of().formatHex(random(24));
    private final Path secret;

    MetadataNetwork(Path dir) {
        this.dir = dir;
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

    /** {@code ip netns exec NS}: run a command inside the guests' network. */
    List<String> inNamespace() {
        return List.of("ip", "netns", "exec", ns);
    }

    /** Creates the namespace, its links and dnsmasq; starts serve (host side). */
    MetadataNetwork start(String guestMac, String guestAddress) {
        removeStale();
        sh("ip", "netns", "add", ns);
        sh("ip", "link", "add", vethHost, "type", "veth", "peer", "name", "gdv-ns", "netns", ns);
        sh("ip", "addr", "add", HOST_SIDE + "/30", "dev", vethHost);
        sh("ip", "link", "set", vethHost, "up");
        ns("ip", "link", "set", "lo", "up");
        ns("ip", "addr", "add", NS_SIDE + "/30", "dev", "gdv-ns");
        ns("ip", "link", "set", "gdv-ns", "up");
        ns("ip", "addr", "add", "169.254.169.254/32", "dev", "lo");
        ns("ip", "tuntap", "add", "dev", TAP, "mode", "tap");
        ns("ip", "addr", "add", GUEST_GATEWAY + "/24", "dev", TAP);
        ns("ip", "link", "set", TAP, "up");
        List<String> dnsmasq = new ArrayList<>(inNamespace());
        dnsmasq.addAll(List.of("dnsmasq", "--keep-in-foreground", "--log-facility=-", "--log-dhcp", "--conf-file=/dev/null",
                "--no-resolv", "--no-hosts", "--port=0", "--user=root", "--interface=" + TAP, "--bind-interfaces",
                "--dhcp-authoritative", "--dhcp-range=10.0.0.10,10.0.0.100,255.255.255.0,1h",
                "--dhcp-host=" + guestMac + "," + guestAddress, "--dhcp-option=option:router," + GUEST_GATEWAY,
                "--dhcp-leasefile=" + dir.resolve("dnsmasq.leases"), "--pid-file=" + dir.resolve("dnsmasq.pid")));
        daemons.add(Daemon.start("dnsmasq", dnsmasq, dir.resolve("dnsmasq.log")));
        daemons.add(Guestdata.start("guestdata serve", dir.resolve("serve.log"), List.of(), "serve",
                "--data-dir", dir.resolve("data").toString(), "--listen", HOST_SIDE + ":" + metadataPort,
                "--api-listen", "127.0.0.1:" + apiPort, "--metrics-listen", "127.0.0.1:" + managementPort,
                "--mode", "proxy", "--shared-secret-file", secret.toString(), "--api-token-file", dir.resolve("api-token").toString())
                .awaitReady(Duration.ofSeconds(60), () -> status("http://127.0.0.1:" + managementPort + "/readyz") == 200));
        return this;
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

    /** Starts {@code guestdata proxy} on 169.254.169.254:80 in the namespace, mapping the guest's address. */
    void startProxy(String guestAddress, String uuid, String project) {
        Daemon proxy = Guestdata.start("guestdata proxy", dir.resolve("proxy.log"), inNamespace(), "proxy",
                "--listen", "169.254.169.254:80", "--upstream", HOST_SIDE + ":" + metadataPort,
                "--map", guestAddress + "=" + uuid + ":" + project, "--secret-file", secret.toString());
        daemons.add(proxy);
        List<String> probe = new ArrayList<>(inNamespace());
        probe.addAll(List.of("bash", "-c", "exec 3<>/dev/tcp/169.254.169.254/80"));
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
        for (String line : Command.run(Duration.ofSeconds(30), List.of("ip", "netns", "list")).out().lines().toList()) {
            String name = line.split(" ")[0];
            if (!name.startsWith("gde2e-")) {
                continue;
            }
            long pid = Long.parseLong(name.substring("gde2e-".length()));
            if (ProcessHandle.of(pid).isPresent()) {
                continue; // another run, still going
            }
            for (String p : Command.run(Duration.ofSeconds(30), List.of("ip", "netns", "pids", name)).out().lines().toList()) {
                ProcessHandle.of(Long.parseLong(p.strip())).ifPresent(ProcessHandle::destroyForcibly);
            }
            Command.run(Duration.ofSeconds(30), List.of("ip", "link", "del", "gdv" + pid + "h"));
            Command.run(Duration.ofSeconds(30), List.of("ip", "netns", "del", name));
        }
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
