package io.guestdata.server.metadata;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A guest-facing bridge as Neutron's network node has one, with real guests on it: the bridge holds Neutron's
 * metadata addresses {@code fe80::a9fe:a9fe} (and {@code fd00:77::1}, {@code 198.51.100.1}), and each guest is a
 * network namespace whose {@code eth0} (a veth whose other end is a bridge port) holds only the addresses given
 * here: link-local {@code fe80::N} (no address is generated from the MAC), {@code fd00:77::N} and
 * {@code 198.51.100.(9+N)}. Guests reach the metadata address as cloud-init does: {@code curl
 * http://[fe80::a9fe:a9fe%eth0]:PORT/…} inside their namespace. Needs root and iproute2; the names carry this
 * JVM's pid, and {@link #close} removes everything, as does the next run for a run that was killed.
 */
final class LinkLocalNetwork implements AutoCloseable {
    static final String METADATA_V4 = "198.51.100.1";
    private static final String PREFIX = "gd6";

    private final long pid = ProcessHandle.current().pid();
    /** The bridge (interface names are at most 15 bytes). */
    final String bridge = PREFIX + "br" + pid;
    private final List<Character> guests = new ArrayList<>();

    /** Skips the calling test unless it runs as root with {@code ip} and {@code curl}. */
    static void assumeUsable() {
        assumeTrue("root".equals(System.getProperty("user.name")),
                "needs root: creates a bridge, veth pairs and network namespaces");
        assumeTrue(new java.io.File("/usr/bin/curl").canExecute() || new java.io.File("/bin/curl").canExecute(),
                "needs curl (the guests' HTTP client)");
    }

    /** Creates the bridge with the metadata addresses and guests {@code a}, {@code b}, … (at most 9). */
    static LinkLocalNetwork create(char... guestNames) {
        removeStale();
        LinkLocalNetwork net = new LinkLocalNetwork();
        try {
            net.sh("ip", "link", "add", net.bridge, "type", "bridge");
            net.sh("ip", "link", "set", net.bridge, "up");
            net.sh("ip", "-6", "addr", "add", "fe80::a9fe:a9fe/64", "dev", net.bridge, "nodad");
            net.sh("ip", "-6", "addr", "add", "fd00:77::1/64", "dev", net.bridge, "nodad");
            net.sh("ip", "addr", "add", METADATA_V4 + "/24", "dev", net.bridge);
            for (char g : guestNames) {
                net.addGuest(g);
            }
            return net;
        } catch (RuntimeException | Error e) {
            net.close();
            throw e;
        }
    }

    private void addGuest(char g) {
        guests.add(g);
        String ns = namespace(g);
        String hostSide = PREFIX + "h" + g + pid;
        int n = g - 'a' + 10;
        sh("ip", "netns", "add", ns);
        sh("ip", "link", "add", hostSide, "type", "veth", "peer", "name", "eth0", "netns", ns);
        sh("ip", "link", "set", hostSide, "master", bridge);
        sh("ip", "link", "set", hostSide, "addrgenmode", "none");
        sh("ip", "link", "set", hostSide, "up");
        inGuest(g, "ip", "link", "set", "lo", "up");
        inGuest(g, "ip", "link", "set", "eth0", "addrgenmode", "none");
        inGuest(g, "ip", "link", "set", "eth0", "up");
        inGuest(g, "ip", "-6", "addr", "add", linkLocal(g) + "/64", "dev", "eth0", "nodad");
        inGuest(g, "ip", "-6", "addr", "add", global(g) + "/64", "dev", "eth0", "nodad");
        inGuest(g, "ip", "addr", "add", "198.51.100." + n + "/24", "dev", "eth0");
    }

    /** The guest's link-local address, {@code fe80::a} for guest {@code a}. */
    static String linkLocal(char g) {
        return "fe80::" + g;
    }

    /** The guest's global address, {@code fd00:77::a} for guest {@code a}. */
    static String global(char g) {
        return "fd00:77::" + g;
    }

    /** The guest's IPv4 address, 198.51.100.10 for guest {@code a}. */
    static String ipv4(char g) {
        return "198.51.100." + (g - 'a' + 10);
    }

    /** {@code [fe80::a9fe:a9fe%<bridge>]:port}, the listen address on the bridge. */
    String metadataV6(int port) {
        return "[fe80::a9fe:a9fe%" + bridge + "]:" + port;
    }

    /** An answer as the guest's curl got it. */
    record Answer(int status, String body) {
    }

    /**
     * {@code curl} inside guest {@code g}: {@code url} as cloud-init writes it (a link-local host with
     * {@code %25eth0}); {@code from} the address it binds to, or null for the kernel's choice (for a link-local
     * destination, the guest's link-local address); {@code headers} extra {@code Name: value} lines.
     */
    Answer curl(char g, String from, String url, String... headers) {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", namespace(g), "curl", "-sS", "-g",
                "--max-time", "10", "-w", "\n%{http_code}"));
        if (from != null) {
            argv.addAll(List.of("--interface", from));
        }
        for (String header : headers) {
            argv.addAll(List.of("-H", header));
        }
        argv.add(url);
        String out = run(argv, true);
        int nl = out.lastIndexOf('\n');
        return new Answer(Integer.parseInt(out.substring(nl + 1).strip()), out.substring(0, nl));
    }

    /** Runs {@code argv} inside guest {@code g}; its stdout (a non-zero exit is an error with its stderr). */
    String inGuest(char g, String... argv) {
        List<String> a = new ArrayList<>(List.of("ip", "netns", "exec", namespace(g)));
        a.addAll(List.of(argv));
        return run(a, true);
    }

    @Override
    public void close() {
        for (char g : guests) {
            run(List.of("ip", "netns", "del", namespace(g)), false); // takes the veth pair with it
        }
        run(List.of("ip", "link", "del", bridge), false);
    }

    private String namespace(char g) {
        return PREFIX + "-" + g + "-" + pid;
    }

    /** Namespaces and bridges of runs whose JVM is gone (killed before it could clean up). */
    private static void removeStale() {
        for (String line : run(List.of("ip", "netns", "list"), true).lines().toList()) {
            String name = line.split(" ")[0];
            if (name.matches(PREFIX + "-[a-i]-[0-9]+") && !alive(name.substring(name.lastIndexOf('-') + 1))) {
                run(List.of("ip", "netns", "del", name), false);
            }
        }
        for (String line : run(List.of("ip", "-o", "link", "show", "type", "bridge"), true).lines().toList()) {
            String[] parts = line.split(":\\s*");
            String name = parts.length > 1 ? parts[1] : "";
            if (name.matches(PREFIX + "br[0-9]+") && !alive(name.substring((PREFIX + "br").length()))) {
                run(List.of("ip", "link", "del", name), false);
            }
        }
    }

    private static boolean alive(String pid) {
        return ProcessHandle.of(Long.parseLong(pid)).isPresent();
    }


    private void sh(String... argv) {
        run(List.of(argv), true);
    }

    /** Runs a command; with {@code check}, a non-zero exit is an error naming the command and its stderr. */
    private static String run(List<String> argv, boolean check) {
        try {
            Process p = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            var err = p.getErrorStream();
            byte[] out = p.getInputStream().readAllBytes();
            String stderr = new String(err.readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", argv) + ": no exit within 60 s");
            }
            if (check && p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", argv) + ": exit " + p.exitValue() + ": " + stderr.strip()
                        + " " + new String(out, StandardCharsets.UTF_8).strip());
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(String.join(" ", argv) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
