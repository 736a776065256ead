package io.guestdata.inject.rbd;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One RBD image as {@code inject --image} and {@code configdrive --output} name it, in QEMU's
 * {@code rbd:} syntax: {@code rbd:POOL/IMAGE} or {@code rbd:POOL/NAMESPACE/IMAGE}, then options
 * {@code :id=USER}, {@code :conf=PATH}, {@code :keyring=PATH}, {@code :mon_host=HOSTS} (and other
 * Ceph settings), with QEMU's backslash escapes. No secret is ever part of it: keys come from the
 * keyring file or the environment.
 *
 * <p>{@link #parse} reads what QEMU 7.2's {@code qemu_rbd_parse_filename} (block/rbd.c) reads, and
 * refuses more; {@link #toString} prints the canonical form back; {@link #toBlockdevJson} gives the
 * same image as QEMU's {@code --blockdev} (qapi/block-core.json {@code BlockdevOptionsRbd}). The rules
 * and every refusal are listed in docs/ceph.md, "Naming RBD images".
 *
 * @param pool      the pool
 * @param namespace the RADOS namespace, empty for the default one
 * @param image     the image name
 * @param user      the Ceph user without {@code client.} ({@code id=}), empty for librados' default
 * @param conf      the ceph.conf to read ({@code conf=}), empty for librados' default search
 * @param keyring   the keyring file ({@code keyring=}), empty for what the conf names
 * @param monHost   the monitors ({@code mon_host=}), empty for what the conf names
 * @param settings  any other Ceph settings, in the order given, applied with {@code rados_conf_set} in that
 *                  order (librados takes distinct settings in any order; kept so that, of two it refuses, the
 *                  first written is the one named, in every run); {@link #toString} sorts them
 */
public record RbdTarget(String pool, String namespace, String image, Optional<String> user, Optional<Path> conf,
        Optional<Path> keyring, Optional<String> monHost, Map<String, String> settings) {

    public RbdTarget {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(conf, "conf");
        Objects.requireNonNull(keyring, "keyring");
        Objects.requireNonNull(monHost, "monHost");
        Objects.requireNonNull(settings, "settings").forEach((k, v) -> {
            Objects.requireNonNull(k, "a setting's name");
            Objects.requireNonNull(v, k);
        });
        settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
    }

    private static final String PREFIX = "rbd:";

    /** The characters a backslash may escape; QEMU takes any, we refuse the rest as likely typos. */
    private static final String ESCAPABLE = ":@/\\=;";

    /** Options that would put a secret on the command line (Ceph's {@code key}; QEMU's secret objects). */
    private static final Set<String> SECRET_OPTIONS = Set.of("key", "password_secret", "key_secret");

    /** Options whose value is a file: absolute paths only (the reader may run in another directory). */
    private static final Set<String> PATH_OPTIONS = Set.of("conf", "keyring", "keyfile");

    /**
     * Reads an {@code rbd:} target as QEMU 7.2 does: up to the first unescaped {@code :} the image,
     * {@code POOL/IMAGE} or {@code POOL/NAMESPACE/IMAGE} (the first unescaped {@code /} ends the pool,
     * the next one the namespace); then {@code KEY=VALUE} options separated by unescaped {@code :},
     * {@code id} the user, {@code conf} the ceph.conf, any other key a Ceph setting. A backslash takes
     * the next character literally.
     *
     * <p>Refused beyond QEMU: a snapshot ({@code @}; injection writes), escapes other than
     * {@code \: \@ \/ \\ \= \;}, a trailing backslash, an empty key or value, a key given twice, a
     * key that is not {@code [a-z0-9_]+} (librados refuses {@code mon-host}: no Ceph setting is named so),
     * {@code key=} and QEMU's secret-object options (a secret on a command line), relative
     * {@code conf}/{@code keyring}/{@code keyfile} paths, {@code id=client.X}, and pool, namespace or
     * image names that Ceph's {@code rbd} tool cannot name (empty, or holding {@code /} or {@code @}).
     *
     * @throws RbdSyntaxException naming the part that is wrong and what was expected
     */
    public static RbdTarget parse(String target) {
        if (!isRbd(target)) {
            throw new RbdSyntaxException("an RBD target starts with 'rbd:' (rbd:POOL/IMAGE[:OPTION=VALUE...])");
        }
        String rest = target.substring(PREFIX.length());
        int colon = unescaped(rest, ':', 0);
        String imagePart = colon < 0 ? rest : rest.substring(0, colon);
        int slash = unescaped(imagePart, '/', 0);
        if (slash < 0) {
            throw new RbdSyntaxException("rbd: expected POOL/IMAGE or POOL/NAMESPACE/IMAGE before the first ':', "
                    + "got no '/' (the pool is required)");
        }
        int at = unescaped(rest, '@', slash + 1);
        if (at >= 0) {
            // QEMU looks for '@' in all that follows the pool, options included, and reads a snapshot from it
            throw new RbdSyntaxException(colon >= 0 && at > colon
                    ? "rbd: options: an unescaped '@' makes QEMU read a snapshot; write it as \\@"
                    : "rbd: '@' names a snapshot; snapshots are read-only; name the image itself");
        }
        String pool = name("pool", imagePart.substring(0, slash));
        String afterPool = imagePart.substring(slash + 1);
        int nsSlash = unescaped(afterPool, '/', 0);
        String namespace = nsSlash < 0 ? "" : name("namespace", afterPool.substring(0, nsSlash));
        String image = name("image", nsSlash < 0 ? afterPool : afterPool.substring(nsSlash + 1));

        Map<String, String> options = new LinkedHashMap<>();
        int from = colon;
        while (from >= 0) {
            int next = unescaped(rest, ':', from + 1);
            String option = next < 0 ? rest.substring(from + 1) : rest.substring(from + 1, next);
            option(option, options);
            from = next;
        }
        Optional<String> user = Optional.ofNullable(options.remove("id"));
        Optional<Path> conf = Optional.ofNullable(options.remove("conf")).map(Path::of);
        Optional<Path> keyring = Optional.ofNullable(options.remove("keyring")).map(Path::of);
        Optional<String> monHost = Optional.ofNullable(options.remove("mon_host"));
        return new RbdTarget(pool, namespace, image, user, conf, keyring, monHost, options);
    }

    private static void option(String option, Map<String, String> options) {
        if (option.isEmpty()) {
            throw new RbdSyntaxException("rbd: an empty option (nothing after a ':'): expected KEY=VALUE");
        }
        int eq = unescaped(option, '=', 0);
        if (eq < 0) {
            throw new RbdSyntaxException("rbd: option '" + unescape("option", option)
                    + "' has no value: expected KEY=VALUE");
        }
        String rawKey = unescape("option name", option.substring(0, eq));
        if (rawKey.isEmpty()) {
            throw new RbdSyntaxException("rbd: an option has an empty name: expected KEY=VALUE");
        }
        String key = rawKey;
        if (SECRET_OPTIONS.contains(key.replace('-', '_'))) {
            throw new RbdSyntaxException("rbd: option '" + rawKey + "' would put a secret on the command line; "
                    + "name a keyring file (keyring=PATH, or the keyring the conf names) or set it in the environment");
        }
        if (!key.matches("[a-z0-9_]+")) {
            // rados_conf_set takes the name as Ceph spells it; only ceph.conf reads '-' or ' ' as '_'
            throw new RbdSyntaxException("rbd: option '" + key + "': a Ceph setting is named with lowercase "
                    + "letters, digits and '_' (librados refuses " + key + "; write "
                    + key.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]", "_") + ")");
        }
        String value = unescape("option " + key, option.substring(eq + 1));
        if (value.isEmpty()) {
            throw new RbdSyntaxException("rbd: option '" + key + "' has an empty value: expected " + key + "=VALUE");
        }
        if (options.containsKey(key)) {
            throw new RbdSyntaxException("rbd: option '" + key + "' is given twice: give it once");
        }
        if (PATH_OPTIONS.contains(key) && !value.startsWith("/")) {
            throw new RbdSyntaxException("rbd: option '" + key + "' must be an absolute path, got '" + value
                    + "' (the image may be opened from another working directory)");
        }
        if (key.equals("id") && value.startsWith("client.")) {
            throw new RbdSyntaxException("rbd: option 'id' is the user without 'client.': expected id="
                    + value.substring("client.".length()) + ", got id=" + value);
        }
        options.put(key, value);
    }

    /** A pool, namespace or image name, unescaped: one Ceph's rbd tool can name ({@code [^/@]+}). */
    private static String name(String part, String escaped) {
        String name = unescape(part, escaped);
        if (name.isEmpty()) {
            throw new RbdSyntaxException("rbd: the " + part + " name is empty: expected POOL/IMAGE or "
                    + "POOL/NAMESPACE/IMAGE");
        }
        for (char c : new char[] {'/', '@'}) {
            if (name.indexOf(c) >= 0) {
                throw new RbdSyntaxException("rbd: the " + part + " name '" + name + "' holds '" + c
                        + "', which Ceph's rbd tool cannot name (its specs are POOL/[NAMESPACE/]IMAGE[@SNAP])");
            }
        }
        return name;
    }

    /** Index of the first {@code c} at or after {@code from} that no backslash escapes, -1 if none. */
    private static int unescaped(String s, char c, int from) {
        for (int i = from; i < s.length(); i++) {
            char x = s.charAt(i);
            if (x == c) {
                return i;
            }
            if (x == '\\' && i + 1 < s.length()) {
                i++;
            }
        }
        return -1;
    }

    private static String unescape(String part, String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                if (i + 1 == s.length()) {
                    throw new RbdSyntaxException("rbd: " + part + ": a trailing backslash escapes nothing; "
                            + "write \\\\ for a backslash");
                }
                c = s.charAt(++i);
                if (ESCAPABLE.indexOf(c) < 0) {
                    throw new RbdSyntaxException("rbd: " + part + ": unknown escape '\\" + c
                            + "': expected one of \\: \\@ \\/ \\\\ \\= \\;");
                }
            }
            b.append(c);
        }
        return b.toString();
    }

    private static String escape(String s, String special) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            if (c == '\\' || special.indexOf(c) >= 0) {
                b.append('\\');
            }
            b.append(c);
        }
        return b.toString();
    }

    /**
     * The canonical {@code rbd:} form, escaped so that {@code parse(t.toString()).equals(t)}: the image,
     * then {@code id}, {@code conf}, {@code keyring}, {@code mon_host} and the other settings sorted by
     * name. Holds no secret (a target never does).
     */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(PREFIX).append(escape(pool, ":@/"));
        if (!namespace.isEmpty()) {
            b.append('/').append(escape(namespace, ":@/"));
        }
        b.append('/').append(escape(image, ":@/"));
        user.ifPresent(u -> appendOption(b, "id", u));
        conf.ifPresent(c -> appendOption(b, "conf", c.toString()));
        keyring.ifPresent(k -> appendOption(b, "keyring", k.toString()));
        monHost.ifPresent(m -> appendOption(b, "mon_host", m));
        new TreeMap<>(settings).forEach((k, v) -> appendOption(b, k, v));
        return b.toString();
    }

    private static void appendOption(StringBuilder b, String key, String value) {
        b.append(':').append(escape(key, ":@=")).append('=').append(escape(value, ":@"));
    }

    /**
     * This image as QEMU's {@code --blockdev} JSON (qapi/block-core.json {@code BlockdevOptionsRbd},
     * QEMU 7.2): {@code driver} rbd, {@code pool}, {@code namespace} (when not the default),
     * {@code image}, {@code user}, {@code conf}, {@code server} from {@code mon_host} (each
     * {@code HOST:PORT}, {@code [IPV6]:PORT}) and {@code auth-client-required} from
     * {@code auth_client_required} or {@code auth_supported}. Never {@code key-secret}: the key comes
     * from the keyring file.
     *
     * @throws RbdSyntaxException for what {@code BlockdevOptionsRbd} has no field for ({@code keyring}
     *         and other Ceph settings: name them in the conf file), or a monitor without a port
     */
    public ObjectNode toBlockdevJson() {
        List<String> inexpressible = new ArrayList<>();
        keyring.ifPresent(k -> inexpressible.add("keyring"));
        settings.keySet().stream().filter(k -> !k.equals("auth_client_required") && !k.equals("auth_supported"))
                .sorted().forEach(inexpressible::add);
        if (!inexpressible.isEmpty()) {
            throw new RbdSyntaxException("rbd: QEMU's --blockdev rbd has no field for " + String.join(", ", inexpressible)
                    + ": set " + (inexpressible.size() == 1 ? "it" : "them") + " in the conf file (conf=PATH)");
        }
        if (settings.containsKey("auth_client_required") && settings.containsKey("auth_supported")) {
            throw new RbdSyntaxException("rbd: auth_client_required and auth_supported both set: give one");
        }
        ObjectNode json = new ObjectMapper().createObjectNode();
        json.put("driver", "rbd").put("pool", pool);
        if (!namespace.isEmpty()) {
            json.put("namespace", namespace);
        }
        json.put("image", image);
        user.ifPresent(u -> json.put("user", u));
        conf.ifPresent(c -> json.put("conf", c.toString()));
        monHost.ifPresent(m -> servers(m, json.putArray("server")));
        String auth = settings.getOrDefault("auth_client_required", settings.get("auth_supported"));
        if (auth != null) {
            ArrayNode modes = json.putArray("auth-client-required");
            for (String mode : auth.trim().split("[,; ]+")) {
                if (!mode.equals("cephx") && !mode.equals("none")) {
                    throw new RbdSyntaxException("rbd: auth mode '" + mode + "': expected cephx or none");
                }
                modes.add(mode);
            }
        }
        return json;
    }

    /** {@code mon_host} as {@code server}: Ceph separates monitors by {@code ,}, {@code ;} or space. */
    private static void servers(String monHost, ArrayNode server) {
        for (String mon : monHost.trim().split("[,; ]+")) {
            int portColon = mon.lastIndexOf(':');
            String host = portColon < 0 ? mon : mon.substring(0, portColon);
            String port = portColon < 0 ? "" : mon.substring(portColon + 1);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            } else if (host.contains(":") || host.contains("[")) {
                host = "";  // an unbracketed IPv6 address or a v1:/v2: messenger address
            }
            if (host.isEmpty() || !port.matches("[0-9]{1,5}")) {
                throw new RbdSyntaxException("rbd: mon_host '" + mon + "': --blockdev's server takes HOST:PORT or "
                        + "[IPV6]:PORT (no v1:/v2: prefix, the port given)");
            }
            server.addObject().put("host", host).put("port", port);
        }
    }

    /** Whether {@code target} (an {@code --image} or {@code --output} value) names an RBD image. */
    public static boolean isRbd(String target) {
        return target.startsWith("rbd:");
    }

    /** {@code POOL/IMAGE} or {@code POOL/NAMESPACE/IMAGE}: how messages name the image. */
    public String spec() {
        return namespace.isEmpty() ? pool + "/" + image : pool + "/" + namespace + "/" + image;
    }

    /** The same target naming another image of the same pool and namespace (temporary and undo images). */
    public RbdTarget withImage(String other) {
        return new RbdTarget(pool, namespace, other, user, conf, keyring, monHost, settings);
    }

    /** Whether the target gives any connection option or Ceph setting ({@code id}, {@code conf}, ...). */
    public boolean hasOptions() {
        return user.isPresent() || conf.isPresent() || keyring.isPresent() || monHost.isPresent()
                || !settings.isEmpty();
    }

    /**
     * The same image, reached as another client: {@code user} ({@code id=}), {@code conf}, {@code keyring}, and no
     * other option (the management API connects with its own settings, never with a request's).
     */
    public RbdTarget withClient(Optional<String> user, Path conf, Optional<Path> keyring) {
        return new RbdTarget(pool, namespace, image, user, Optional.of(conf), keyring, Optional.empty(), Map.of());
    }
}
