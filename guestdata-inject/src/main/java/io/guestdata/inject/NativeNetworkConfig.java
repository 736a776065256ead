package io.guestdata.inject;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import io.guestdata.inject.fs.GuestPath;

/**
 * The guest's own network configuration formats, written next to Nova's
 * {@code /etc/network/interfaces} (which only ifupdown reads). Each describes exactly the
 * interfaces of that file ({@link StaticInterface}), matched by MAC address (by the template's
 * {@code ethN} name only when the link has no MAC), with the same addresses, gateways and DNS
 * servers, plus what the template computes but does not render: the other routes and the MTU.
 *
 * <p>Every file starts with a comment naming guestdata; the names are guestdata's own, so a
 * second injection replaces them and never touches the distribution's files.
 */
enum NativeNetworkConfig {
    /** netplan (Ubuntu 18.04+): one YAML file for every interface. */
    NETPLAN("netplan", GuestPath.of("/etc/netplan"), 0600),
    /** NetworkManager keyfiles (Fedora, RHEL 9+, desktops): one connection per interface. */
    NETWORK_MANAGER("NetworkManager", GuestPath.of("/etc/NetworkManager/system-connections"), 0600),
    /** systemd-networkd: one {@code .network} unit per interface. */
    NETWORKD("systemd-networkd", GuestPath.of("/etc/systemd/network"), 0644);

    static final String COMMENT = "# Injected by guestdata on instance boot: the interfaces of /etc/network/interfaces,"
            + " matched by MAC address";

    /**
     * Links that mean {@code systemctl enable systemd-networkd} was run (the unit's
     * {@code [Install]} section: WantedBy multi-user.target, Also socket and wait-online,
     * Alias dbus-org.freedesktop.network1.service).
     */
    static final List<GuestPath> NETWORKD_ENABLED = List.of(
            GuestPath.of("/etc/systemd/system/multi-user.target.wants/systemd-networkd.service"),
            GuestPath.of("/etc/systemd/system/dbus-org.freedesktop.network1.service"),
            GuestPath.of("/etc/systemd/system/sockets.target.wants/systemd-networkd.socket"),
            GuestPath.of("/etc/systemd/system/network-online.target.wants/systemd-networkd-wait-online.service"));

    private final String label;
    private final GuestPath directory;
    private final int mode;

    NativeNetworkConfig(String label, GuestPath directory, int mode) {
        this.label = label;
        this.directory = directory;
        this.mode = mode;
    }

    String label() {
        return label;
    }

    /** The directory whose presence says the guest uses this format; guestdata never creates it. */
    GuestPath directory() {
        return directory;
    }

    /** Mode of the files: netplan and NetworkManager ignore or warn about files others can read. */
    int mode() {
        return mode;
    }

    /** A file to write. */
    record File(GuestPath path, byte[] content) {
    }

    /** The files of this format for the interfaces; {@code instance} seeds NetworkManager's uuids. */
    List<File> render(List<StaticInterface> interfaces, UUID instance) {
        List<File> files = new ArrayList<>();
        switch (this) {
            case NETPLAN -> files.add(new File(directory.child("50-guestdata.yaml"), utf8(netplan(interfaces))));
            case NETWORK_MANAGER -> interfaces.forEach(i -> files.add(new File(
                    directory.child("guestdata-" + i.name() + ".nmconnection"), utf8(keyfile(i, instance)))));
            case NETWORKD -> interfaces.forEach(i -> files.add(new File(
                    directory.child("50-guestdata-" + i.name() + ".network"), utf8(networkd(i)))));
        }
        return files;
    }

    /** netplan(5) YAML, version 2; routes as {@code to:}/{@code via:} (read by every netplan release). */
    static String netplan(List<StaticInterface> interfaces) {
        StringBuilder y = new StringBuilder(COMMENT).append('\n');
        y.append("network:\n  version: 2\n  ethernets:\n");
        for (StaticInterface i : interfaces) {
            y.append("    ").append(i.name()).append(":\n");
            y.append("      match:\n");
            if (i.mac().isPresent()) {
                y.append("        macaddress: ").append(quoted(i.mac().get())).append('\n');
            } else {
                y.append("        name: ").append(quoted(i.name())).append('\n');
            }
            y.append("      dhcp4: false\n");
            y.append("      dhcp6: ").append(dhcp6(i)).append('\n');
            y.append("      addresses:\n");
            i.ipv4().ifPresent(f -> y.append("        - ").append(quoted(f.cidr())).append('\n'));
            i.ipv6().ifPresent(f -> y.append("        - ").append(quoted(f.cidr())).append('\n'));
            List<String[]> routes = new ArrayList<>();
            i.ipv4().ifPresent(f -> addRoutes(routes, f, "0.0.0.0/0"));
            i.ipv6().ifPresent(f -> addRoutes(routes, f, "::/0"));
            if (!routes.isEmpty()) {
                y.append("      routes:\n");
                for (String[] r : routes) {
                    y.append("        - to: ").append(quoted(r[0])).append('\n');
                    y.append("          via: ").append(quoted(r[1])).append('\n');
                }
            }
            Set<String> dns = dns(i);
            if (!dns.isEmpty()) {
                y.append("      nameservers:\n        addresses:\n");
                dns.forEach(d -> y.append("          - ").append(quoted(d)).append('\n'));
            }
            i.mtu().ifPresent(m -> y.append("      mtu: ").append(m).append('\n'));
        }
        return y.toString();
    }

    /** A NetworkManager keyfile (nm-settings-keyfile(5)). */
    static String keyfile(StaticInterface i, UUID instance) {
        StringBuilder k = new StringBuilder(COMMENT).append('\n');
        k.append("[connection]\n");
        k.append("id=guestdata-").append(i.name()).append('\n');
        k.append("uuid=").append(connectionUuid(instance, i)).append('\n');
        k.append("type=ethernet\n");
        if (i.mac().isEmpty()) {
            k.append("interface-name=").append(i.name()).append('\n');
        }
        k.append("autoconnect=true\n");
        k.append("\n[ethernet]\n");
        i.mac().ifPresent(m -> k.append("mac-address=").append(m).append('\n'));
        i.mtu().ifPresent(m -> k.append("mtu=").append(m).append('\n'));
        k.append("\n[ipv4]\n");
        if (i.ipv4().isPresent()) {
            keyfileFamily(k, i.ipv4().get());
        } else {
            k.append("method=disabled\n");
        }
        k.append("\n[ipv6]\n");
        if (i.ipv6().isPresent()) {
            keyfileFamily(k, i.ipv6().get());
        } else {
            k.append("method=").append(i.ipv6Automatic() ? "auto" : "ignore").append('\n');
        }
        return k.toString();
    }

    private static void keyfileFamily(StringBuilder k, StaticInterface.Family f) {
        k.append("method=manual\n");
        k.append("address1=").append(f.cidr()).append('\n');
        f.gateway().ifPresent(g -> k.append("gateway=").append(g).append('\n'));
        if (!f.dns().isEmpty()) {
            k.append("dns=");
            f.dns().forEach(d -> k.append(d).append(';'));
            k.append('\n');
        }
        int n = 1;
        for (StaticInterface.Route r : f.routes()) {
            k.append("route").append(n++).append('=').append(r.destination()).append(',').append(r.gateway()).append('\n');
        }
    }

    /** A systemd.network(5) unit. */
    static String networkd(StaticInterface i) {
        StringBuilder u = new StringBuilder(COMMENT).append('\n');
        u.append("[Match]\n");
        if (i.mac().isPresent()) {
            u.append("MACAddress=").append(i.mac().get()).append('\n');
        } else {
            u.append("Name=").append(i.name()).append('\n');
        }
        if (i.mtu().isPresent()) {
            u.append("\n[Link]\nMTUBytes=").append(i.mtu().getAsInt()).append('\n');
        }
        u.append("\n[Network]\n");
        u.append("DHCP=").append(dhcp6(i) ? "ipv6" : "no").append('\n');
        for (StaticInterface.Family f : families(i)) {
            u.append("Address=").append(f.cidr()).append('\n');
            f.gateway().ifPresent(g -> u.append("Gateway=").append(g).append('\n'));
        }
        dns(i).forEach(d -> u.append("DNS=").append(d).append('\n'));
        for (StaticInterface.Family f : families(i)) {
            for (StaticInterface.Route r : f.routes()) {
                u.append("\n[Route]\nDestination=").append(r.destination()).append("\nGateway=").append(r.gateway())
                        .append('\n');
            }
        }
        return u.toString();
    }

    /**
     * A stable connection uuid: the same instance and link always give the same uuid, so a second
     * injection replaces the connection instead of adding one (RFC 4122 version 3).
     */
    static UUID connectionUuid(UUID instance, StaticInterface i) {
        return UUID.nameUUIDFromBytes(("guestdata " + instance + " " + i.linkId()).getBytes(StandardCharsets.UTF_8));
    }

    /** DHCPv6 only for a link with no static IPv6 but a SLAAC/DHCPv6 network; IPv4 is never DHCP here. */
    private static boolean dhcp6(StaticInterface i) {
        return i.ipv6().isEmpty() && i.ipv6Automatic();
    }

    private static List<StaticInterface.Family> families(StaticInterface i) {
        List<StaticInterface.Family> f = new ArrayList<>();
        i.ipv4().ifPresent(f::add);
        i.ipv6().ifPresent(f::add);
        return f;
    }

    private static void addRoutes(List<String[]> routes, StaticInterface.Family f, String defaultDestination) {
        f.gateway().ifPresent(g -> routes.add(new String[] {defaultDestination, g}));
        f.routes().forEach(r -> routes.add(new String[] {r.destination(), r.gateway()}));
    }

    private static Set<String> dns(StaticInterface i) {
        Set<String> dns = new LinkedHashSet<>();
        families(i).forEach(f -> dns.addAll(f.dns()));
        return dns;
    }

    /** YAML double-quoted scalar; the values are address literals and names, quoted for safety. */
    private static String quoted(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
