package io.guestdata.cli;

import static io.guestdata.cli.ServeSetting.API_LISTEN;
import static io.guestdata.cli.ServeSetting.API_TOKEN;
import static io.guestdata.cli.ServeSetting.API_TOKEN_FILE;
import static io.guestdata.cli.ServeSetting.DATA_DIR;
import static io.guestdata.cli.ServeSetting.DHCP_DOMAIN;
import static io.guestdata.cli.ServeSetting.NOVA_RELEASE;
import static io.guestdata.cli.ServeSetting.FIRST_REQUEST_TIMEOUT;
import static io.guestdata.cli.ServeSetting.IDLE_TIMEOUT;
import static io.guestdata.cli.ServeSetting.IMDS_TOKENS;
import static io.guestdata.cli.ServeSetting.IMDS_TOKEN_KEY_FILE;
import static io.guestdata.cli.ServeSetting.CEPH_CONF;
import static io.guestdata.cli.ServeSetting.CEPH_KEYRING;
import static io.guestdata.cli.ServeSetting.CEPH_TIMEOUT;
import static io.guestdata.cli.ServeSetting.CEPH_USER;
import static io.guestdata.cli.ServeSetting.INJECT_ALLOWED_DIRS;
import static io.guestdata.cli.ServeSetting.INJECT_ALLOWED_POOLS;
import static io.guestdata.cli.ServeSetting.INJECT_BASE_IMAGE_DIRS;
import static io.guestdata.cli.ServeSetting.INJECT_SANDBOX;
import static io.guestdata.cli.ServeSetting.INJECT_SANDBOX_POOL;
import static io.guestdata.cli.ServeSetting.INJECT_UNDO_DIR;
import static io.guestdata.cli.ServeSetting.LISTEN;
import static io.guestdata.cli.ServeSetting.METRICS_LISTEN;
import static io.guestdata.cli.ServeSetting.MAX_CONNECTIONS;
import static io.guestdata.cli.ServeSetting.MAX_CONNECTIONS_PER_SOURCE;
import static io.guestdata.cli.ServeSetting.METADATA_CACHE_BYTES;
import static io.guestdata.cli.ServeSetting.METADATA_CACHE_ENTRIES;
import static io.guestdata.cli.ServeSetting.METADATA_INDEX_DOCUMENTS;
import static io.guestdata.cli.ServeSetting.MODE;
import static io.guestdata.cli.ServeSetting.REQUEST_BURST;
import static io.guestdata.cli.ServeSetting.REQUEST_RATE;
import static io.guestdata.cli.ServeSetting.SERVE_INJECTED_FILES;
import static io.guestdata.cli.ServeSetting.SHARED_SECRET;
import static io.guestdata.cli.ServeSetting.SHARED_SECRET_FILE;
import static io.guestdata.cli.ServeSetting.STORE;
import static io.guestdata.cli.ServeSetting.TRUSTED_PROXIES;
import static io.guestdata.cli.ServeSetting.VENDOR_DATA_CA_FILE;
import static io.guestdata.cli.ServeSetting.VENDOR_DATA_CONNECT_TIMEOUT;
import static io.guestdata.cli.ServeSetting.VENDOR_DATA_FAILURE_FATAL;
import static io.guestdata.cli.ServeSetting.VENDOR_DATA_FILE;
import static io.guestdata.cli.ServeSetting.VENDOR_DATA_READ_TIMEOUT;
import static io.guestdata.cli.ServeSetting.VENDOR_DATA_TARGETS;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.core.metadata.NovaRelease;
import io.guestdata.inject.block.BackingFilePolicy;
import io.guestdata.inject.rbd.RbdImage;
import io.guestdata.inject.rbd.RbdPoolSpec;
import io.guestdata.inject.rbd.RbdSyntaxException;
import io.guestdata.server.api.RbdInjectSettings;
import io.guestdata.inject.sandbox.SandboxSettings;
import io.guestdata.server.metadata.HostPort;
import io.guestdata.server.metadata.ConnectionLimits;
import io.guestdata.server.metadata.GuestListeners;
import io.guestdata.server.metadata.OpenFileLimit;
import io.guestdata.server.metadata.IdentificationMode;
import io.guestdata.server.metadata.MetadataServerConfig;
import io.guestdata.server.metadata.RefusedSetting;
import io.guestdata.server.metadata.RequestRate;
import io.guestdata.server.metadata.TokenPolicy;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The settings of {@code guestdata serve}, from (highest precedence first) command-line flags, environment
 * variables ({@code GUESTDATA_<KEY>}, the key upper-cased with {@code -} as {@code _}), the YAML file named by
 * {@code --config} (or {@code GUESTDATA_CONFIG}), and the defaults. Every key is documented in docs/serve.md.
 * Every error names the key and where its value came from.
 */
final class ServeSettings {

    /** The settings, in the order {@code --check-config} lists them. */
    static final List<ServeSetting> KEYS = List.of(ServeSetting.values());

    static final int MIN_API_TOKEN_LENGTH = 16;

    /** A configuration error: names the key and the value's source. */
    static final class ConfigError extends Exception {
        ConfigError(String message) {
            super(message);
        }
    }

    /**
     * A value and where it came from ({@code --listen}, {@code GUESTDATA_LISTEN}, {@code serve.yaml}, {@code default}).
     */
    record Sourced(Object value, String source) {
        @SuppressWarnings("unchecked")
        List<String> list() {
            return (List<String>) value;
        }

        String text() {
            return (String) value;
        }
    }

    private final Map<ServeSetting, Sourced> values;
    /** The environment's {@code PATH}, where the inject sandbox finds bwrap, prlimit and setpriv. */
    private final Map<String, String> path;
    private final List<String> notes;

    private ServeSettings(Map<ServeSetting, Sourced> values, Map<String, String> path, List<String> notes) {
        this.values = values;
        this.path = path;
        this.notes = List.copyOf(notes);
    }

    /** What serve says on stderr before it starts: a setting given by its former name. */
    List<String> notes() {
        return notes;
    }

    /**
     * @param flags       key → value (a String, or a List for list keys) of the flags given
     * @param environment the process environment (only {@code GUESTDATA_*} is read; unknown names are ignored,
     *                    as the launcher's {@code GUESTDATA_JAVA_OPTS} lives there too)
     * @param configFile  the {@code --config} file, if given
     */
    static ServeSettings resolve(Map<String, Object> flags, Map<String, String> environment, Optional<Path> configFile)
            throws ConfigError {
        for (String key : flags.keySet()) {
            if (ServeSetting.byKey(key).flatMap(ServeSetting::flag).isEmpty()) {
                throw new IllegalArgumentException("no flag for the key " + key);
            }
        }
        Optional<Path> file = configFile.or(() -> Optional.ofNullable(environment.get("GUESTDATA_CONFIG"))
                .filter(s -> !s.isEmpty()).map(Path::of));
        List<String> notes = new ArrayList<>();
        Map<ServeSetting, Sourced> fromFile = file.isPresent() ? readFile(file.get(), notes) : Map.of();
        Map<ServeSetting, Sourced> out = new EnumMap<>(ServeSetting.class);
        for (ServeSetting key : KEYS) {
            Sourced value;
            if (flags.containsKey(key.key())) {
                value = new Sourced(flags.get(key.key()), key.flag().orElseThrow());
            } else if (environment.containsKey(key.environmentVariable())) {
                String text = environment.get(key.environmentVariable());
                value = new Sourced(key.kind() == ServeSetting.Kind.LIST ? splitList(text) : text,
                        key.environmentVariable());
            } else if (key.formerEnvironmentVariable().filter(environment::containsKey).isPresent()) {
                String variable = key.formerEnvironmentVariable().get();
                String text = environment.get(variable);
                notes.add(key.renamedNote(variable + " (" + key.environmentVariable() + ")"));
                value = new Sourced(key.kind() == ServeSetting.Kind.LIST ? splitList(text) : text, variable);
            } else if (fromFile.containsKey(key)) {
                value = fromFile.get(key);
            } else {
                value = new Sourced(key.kind() == ServeSetting.Kind.LIST ? splitList(key.defaultValue())
                        : key.defaultValue(), "default");
            }
            out.put(key, value);
        }
        String dataDir = out.get(DATA_DIR).text();
        derive(out, STORE, "sqlite:" + dataDir);
        derive(out, INJECT_UNDO_DIR, Path.of(dataDir, "undo").toString());
        String pathVariable = environment.get("PATH");
        return new ServeSettings(out, pathVariable == null ? Map.of() : Map.of("PATH", pathVariable), notes);
    }

    /** {@code key}'s default made of other settings, when no source set it: {@code default (sqlite:<data-dir>)}. */
    private static void derive(Map<ServeSetting, Sourced> values, ServeSetting key, String value) {
        if (values.get(key).value() == null) {
            values.put(key, new Sourced(value, "default (" + key.derivedDefault().orElseThrow() + ")"));
        }
    }

    private static List<String> splitList(String text) {
        List<String> out = new ArrayList<>();
        for (String part : text.split(",")) {
            if (!part.isBlank()) {
                out.add(part.strip());
            }
        }
        return List.copyOf(out);
    }

    private static Map<ServeSetting, Sourced> readFile(Path path, List<String> notes) throws ConfigError {
        String name = path.toString();
        JsonNode root;
        try {
            // YAML 1.1 reads unquoted on/off/yes/no/y/n as booleans: "imds-tokens: off" became "false" and was refused.
            // Only true and false are booleans here (as in YAML 1.2); the other words stay the words written.
            ObjectMapper yaml = new YAMLMapper(YAMLFactory.builder()
                    .enable(YAMLParser.Feature.PARSE_BOOLEAN_LIKE_WORDS_AS_STRINGS).build())
                    .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            root = yaml.readTree(Files.readAllBytes(path));
        } catch (JsonProcessingException e) {
            throw new ConfigError("config file " + name + " is not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")" : ""));
        } catch (IOException e) {
            throw new ConfigError("cannot read config file " + name + ": " + e);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return Map.of(); // an empty file: all defaults
        }
        if (!(root instanceof ObjectNode object)) {
            throw new ConfigError("config file " + name + " must be a mapping of keys to values, not a "
                    + root.getNodeType().name().toLowerCase(Locale.ROOT));
        }
        Map<ServeSetting, Sourced> out = new EnumMap<>(ServeSetting.class);
        for (Map.Entry<String, JsonNode> field : object.properties()) {
            ServeSetting key = ServeSetting.byKeyOrFormer(field.getKey()).orElse(null);
            if (key == null) {
                throw new ConfigError("config file " + name + ": unknown key '" + field.getKey() + "' (known keys: "
                        + String.join(", ", KEYS.stream().map(ServeSetting::key).toList()) + ")");
            }
            if (!key.key().equals(field.getKey())) {
                if (object.has(key.key())) {
                    throw new ConfigError("config file " + name + ": '" + field.getKey() + "' is the former name of '"
                            + key.key() + "'; give only one of them");
                }
                notes.add(key.renamedNote("config file " + name + " key '" + field.getKey() + "'"));
            }
            JsonNode node = field.getValue();
            String where = name + " key '" + key.key() + "'";
            if (key.kind() == ServeSetting.Kind.LIST) {
                List<String> items = new ArrayList<>();
                if (node.isArray()) {
                    for (JsonNode item : node) {
                        if (!item.isValueNode() || item.isNull()) {
                            throw new ConfigError(where + ": list items must be text");
                        }
                        items.add(item.asText());
                    }
                } else if (node.isValueNode() && !node.isNull()) {
                    items.addAll(splitList(node.asText()));
                } else if (!node.isNull()) {
                    throw new ConfigError(where + ": expected a list");
                }
                out.put(key, new Sourced(List.copyOf(items), name));
            } else {
                if (node.isNull()) {
                    continue; // "key:" with no value: the default
                }
                if (!node.isValueNode()) {
                    throw new ConfigError(where + ": expected a single value, not a " + node.getNodeType().name()
                            .toLowerCase(Locale.ROOT));
                }
                out.put(key, new Sourced(node.asText(), name));
            }
        }
        return out;
    }

    Sourced get(ServeSetting key) {
        return values.get(key);
    }

    private Optional<String> optional(ServeSetting key) {
        Sourced s = get(key);
        return s.value() == null || s.text().isEmpty() ? Optional.empty() : Optional.of(s.text());
    }

    private ConfigError error(ServeSetting key, String problem) {
        return new ConfigError(key.key() + " (from " + get(key).source() + "): " + problem);
    }

    /** The effective settings, one {@code key = value (source)} line each; secrets as {@code <set>}. */
    List<String> describe() {
        List<String> lines = new ArrayList<>();
        for (ServeSetting key : KEYS) {
            Sourced s = get(key);
            String shown = s.value() == null ? "(none)"
                    : key.secret() ? (s.text().isEmpty() ? "(none)" : "<set>")
                    : key.kind() == ServeSetting.Kind.LIST ? String.join(",", s.list())
                    : key == STORE ? ServeCommand.redactUrl(s.text()) : s.text();
            lines.add(key.key() + " = " + shown + " (" + s.source() + ")");
        }
        return lines;
    }

    // ---- typed, validated views ----

    String storeUrl() throws ConfigError {
        String url = get(STORE).text();
        if (url.isBlank()) {
            throw error(STORE, "is empty");
        }
        return url;
    }

    /** The metadata listeners: one or more {@code HOST:PORT} (e.g. the IPv4 and the link-local IPv6 address). */
    GuestListeners listen() throws ConfigError {
        List<InetSocketAddress> out = new ArrayList<>();
        for (String text : get(LISTEN).list()) {
            try {
                out.add(HostPort.parse(text));
            } catch (IllegalArgumentException e) {
                throw error(LISTEN, e.getMessage());
            }
        }
        if (out.isEmpty()) {
            throw error(LISTEN, "no address: the metadata service needs at least one listener");
        }
        return new GuestListeners(out);
    }

    Optional<InetSocketAddress> apiListen() throws ConfigError {
        return listener(API_LISTEN);
    }

    Optional<InetSocketAddress> managementListen() throws ConfigError {
        return listener(METRICS_LISTEN);
    }

    /** {@code HOST:PORT} with an IP literal host ({@code [v6]:port} for IPv6), or {@code none}. */
    private Optional<InetSocketAddress> listener(ServeSetting key) throws ConfigError {
        String text = get(key).text().strip();
        if (text.equals("none")) {
            return Optional.empty();
        }
        try {
            return Optional.of(HostPort.parse(text, "none"));
        } catch (IllegalArgumentException e) {
            throw error(key, e.getMessage());
        }
    }

    IdentificationMode mode() throws ConfigError {
        try {
            return IdentificationMode.parse(get(MODE).text().strip().toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw error(MODE, "must be address, proxy or provider, got '" + get(MODE).text() + "'");
        }
    }

    TokenPolicy imdsTokens() throws ConfigError {
        String text = get(IMDS_TOKENS).text().strip().toLowerCase(Locale.ROOT);
        return switch (text) {
            case "off" -> TokenPolicy.OFF;
            case "optional" -> TokenPolicy.OPTIONAL;
            case "required" -> TokenPolicy.REQUIRED;
            default -> throw error(IMDS_TOKENS, "must be off, optional or required, got '" + text + "'");
        };
    }

    /** The shared secret, from {@code shared-secret} or the file {@code shared-secret-file}; "" for none. */
    String sharedSecret() throws ConfigError {
        return secret(SHARED_SECRET, SHARED_SECRET_FILE).orElse("");
    }

    Optional<String> apiToken() throws ConfigError {
        return secret(API_TOKEN, API_TOKEN_FILE);
    }

    private Optional<String> secret(ServeSetting key, ServeSetting fileKey) throws ConfigError {
        Optional<String> direct = optional(key);
        Optional<String> file = optional(fileKey);
        if (direct.isPresent() && file.isPresent()) {
            throw new ConfigError(key.key() + " (from " + get(key).source() + ") and " + fileKey.key() + " (from "
                    + get(fileKey).source() + ") are both set; set one");
        }
        if (file.isPresent()) {
            String text;
            try {
                text = Files.readString(Path.of(file.get()), StandardCharsets.UTF_8);
            } catch (IOException | RuntimeException e) {
                throw error(fileKey, "cannot read " + file.get() + ": " + e.getMessage());
            }
            text = text.endsWith("\r\n") ? text.substring(0, text.length() - 2)
                    : text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
            if (text.isEmpty()) {
                throw error(fileKey, file.get() + " is empty");
            }
            return Optional.of(text);
        }
        return direct;
    }

    Optional<byte[]> imdsTokenKey() throws ConfigError {
        Optional<String> file = optional(IMDS_TOKEN_KEY_FILE);
        if (file.isEmpty()) {
            return Optional.empty();
        }
        byte[] key;
        try {
            key = Files.readAllBytes(Path.of(file.get()));
        } catch (IOException | RuntimeException e) {
            throw error(IMDS_TOKEN_KEY_FILE, "cannot read " + file.get() + ": " + e.getMessage());
        }
        if (key.length < 32) {
            throw error(IMDS_TOKEN_KEY_FILE, file.get() + " holds " + key.length + " bytes; at least 32 are needed "
                    + "(head -c 32 /dev/urandom > " + file.get() + ")");
        }
        return Optional.of(key);
    }

    MetadataOptions metadataOptions() throws ConfigError {
        MetadataOptions options = MetadataOptions.defaults().withDhcpDomain(get(DHCP_DOMAIN).text().strip())
                .withServiceServesFiles(bool(SERVE_INJECTED_FILES)).withNovaRelease(novaRelease());
        Optional<String> file = optional(VENDOR_DATA_FILE);
        if (file.isPresent()) {
            JsonNode node;
            try {
                node = new ObjectMapper().readTree(Files.readAllBytes(Path.of(file.get())));
            } catch (IOException | RuntimeException e) {
                throw error(VENDOR_DATA_FILE, "cannot read " + file.get() + " as JSON: " + e.getMessage());
            }
            if (!(node instanceof ObjectNode object)) {
                throw error(VENDOR_DATA_FILE, file.get() + " must hold a JSON object (Nova's "
                        + "vendordata_jsonfile_path)");
            }
            options = options.withStaticVendorData(object);
        }
        return options;
    }

    private NovaRelease novaRelease() throws ConfigError {
        try {
            return NovaRelease.parse(get(NOVA_RELEASE).text());
        } catch (IllegalArgumentException e) {
            throw error(NOVA_RELEASE, e.getMessage());
        }
    }

    private Duration seconds(ServeSetting key) throws ConfigError {
        String text = get(key).text().strip();
        try {
            double seconds = Double.parseDouble(text);
            if (!(seconds > 0) || seconds > 3600) {
                throw new NumberFormatException();
            }
            return Duration.ofNanos((long) (seconds * 1e9));
        } catch (NumberFormatException e) {
            throw error(key, "must be a number of seconds, more than 0 and at most 3600, got '" + text + "'");
        }
    }

    private int positive(ServeSetting key) throws ConfigError {
        String text = get(key).text().strip();
        try {
            int value = Integer.parseInt(text);
            if (value < 1) {
                throw new NumberFormatException();
            }
            return value;
        } catch (NumberFormatException e) {
            throw error(key, "must be a whole number from 1 to " + Integer.MAX_VALUE + ", got '" + text + "'");
        }
    }

    /**
     * {@code metadata-cache-bytes}: a size, at most half of this JVM's heap (the answers kept share it with the
     * index, the trees and every request in flight; docs/serve.md, "Sizing"). The default is a quarter of a heap
     * too small for it, not an error.
     */
    private long cacheBytes() throws ConfigError {
        String text = get(METADATA_CACHE_BYTES).text().strip();
        long heap = Runtime.getRuntime().maxMemory();
        long max = heap / 2;
        OptionalLong bytes = VolumeSize.bytes(text, Long.MAX_VALUE);
        if (bytes.isEmpty()) {
            throw error(METADATA_CACHE_BYTES, "is not a size: " + VolumeSize.FORMAT + ", got '" + text + "'");
        }
        if (bytes.getAsLong() > max && "default".equals(get(METADATA_CACHE_BYTES).source())) {
            return heap / 4;
        }
        if (bytes.getAsLong() > max) {
            throw error(METADATA_CACHE_BYTES, text + " is more than half the heap (" + (heap >> 20) + " MiB, -Xmx): give "
                    + "at most " + (max >> 20) + "M, or a larger -Xmx (JAVA_OPTS)");
        }
        return bytes.getAsLong();
    }

    private boolean bool(ServeSetting key) throws ConfigError {
        String text = get(key).text().strip().toLowerCase(Locale.ROOT);
        return switch (text) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw error(key, "must be true or false, got '" + text + "'");
        };
    }

    /** The guest listener's connection limits (docs/serve.md, "Connections"). */
    ConnectionLimits connectionLimits() throws ConfigError {
        return connectionLimits(OpenFileLimit.ofThisProcess());
    }

    /** {@link #connectionLimits()} for a process that may open {@code openFiles} files ({@link OpenFileLimit}). */
    ConnectionLimits connectionLimits(long openFiles) throws ConfigError {
        int max = positive(MAX_CONNECTIONS);
        int listeners = listen().addresses().size();
        if ("default".equals(get(MAX_CONNECTIONS).source())) {
            max = Math.min(max, OpenFileLimit.fitting(openFiles, listeners, 1)); // the default fits the process
        } else {
            var excess = OpenFileLimit.excess(max, openFiles, listeners, 1);
            if (excess.isPresent()) {
                throw error(MAX_CONNECTIONS, excess.get());
            }
        }
        int perSource = positive(MAX_CONNECTIONS_PER_SOURCE);
        if ("default".equals(get(MAX_CONNECTIONS_PER_SOURCE).source()) && mode() != IdentificationMode.ADDRESS) {
            // Behind signing proxies every guest of a network node shares the proxy's address, and the proxy
            // (guestdata proxy) limits each guest itself: a source here is a proxy, so it gets a quarter of the
            // listener unless the operator says otherwise.
            perSource = Math.max(perSource, max / 4);
        }
        if (perSource >= max) {
            throw error(MAX_CONNECTIONS_PER_SOURCE, perSource + " is not below max-connections (" + max + ", from "
                    + get(MAX_CONNECTIONS).source() + "): one source could then take every connection");
        }
        return ConnectionLimits.defaults().withMaxConnections(max).withMaxPerSource(perSource)
                .withFirstRequestTimeout(seconds(FIRST_REQUEST_TIMEOUT)).withIdleTimeout(seconds(IDLE_TIMEOUT));
    }

    /**
     * {@code request-rate} and {@code request-burst}: requests per instance (docs/serve.md, "Request rate"). The
     * message names the key that is wrong and where its value came from.
     */
    RequestRate requestRate() throws ConfigError {
        try {
            return RequestRate.parse(get(REQUEST_RATE).text(), get(REQUEST_BURST).text());
        } catch (RefusedSetting e) {
            throw error(ServeSetting.of(e.setting()), e.getMessage());
        }
    }

    /** The metadata server's configuration. */
    MetadataServerConfig serverConfig() throws ConfigError {
        MetadataServerConfig.Builder builder = MetadataServerConfig.builder()
                .listen(listen())
                .connections(connectionLimits())
                .requestRate(requestRate())
                .mode(mode())
                .sharedSecret(sharedSecret())
                .tokens(imdsTokens())
                .metadata(metadataOptions())
                .vendorDataTimeouts(seconds(VENDOR_DATA_CONNECT_TIMEOUT), seconds(VENDOR_DATA_READ_TIMEOUT))
                .vendorDataFailureFatal(bool(VENDOR_DATA_FAILURE_FATAL))
                .metadataCacheEntries(positive(METADATA_CACHE_ENTRIES))
                .metadataCacheBytes(cacheBytes())
                .metadataIndexDocuments(bool(METADATA_INDEX_DOCUMENTS));
        Optional<InetSocketAddress> management = managementListen();
        if (management.isPresent()) {
            builder.management(management.get());
        } else {
            builder.noManagement();
        }
        for (String cidr : get(TRUSTED_PROXIES).list()) {
            try {
                builder.trustProxy(cidr);
            } catch (IllegalArgumentException e) {
                throw error(TRUSTED_PROXIES, e.getMessage());
            }
        }
        imdsTokenKey().ifPresent(builder::tokenKey);
        try {
            builder.vendorDataTargets(get(VENDOR_DATA_TARGETS).list());
        } catch (IllegalArgumentException e) {
            throw error(VENDOR_DATA_TARGETS, e.getMessage());
        }
        Optional<String> ca = optional(VENDOR_DATA_CA_FILE);
        if (ca.isPresent()) {
            if (!Files.isReadable(Path.of(ca.get()))) {
                throw error(VENDOR_DATA_CA_FILE, "cannot read " + ca.get());
            }
            builder.vendorDataCaBundle(Path.of(ca.get()));
        }
        try {
            return builder.build();
        } catch (RefusedSetting e) {
            // provider mode without a secret; trusted proxies outside address mode (the others are checked above)
            throw new ConfigError(ServeSetting.of(e.setting()).key() + ": " + e.getMessage() + " (mode from "
                    + get(MODE).source() + ")");
        }
    }

    /**
     * The API listener with the API token, or empty when {@code api-listen} is {@code none}.
     *
     * @throws ConfigError when the API listens without a token (of at least 16 characters)
     */
    Optional<ApiSettings> api() throws ConfigError {
        Optional<InetSocketAddress> address = apiListen();
        if (address.isEmpty()) {
            return Optional.empty();
        }
        Optional<String> token = apiToken();
        if (token.isEmpty()) {
            throw error(API_LISTEN, "the management API listens on " + get(API_LISTEN).text() + " but no api-token "
                    + "is set: set api-token-file (or GUESTDATA_API_TOKEN), or api-listen: none");
        }
        if (token.get().length() < MIN_API_TOKEN_LENGTH) {
            ServeSetting key = optional(API_TOKEN).isPresent() ? API_TOKEN
                    : API_TOKEN_FILE;
            throw error(key, "the API token must have at least " + MIN_API_TOKEN_LENGTH + " characters");
        }
        List<java.nio.file.Path> injectDirs = new java.util.ArrayList<>();
        for (String dir : get(INJECT_ALLOWED_DIRS).list()) {
            java.nio.file.Path p = java.nio.file.Path.of(dir);
            if (!p.isAbsolute() || !java.nio.file.Files.isDirectory(p)) {
                throw error(INJECT_ALLOWED_DIRS, "'" + dir + "' must be an absolute path of an existing directory");
            }
            injectDirs.add(p);
        }
        List<java.nio.file.Path> baseDirs = new java.util.ArrayList<>();
        for (String dir : get(INJECT_BASE_IMAGE_DIRS).list()) {
            java.nio.file.Path p = java.nio.file.Path.of(dir);
            if (!p.isAbsolute() || !java.nio.file.Files.isDirectory(p)) {
                throw error(INJECT_BASE_IMAGE_DIRS, "'" + dir + "' must be an absolute path of an existing directory");
            }
            baseDirs.add(p);
        }
        try {
            BackingFilePolicy.below(baseDirs, INJECT_BASE_IMAGE_DIRS.key())
                    .requireApartFrom(injectDirs, INJECT_ALLOWED_DIRS.key(),
                            INJECT_BASE_IMAGE_DIRS.key());
        } catch (IllegalArgumentException e) {
            throw error(INJECT_BASE_IMAGE_DIRS, e.getMessage());
        }
        Path undo = Path.of(get(INJECT_UNDO_DIR).text()).toAbsolutePath().normalize();
        return Optional.of(new ApiSettings(address.get(), token.get(), List.copyOf(injectDirs), List.copyOf(baseDirs),
                injectSandbox(), undo, injectRbd()));
    }

    /**
     * {@code inject-allowed-pools} with the service's Ceph client ({@code ceph-conf}, {@code ceph-user},
     * {@code ceph-keyring}, {@code ceph-timeout}); empty when no pool is allowed.
     */
    private Optional<RbdInjectSettings> injectRbd() throws ConfigError {
        List<RbdPoolSpec> pools = new ArrayList<>();
        for (String spec : get(INJECT_ALLOWED_POOLS).list()) {
            try {
                pools.add(RbdPoolSpec.parse(spec.strip()));
            } catch (RbdSyntaxException e) {
                throw error(INJECT_ALLOWED_POOLS, e.getMessage());
            }
        }
        Optional<Path> conf = absoluteFile(CEPH_CONF);
        Optional<Path> keyring = absoluteFile(CEPH_KEYRING);
        Optional<String> user = optional(CEPH_USER).map(String::strip);
        if (user.isPresent() && (user.get().isEmpty() || user.get().startsWith("client.")
                || !user.get().matches("[^\\s:@/\\\\]+"))) {
            throw error(CEPH_USER, "the Ceph user without 'client.' (e.g. guestdata), got '" + user.get() + "'");
        }
        String timeoutText = get(CEPH_TIMEOUT).text().strip();
        RbdImage.Settings settings;
        try {
            settings = new RbdImage.Settings(Duration.ofSeconds(Long.parseLong(timeoutText)));
        } catch (IllegalArgumentException e) {
            throw error(CEPH_TIMEOUT, "must be a whole number of seconds from 1 to "
                    + RbdImage.Settings.MAX_TIMEOUT.toSeconds() + ", got '" + timeoutText + "'");
        }
        if (pools.isEmpty()) {
            return Optional.empty();
        }
        if (conf.isEmpty()) {
            throw error(INJECT_ALLOWED_POOLS, "is set, but ceph-conf is not: set ceph-conf to the ceph.conf the "
                    + "service connects with");
        }
        return Optional.of(new RbdInjectSettings(pools, conf.get(), user, keyring, settings));
    }

    /** A setting naming a file by its absolute path (the service may run in another directory), if set. */
    private Optional<Path> absoluteFile(ServeSetting key) throws ConfigError {
        Optional<String> text = optional(key);
        if (text.isPresent() && !text.get().startsWith("/")) {
            throw error(key, "must be an absolute path, got '" + text.get() + "'");
        }
        return text.map(Path::of);
    }

    /** {@code inject-sandbox} (bwrap or off) and {@code inject-sandbox-pool}: empty when off. */
    private Optional<SandboxSettings> injectSandbox() throws ConfigError {
        String mode = get(INJECT_SANDBOX).text().strip();
        String poolText = get(INJECT_SANDBOX_POOL).text().strip();
        int pool;
        try {
            pool = Integer.parseInt(poolText);
            if (pool < 0 || pool > 64) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            throw error(INJECT_SANDBOX_POOL, "must be a whole number from 0 to 64, got '" + poolText + "'");
        }
        return switch (mode) {
            case "bwrap" -> Optional.of(SandboxSettings.fromEnvironment(path).withPoolSize(pool));
            case "off" -> Optional.empty();
            default -> throw error(INJECT_SANDBOX, "must be bwrap or off, got '" + mode + "'");
        };
    }

    /**
     * @param allowedInjectDirs directories whose images {@code POST /v1/instances/{uuid}/inject} may write;
     *                          empty: the endpoint is off (403)
     * @param injectBaseImageDirs directories below which those images' backing files may lie (Nova's
     *                          {@code _base}); empty: images with backing files are refused
     * @param injectSandbox     how libext2fs runs for those injections: in bubblewrap-isolated workers (the
     *                          default), or empty: in the service's process ({@code inject-sandbox: off})
     * @param injectUndoDir     where those injections keep their undo journals (an injection the service was killed
     *                          in is rolled back by the next one into that image)
     * @param injectRbd         the RBD pools that endpoint may inject into (and the config drive endpoint write drives
     *                          into) and the service's Ceph client; empty: {@code rbd:} images are refused (403)
     */
    record ApiSettings(InetSocketAddress address, String token, List<java.nio.file.Path> allowedInjectDirs,
                       List<java.nio.file.Path> injectBaseImageDirs, Optional<SandboxSettings> injectSandbox,
                       Path injectUndoDir, Optional<RbdInjectSettings> injectRbd) {
        /** Whether the inject endpoint may write anything: a directory or a pool is allowed. */
        boolean injects() {
            return !allowedInjectDirs.isEmpty() || injectRbd.isPresent();
        }

        @Override
        public String toString() {
            return "ApiSettings[address=" + address + "]"; // never the token
        }
    }
}
