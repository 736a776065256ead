package io.guestdata.server.metadata;

import io.helidon.webserver.ListenerConfig;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http1.Http1Config;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Where guests reach the metadata service or the proxy: one or more addresses, each its own Helidon listener set
 * up alike (routing, {@link ConnectionGuard}, limits), as Neutron's haproxy binds {@code 169.254.169.254:80} and
 * {@code [fe80::a9fe:a9fe%<interface>]:80} for the same network (cloud-init probes both). The first address is
 * Helidon's default socket, the others are the sockets {@code guest-1}, {@code guest-2}, …. One
 * {@link ConnectionGuard} serves them all, so its per-source limit counts a source's connections on every one.
 *
 * @param addresses at least one; a link-local IPv6 address carries its interface ({@link HostPort})
 */
public record GuestListeners(List<InetSocketAddress> addresses) {
    public GuestListeners {
        addresses = List.copyOf(addresses);
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("at least one listen address is needed");
        }
    }

    public static GuestListeners of(InetSocketAddress... addresses) {
        return new GuestListeners(List.of(addresses));
    }

    /**
     * The HTTP/1.1 settings every guest listener starts from. Helidon's {@code Host} check is off: a guest reaching
     * the link-local address sends the zone of its own interface there, as Python's {@code http.client} (cloud-init,
     * through urllib3) writes {@code Host: [fe80::a9fe:a9fe%eth0]}, which is no RFC 3986 host (RFC 6874 would write
     * {@code %25eth0}, also refused) and would be a 400 before any routing. Nothing here reads {@code Host}'s
     * value; that there is one is still required of HTTP/1.1 requests, by {@link HostRequired} in the routing.
     */
    public static Http1Config.Builder http1() {
        return Http1Config.builder().validateRequestHostHeader(false);
    }

    /** Adds a listener per address to {@code server}, each set up by {@code setup} (after its address and port). */
    public void configure(WebServerConfig.Builder server, Consumer<ListenerConfig.BuilderBase<?, ?>> setup) {
        for (int i = 0; i < addresses.size(); i++) {
            InetSocketAddress address = addresses.get(i);
            if (i == 0) {
                server.address(address.getAddress()).port(address.getPort());
                setup.accept(server);
            } else {
                server.putSocket(socket(i), socket -> {
                    socket.address(address.getAddress()).port(address.getPort());
                    setup.accept(socket);
                });
            }
        }
    }

    /** The port of each listener, in the order of {@link #addresses()} (the chosen one for port 0); -1 unbound. */
    public List<Integer> ports(WebServer server) {
        List<Integer> out = new ArrayList<>(addresses.size());
        for (int i = 0; i < addresses.size(); i++) {
            out.add(i == 0 ? server.port() : server.port(socket(i)));
        }
        return List.copyOf(out);
    }

    /**
     * Why {@code server} is not listening on all its sockets, or empty when it is. Helidon logs a listener that
     * cannot bind and stops the server, so every listener reports port -1, rather than failing: each address
     * (these guest listeners, then {@code others} by socket name) is bound once more, briefly, to name the one that
     * cannot be, with the system's reason.
     */
    public Optional<String> startFailure(WebServer server, Map<String, InetSocketAddress> others) {
        Map<String, InetSocketAddress> sockets = new LinkedHashMap<>();
        for (int i = 0; i < addresses.size(); i++) {
            sockets.put(i == 0 ? WebServer.DEFAULT_SOCKET_NAME : socket(i), addresses.get(i));
        }
        sockets.putAll(others);
        List<String> down = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        sockets.forEach((name, address) -> {
            if (server.port(name) >= 0) {
                return;
            }
            down.add(HostPort.format(address));
            try (ServerSocket probe = new ServerSocket()) {
                probe.bind(address);
            } catch (IOException e) {
                refused.add(HostPort.format(address) + " (" + e.getMessage() + ")");
            }
        });
        if (down.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("cannot listen on " + (refused.isEmpty()
                ? String.join(", ", down) + " (address in use, or not an address of this host)"
                : String.join(", ", refused)));
    }

    /** {@code 169.254.169.254:80, [fe80::a9fe:a9fe%tap0]:80}. */
    @Override
    public String toString() {
        return addresses.stream().map(HostPort::format).collect(Collectors.joining(", "));
    }

    private static String socket(int i) {
        return "guest-" + i;
    }
}
