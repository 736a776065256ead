package io.guestdata.server.proxy;

import io.guestdata.server.metadata.IpAddressText;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Which instance owns which guest address: {@code ADDRESS=UUID[:PROJECT]} entries, one per line in a mapping
 * file ({@code #} starts a comment, blank lines are ignored), or given one by one on the command line.
 *
 * <p>An address is an IP literal (v4 or v6, no host names: nothing is resolved; a zone such as {@code %tap0} is
 * dropped, as it is from a guest's source address, so a link-local address maps one guest whatever link it comes
 * on; {@code ::ffff:a.b.c.d} is the IPv4 address); the UUID is written in its
 * canonical lowercase form (what the service's directory is keyed by); the project is sent as
 * {@code X-Tenant-ID}. Without a project the proxy sends an empty {@code X-Tenant-ID}, which the service, as
 * Nova, answers with 404 (an instance without project never matches); this is accepted so that a mapping can be
 * written before the project is known, and warned about.
 */
public final class GuestMapping {
    /** One guest: its instance, its project ("" for none), and the precomputed signature of the UUID. */
    public record Guest(String instanceId, String projectId, String signature) {
    }

    private final Map<InetAddress, Guest> guests;

    private GuestMapping(Map<InetAddress, Guest> guests) {
        this.guests = Map.copyOf(guests);
    }

    public static GuestMapping empty() {
        return new GuestMapping(Map.of());
    }

    /** The guest at {@code address} (any scope id dropped, an IPv4-mapped IPv6 address taken as IPv4), or null. */
    public Guest find(InetAddress address) {
        return guests.get(normalise(address));
    }

    public int size() {
        return guests.size();
    }

    /**
     * Parses entries; a later entry for the same address is refused (never silently moved), as in the
     * service's directory.
     *
     * @param source names the origin in messages (a file name, or "--map")
     * @throws IllegalArgumentException naming the source and line of the first bad entry
     */
    public static GuestMapping parse(List<String> lines, String source, Signer signer) {
        Map<InetAddress, Guest> out = new HashMap<>();
        merge(out, lines, source, signer, false);
        return new GuestMapping(out);
    }

    /** This mapping with {@code overrides} taking precedence (command-line entries over the file's). */
    public GuestMapping withOverrides(GuestMapping overrides) {
        Map<InetAddress, Guest> out = new HashMap<>(guests);
        out.putAll(overrides.guests);
        return new GuestMapping(out);
    }

    /** Reads a mapping file (UTF-8). */
    public static GuestMapping read(Path file, Signer signer) throws IOException {
        return parse(Files.readAllLines(file, StandardCharsets.UTF_8), file.toString(), signer);
    }

    /** Entries without a project, for the start-up warning. */
    public long withoutProject() {
        return guests.values().stream().filter(g -> g.projectId().isEmpty()).count();
    }

    private static void merge(Map<InetAddress, Guest> out, List<String> lines, String source, Signer signer,
                              boolean override) {
        int number = 0;
        for (String raw : lines) {
            number++;
            String line = raw.strip();
            int hash = line.indexOf('#');
            if (hash >= 0) {
                line = line.substring(0, hash).strip();
            }
            if (line.isEmpty()) {
                continue;
            }
            String where = source + ":" + number + ": ";
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(where + "expected ADDRESS=UUID[:PROJECT], got '" + line + "'");
            }
            InetAddress address = address(line.substring(0, eq).strip(), where);
            String rest = line.substring(eq + 1).strip();
            int colon = rest.indexOf(':');
            String uuid = colon < 0 ? rest : rest.substring(0, colon).strip();
            String project = colon < 0 ? "" : rest.substring(colon + 1).strip();
            try {
                if (!UUID.fromString(uuid).toString().equals(uuid)) {
                    throw new IllegalArgumentException();
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + "'" + uuid + "' is not a UUID in canonical lowercase form");
            }
            if (colon >= 0 && project.isEmpty()) {
                throw new IllegalArgumentException(where + "empty project after ':'");
            }
            Guest guest = new Guest(uuid, project, signer.sign(uuid));
            Guest previous = out.putIfAbsent(address, guest);
            if (previous != null && !override) {
                throw new IllegalArgumentException(where + "address " + address.getHostAddress()
                        + " is already mapped to " + previous.instanceId());
            }
        }
    }

    private static InetAddress address(String text, String where) {
        String literal = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        // A literal (nothing is resolved); a zone (%tap0) is dropped, ::ffff:a.b.c.d is a.b.c.d.
        return IpAddressText.parse(literal).orElseThrow(
                () -> new IllegalArgumentException(where + "'" + text + "' is not an IP address"));
    }

    /** The address as the mapping is keyed: without a scope; an IPv4-mapped IPv6 address is the IPv4 one. */
    static InetAddress normalise(InetAddress address) {
        return IpAddressText.withoutScope(address);
    }
}
