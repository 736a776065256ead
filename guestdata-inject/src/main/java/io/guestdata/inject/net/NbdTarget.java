package io.guestdata.inject.net;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.guestdata.inject.DiskTargetSyntaxException;

/**
 * An NBD export named in QEMU's URI syntax (QEMU 7.2 {@code block/nbd.c} {@code nbd_parse_uri}, the NBD URI
 * specification of the NBD project's {@code doc/uri.md}):
 *
 * <ul>
 *   <li>{@code nbd://HOST[:PORT][/EXPORT]} or {@code nbd+tcp://...}: TCP, the port 10809 by default; an IPv6 host in
 *       brackets;</li>
 *   <li>{@code nbd+unix:///EXPORT?socket=PATH} (or {@code nbd+unix://?socket=PATH}): a Unix socket, no host, no
 *       port, the one query parameter {@code socket}.</li>
 * </ul>
 *
 * The export name is the path after its first {@code /}, percent-decoded; none (the server's default export)
 * when the path is empty. As {@code --blockdev} it is {@code BlockdevOptionsNbd} (qapi/block-core.json):
 * {@code server} ({@code SocketAddress} inet or unix) and {@code export}.
 *
 * <p>Refused beyond QEMU: what QEMU silently drops (a user, a {@code #fragment}), an empty or relative
 * {@code socket} path, port 0 or an empty port, an export name of more than 4096 bytes (NBD_MAX_STRING_SIZE)
 * or with control characters, and a scheme in capitals.
 *
 * @param server where the NBD server listens
 * @param export the export name; empty for the server's default export
 */
public record NbdTarget(Server server, Optional<String> export) implements NetworkDisk {
    /** The URI schemes of QEMU's nbd driver. */
    public static final Set<String> SCHEMES = Set.of("nbd", "nbd+tcp", "nbd+unix");
    /** The NBD port (IANA), QEMU's default. */
    public static final int DEFAULT_PORT = 10809;
    private static final int MAX_EXPORT_BYTES = 4096;
    private static final String SYNTAX = "nbd://HOST[:PORT]/EXPORT or nbd+unix:///EXPORT?socket=PATH";

    /** Where the server listens. */
    public sealed interface Server {
    }

    /** TCP: {@code host} (an IPv6 address without brackets) and {@code port}. */
    public record Inet(String host, int port) implements Server {
    }

    /** A Unix socket (an absolute path). */
    public record Unix(Path socket) implements Server {
    }

    public NbdTarget {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(export, "export");
    }

    /**
     * Parses an NBD URI as the class comment says.
     *
     * @throws DiskTargetSyntaxException naming the part that is wrong and what was expected
     */
    public static NbdTarget parse(String uri) {
        UriText.Schemed schemed = UriText.scheme("nbd", uri, SCHEMES, SYNTAX);
        String scheme = schemed.scheme();
        String rest = schemed.rest();
        if (rest.indexOf('#') >= 0) {
            throw new DiskTargetSyntaxException("nbd: a '#fragment' is not part of an NBD URI (QEMU ignores it);"
                    + " write '#' in an export name as %23");
        }
        int q = rest.indexOf('?');
        String query = q < 0 ? null : rest.substring(q + 1);
        String beforeQuery = q < 0 ? rest : rest.substring(0, q);
        int slash = beforeQuery.indexOf('/');
        String authority = slash < 0 ? beforeQuery : beforeQuery.substring(0, slash);
        String path = slash < 0 ? "" : beforeQuery.substring(slash + 1);
        if (authority.contains("@")) {
            throw new DiskTargetSyntaxException("nbd: a user ('...@' before the host) is not part of an NBD URI"
                    + " (QEMU ignores it); expected " + SYNTAX);
        }
        Optional<String> export = export(path);
        boolean unix = scheme.equals("nbd+unix");
        if (unix) {
            if (!authority.isEmpty()) {
                throw new DiskTargetSyntaxException("nbd+unix: no host or port goes before the export ('"
                        + authority + "'): the socket is the query; expected nbd+unix:///EXPORT?socket=PATH");
            }
            return new NbdTarget(new Unix(socket(query)), export);
        }
        if (query != null) {
            throw new DiskTargetSyntaxException("nbd: a TCP NBD URI takes no query ('?" + query + "'); for a Unix"
                    + " socket write nbd+unix:///EXPORT?socket=PATH");
        }
        if (authority.isEmpty()) {
            throw new DiskTargetSyntaxException("nbd: the host is missing; expected " + SYNTAX);
        }
        UriText.HostPort hp = UriText.hostPort("nbd: host", authority, SYNTAX);
        return new NbdTarget(new Inet(hp.host(), hp.port() < 0 ? DEFAULT_PORT : hp.port()), export);
    }

    private static Optional<String> export(String path) {
        String name = UriText.decode("nbd: export name", path);
        if (name.isEmpty()) {
            return Optional.empty();
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_EXPORT_BYTES) {
            throw new DiskTargetSyntaxException("nbd: the export name has " + name.getBytes(StandardCharsets.UTF_8).length
                    + " bytes; NBD allows " + MAX_EXPORT_BYTES);
        }
        if (name.chars().anyMatch(Character::isISOControl)) {
            throw new DiskTargetSyntaxException("nbd: the export name holds a control character");
        }
        return Optional.of(name);
    }

    private static Path socket(String query) {
        if (query == null || query.isEmpty()) {
            throw new DiskTargetSyntaxException("nbd+unix: the socket is missing; expected"
                    + " nbd+unix:///EXPORT?socket=PATH");
        }
        if (query.contains("&") || query.contains(";")) {
            throw new DiskTargetSyntaxException("nbd+unix: the query takes one parameter, socket=PATH; got '"
                    + query + "'");
        }
        int eq = query.indexOf('=');
        String key = eq < 0 ? query : query.substring(0, eq);
        if (!key.equals("socket")) {
            throw new DiskTargetSyntaxException("nbd+unix: the query parameter '" + key + "' is not 'socket';"
                    + " expected nbd+unix:///EXPORT?socket=PATH");
        }
        String path = eq < 0 ? "" : UriText.decode("nbd+unix: socket", query.substring(eq + 1));
        if (path.isEmpty() || !path.startsWith("/") || path.chars().anyMatch(Character::isISOControl)) {
            throw new DiskTargetSyntaxException("nbd+unix: socket '" + path + "' must be an absolute path (the disk"
                    + " may be opened from another working directory)");
        }
        return Path.of(path);
    }

    @Override
    public String uri() {
        String exportPart = export.map(UriText::encode).orElse("");
        return switch (server) {
            case Inet inet -> "nbd://" + new UriText.HostPort(inet.host(), inet.port()).text(DEFAULT_PORT)
                    + (exportPart.isEmpty() ? "" : "/" + exportPart);
            case Unix unix -> "nbd+unix:///" + exportPart + "?socket=" + UriText.encodeQueryValue(unix.socket().toString());
        };
    }

    @Override
    public String driver() {
        return "nbd";
    }

    /** {@code {"driver":"nbd","server":{...},"export":...}}; an NBD disk takes no password. */
    @Override
    public ObjectNode toBlockdevJson(Optional<String> passwordSecret) {
        if (passwordSecret.isPresent()) {
            throw new DiskTargetSyntaxException("nbd: an NBD export takes no password (QEMU's nbd driver has none;"
                    + " TLS credentials are not supported here)");
        }
        ObjectNode json = new ObjectMapper().createObjectNode().put("driver", "nbd");
        ObjectNode s = json.putObject("server");
        switch (server) {
            case Inet inet -> s.put("type", "inet").put("host", inet.host()).put("port", Integer.toString(inet.port()));
            case Unix unix -> s.put("type", "unix").put("path", unix.socket().toString());
        }
        export.ifPresent(e -> json.put("export", e));
        return json;
    }

    @Override
    public String toString() {
        return uri();
    }
}
