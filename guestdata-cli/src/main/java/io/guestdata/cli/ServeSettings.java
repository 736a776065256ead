package io.guestdata.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.inject.block.BackingFilePolicy;
import io.guestdata.inject.sandbox.SandboxSettings;
import io.guestdata.server.metadata.HostPort;
import io.guestdata.server.metadata.ApiListener;
import io.guestdata.server.metadata.ConnectionLimits;
import io.guestdata.server.metadata.GuestListeners;
import io.guestdata.server.metadata.IdentificationMode;
import io.guestdata.server.metadata.MetadataServerConfig;
import io.guestdata.server.metadata.RequestRate;
import io.guestdata.server.metadata.StoreInstanceDirectory;
import io.guestdata.server.metadata.TokenPolicy;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The settings of {@code guestdata serve}, from (highest precedence first) command-line flags, environment
 * variables ({@code GUESTDATA_<KEY>}, the key upper-cased with {@code -} as {@code _}), the YAML file named by
 * {@code --config} (or {@code GUESTDATA_CONFIG}), and the defaults. Every key is documented in docs/serve.md.
 * Every error names the key and where its value came from.
 */
final class ServeSettings {

    /** How a key's value is written. */
    enum Kind { TEXT, LIST, BOOLEAN }

    /**
     * @param name   the YAML key (and flag {@code --name}, unless a secret)
     * @param secret never printed, and not accepted as a flag (command lines are visible to every local user)
     */
    record Key(String name, Kind kind, String defaultValue, boolean secret) {
        String env() {
            return "GUESTDATA_" + name.toUpperCase(Locale.ROOT).replace('-', '_');
        }
    }

    static final String DEFAULT_DATA_DIR = "./guestdata-data";

    static final List<Key> KEYS = List.of(
            new Key("data-dir", Kind.TEXT, DEFAULT_DATA_DIR, false),
            new Key("store", Kind.TEXT, null, false),
            new Key("listen", Kind.LIST, "127.0.0.1:8775", false),
            new Key("api-listen", Kind.TEXT, "127.0.0.1:8774", false),
            new Key("management-listen", Kind.TEXT, "127.0.0.1:9775", false),
            new Key("mode", Kind.TEXT, "address", false),
            new Key("shared-secret", Kind.TEXT, null, true),
            new Key("shared-secret-file", Kind.TEXT, null, false),
            new Key("trusted-proxies", Kind.LIST, "", false),
            new Key("max-connections", Kind.TEXT, Integer.toString(ConnectionLimits.DEFAULT_MAX_CONNECTIONS), false),
            new Key("max-connections-per-source", Kind.TEXT, Integer.toString(ConnectionLimits.DEFAULT_MAX_PER_SOURCE),
                    false),
            new Key("first-request-timeout", Kind.TEXT, wholeSeconds(ConnectionLimits.DEFAULT_FIRST_REQUEST_TIMEOUT), false),
            new Key("idle-timeout", Kind.TEXT, wholeSeconds(ConnectionLimits.DEFAULT_IDLE_TIMEOUT), false),
            new Key("request-rate", Kind.TEXT, Integer.toString(RequestRate.DEFAULT_PER_SECOND), false),
            new Key("request-burst", Kind.TEXT, Integer.toString(RequestRate.DEFAULT_BURST), false),
            new Key("imds-tokens", Kind.TEXT, "optional", false),
            new Key("imds-token-key-file", Kind.TEXT, null, false),
            new Key("dhcp-domain", Kind.TEXT, "novalocal", false),
            new Key("serve-injected-files", Kind.BOOLEAN, "true", false),
            new Key("vendor-data-file", Kind.TEXT, null, false),
            new Key("vendor-data-targets", Kind.LIST, "", false),
            new Key("vendor-data-connect-timeout", Kind.TEXT, "5", false),
            new Key("vendor-data-read-timeout", Kind.TEXT, "5", false),
            new Key("vendor-data-failure-fatal", Kind.BOOLEAN, "false", false),
            new Key("vendor-data-ca-file", Kind.TEXT, null, false),
            new Key("api-token", Kind.TEXT, null, true),
            new Key("api-token-file", Kind.TEXT, null, false),
            new Key("inject-allowed-dirs", Kind.LIST, "", false),
            new Key("inject-base-image-dirs", Kind.LIST, "", false),
            new Key("inject-sandbox", Kind.TEXT, "bwrap", false),
            new Key("inject-sandbox-pool", Kind.TEXT, "1", false),
            new Key("inject-undo-dir", Kind.TEXT, null, false),
            new Key("metadata-cache-entries", Kind.TEXT,
                    Integer.toString(StoreInstanceDirectory.DEFAULT_CACHE_ENTRIES), false));

    static final int MIN_API_TOKEN_LENGTH = 16;

    /** A configuration error: names the key and the value's source. */
    static final class ConfigError extends Exception {
        ConfigError(String message) {
            super(message);
        }
    }

    /** A value and where it came from ({@code --listen}, {@code GUESTDATA_LISTEN}, {@code serve.yaml}, {@code default}). */
    record Sourced(Object value, String source) {
        @SuppressWarnings("unchecked")
        List<String> list() {
            return (List<String>) value;
        }

        String text() {
            return (String) value;
        }
    }

    private final Map<String, Sourced> values;
    /** The environment's {@code PATH}, where the inject sandbox finds bwrap, prlimit and setpriv. */
    private final Map<String, String> path;

    private ServeSettings(Map<String, Sourced> values, Map<String, String> path) {
        this.values = values;
        this.path = path;
    }

    /**
     * @param flags       key → value (a String, or a List for list keys) of the flags given
     * @param environment the process environment (only {@code GUESTDATA_*} is read; unknown names are ignored,
     *                    as the launcher's {@code GUESTDATA_JAVA_OPTS} lives there too)
     * @param configFile  the {@code --config} file, if given
     */
    static ServeSettings resolve(Map<String, Object> flags, Map<String, String> environment, Optional<Path> configFile)
            throws ConfigError {
        Optional<Path> file = configFile.or(() -> Optional.ofNullable(environment.get("GUESTDATA_CONFIG"))
                .filter(s -> !s.isEmpty()).map(Path::of));
        Map<String, Sourced> fromFile = file.isPresent() ? readFile(file.get()) : Map.of();
        Map<String, Sourced> out = new LinkedHashMap<>();
        for (Key key : KEYS) {
            Sourced value;
            if (flags.containsKey(key.name())) {
                value = new Sourced(flags.get(key.name()), "--" + key.name());
            } else if (environment.containsKey(key.env())) {
                String text = environment.get(key.env());
                value = new Sourced(key.kind() == Kind.LIST ? splitList(text) : text, key.env());
            } else if (fromFile.containsKey(key.name())) {
                value = fromFile.get(key.name());
            } else {
                value = new Sourced(key.kind() == Kind.LIST ? splitList(key.defaultValue()) : key.defaultValue(), "default");
            }
            out.put(key.name(), value);
        }
        if (out.get("store").value() == null) {
            out.put("store", new Sourced("sqlite:" + out.get("data-dir").text(), "default (sqlite:<data-dir>)"));
        }
        if (out.get("inject-undo-dir").value() == null) {
            out.put("inject-undo-dir", new Sourced(Path.of(out.get("data-dir").text(), "undo").toString(),
                    "default (<data-dir>/undo)"));
        }
        String pathVariable = environment.get("PATH");
        return new ServeSettings(out, pathVariable == null ? Map.of() : Map.of("PATH", pathVariable));
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

    private static Map<String, Sourced> readFile(Path path) throws ConfigError {
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
        Map<String, Key> known = new LinkedHashMap<>();
        KEYS.forEach(k -> known.put(k.name(), k));
        Map<String, Sourced> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : object.properties()) {
            Key key = known.get(field.getKey());
            if (key == null) {
                throw new ConfigError("config file " + name + ": unknown key '" + field.getKey() + "' (known keys: "
                        + String.join(", ", known.keySet()) + ")");
            }
            JsonNode node = field.getValue();
            String where = name + " key '" + key.name() + "'";
            if (key.kind() == Kind.LIST) {
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
                out.put(key.name(), new Sourced(List.copyOf(items), name));
            } else {
                if (node.isNull()) {
                    continue; // "key:" with no value: the default
                }
                if (!node.isValueNode()) {
                    throw new ConfigError(where + ": expected a single value, not a " + node.getNodeType().name()
                            .toLowerCase(Locale.ROOT));
                }
                out.put(key.name(), new Sourced(node.asText(), name));
            }
        }
        return out;
    }

    Sourced get(String key) {
        Sourced value = values.get(key);
        if (value == null) {
            throw new IllegalArgumentException("no such key " + key);
        }
        return value;
    }

    private Optional<String> optional(String key) {
        Sourced s = get(key);
        return s.value() == null || s.text().isEmpty() ? Optional.empty() : Optional.of(s.text());
    }

    private ConfigError error(String key, String problem) {
        return new ConfigError(key + " (from " + get(key).source() + "): " + problem);
    }

    /** The effective settings, one {@code key = value (source)} line each; secrets as {@code <set>}. */
    List<String> describe() {
        List<String> lines = new ArrayList<>();
        for (Key key : KEYS) {
            Sourced s = get(key.name());
            String shown = s.value() == null ? "(none)"
                    : key.secret() ? (s.text().isEmpty() ? "(none)" : "<set>")
                    : key.kind() == Kind.LIST ? String.join(",", s.list())
                    : key.name().equals("store") ? ServeCommand.redactUrl(s.text()) : s.text();
            lines.add(key.name() + " = " + shown + " (" + s.source() + ")");
        }
        return lines;
    }

    // ---- typed, validated views ----

    String storeUrl() throws ConfigError {
        String url = get("store").text();
        if (url.isBlank()) {
            throw error("store", "is empty");
        }
        return url;
    }

    /** The metadata listeners: one or more {@code HOST:PORT} (e.g. the IPv4 and the link-local IPv6 address). */
    GuestListeners listen() throws ConfigError {
        List<InetSocketAddress> out = new ArrayList<>();
        for (String text : get("listen").list()) {
            try {
                out.add(HostPort.parse(text));
            } catch (IllegalArgumentException e) {
                throw error("listen", e.getMessage());
            }
        }
        if (out.isEmpty()) {
            throw error("listen", "no address: the metadata service needs at least one listener");
        }
        return new GuestListeners(out);
    }

    Optional<InetSocketAddress> apiListen() throws ConfigError {
        return listener("api-listen");
    }

    Optional<InetSocketAddress> managementListen() throws ConfigError {
        return listener("management-listen");
    }

    /** {@code HOST:PORT} with an IP literal host ({@code [v6]:port} for IPv6), or {@code none}. */
    private Optional<InetSocketAddress> listener(String key) throws ConfigError {
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
            return IdentificationMode.parse(get("mode").text().strip().toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw error("mode", "must be address, proxy or provider, got '" + get("mode").text() + "'");
        }
    }

    TokenPolicy imdsTokens() throws ConfigError {
        String text = get("imds-tokens").text().strip().toLowerCase(Locale.ROOT);
        return switch (text) {
            case "off" -> TokenPolicy.OFF;
            case "optional" -> TokenPolicy.OPTIONAL;
            case "required" -> TokenPolicy.REQUIRED;
            default -> throw error("imds-tokens", "must be off, optional or required, got '" + text + "'");
        };
    }

    /** The shared secret, from {@code shared-secret} or the file {@code shared-secret-file}; "" for none. */
    String sharedSecret() throws ConfigError {
        return secret("shared-secret", "shared-secret-file").orElse("");
    }

    Optional<String> apiToken() throws ConfigError {
        return secret("api-token", "api-token-file");
    }

    private Optional<String> secret(String key, String fileKey) throws ConfigError {
        Optional<String> direct = optional(key);
        Optional<String> file = optional(fileKey);
        if (direct.isPresent() && file.isPresent()) {
            throw new ConfigError(key + " (from " + get(key).source() + ") and " + fileKey + " (from "
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
        Optional<String> file = optional("imds-token-key-file");
        if (file.isEmpty()) {
            return Optional.empty();
        }
        byte[] key;
        try {
            key = Files.readAllBytes(Path.of(file.get()));
        } catch (IOException | RuntimeException e) {
            throw error("imds-token-key-file", "cannot read " + file.get() + ": " + e.getMessage());
        }
        if (key.length < 32) {
            throw error("imds-token-key-file", file.get() + " holds " + key.length + " bytes; at least 32 are needed "
                    + "(head -c 32 /dev/urandom > " + file.get() + ")");
        }
        return Optional.of(key);
    }

    MetadataOptions metadataOptions() throws ConfigError {
        MetadataOptions options = MetadataOptions.defaults().withDhcpDomain(get("dhcp-domain").text().strip())
                .withServiceServesFiles(bool("serve-injected-files"));
        Optional<String> file = optional("vendor-data-file");
        if (file.isPresent()) {
            JsonNode node;
            try {
                node = new ObjectMapper().readTree(Files.readAllBytes(Path.of(file.get())));
            } catch (IOException | RuntimeException e) {
                throw error("vendor-data-file", "cannot read " + file.get() + " as JSON: " + e.getMessage());
            }
            if (!(node instanceof ObjectNode object)) {
                throw error("vendor-data-file", file.get() + " must hold a JSON object (Nova's "
                        + "vendordata_jsonfile_path)");
            }
            options = options.withStaticVendorData(object);
        }
        return options;
    }

    private Duration seconds(String key) throws ConfigError {
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

    private int positive(String key) throws ConfigError {
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

    private boolean bool(String key) throws ConfigError {
        String text = get(key).text().strip().toLowerCase(Locale.ROOT);
        return switch (text) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw error(key, "must be true or false, got '" + text + "'");
        };
    }

    /** The guest listener's connection limits (docs/serve.md, "Connections"). */
    ConnectionLimits connectionLimits() throws ConfigError {
        int max = positive("max-connections");
        int perSource = positive("max-connections-per-source");
        if ("default".equals(get("max-connections-per-source").source()) && mode() != IdentificationMode.ADDRESS) {
            // Behind signing proxies every guest of a network node shares the proxy's address, and the proxy
            // (guestdata proxy) limits each guest itself: a source here is a proxy, so it gets a quarter of the
            // listener unless the operator says otherwise.
            perSource = Math.max(perSource, max / 4);
        }
        if (perSource >= max) {
            throw error("max-connections-per-source", perSource + " is not below max-connections (" + max + ", from "
                    + get("max-connections").source() + "): one source could then take every connection");
        }
        return ConnectionLimits.defaults().withMaxConnections(max).withMaxPerSource(perSource)
                .withFirstRequestTimeout(seconds("first-request-timeout")).withIdleTimeout(seconds("idle-timeout"));
    }

    /**
     * {@code request-rate} and {@code request-burst}: requests per instance (docs/serve.md, "Request rate"). The
     * message names the key that is wrong and where its value came from.
     */
    RequestRate requestRate() throws ConfigError {
        try {
            return RequestRate.parse(get("request-rate").text(), get("request-burst").text());
        } catch (RequestRate.BadSetting e) {
            throw error("request-" + e.setting(), e.getMessage());
        }
    }

    private static String wholeSeconds(Duration d) {
        return Long.toString(d.toSeconds());
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
                .vendorDataTimeouts(seconds("vendor-data-connect-timeout"), seconds("vendor-data-read-timeout"))
                .vendorDataFailureFatal(bool("vendor-data-failure-fatal"))
                .metadataCacheEntries(positive("metadata-cache-entries"));
        Optional<InetSocketAddress> management = managementListen();
        if (management.isPresent()) {
            builder.management(management.get());
        } else {
            builder.noManagement();
        }
        for (String cidr : get("trusted-proxies").list()) {
            try {
                builder.trustProxy(cidr);
            } catch (IllegalArgumentException e) {
                throw error("trusted-proxies", e.getMessage());
            }
        }
        imdsTokenKey().ifPresent(builder::tokenKey);
        try {
            builder.vendorDataTargets(get("vendor-data-targets").list());
        } catch (IllegalArgumentException e) {
            throw error("vendor-data-targets", e.getMessage());
        }
        Optional<String> ca = optional("vendor-data-ca-file");
        if (ca.isPresent()) {
            if (!Files.isReadable(Path.of(ca.get()))) {
                throw error("vendor-data-ca-file", "cannot read " + ca.get());
            }
            builder.vendorDataCaBundle(Path.of(ca.get()));
        }
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            // provider mode without a secret; trusted proxies outside address mode
            String key = e.getMessage().startsWith("trusted proxies") ? "trusted-proxies" : "shared-secret";
            throw new ConfigError(key + ": " + e.getMessage() + " (mode from " + get("mode").source() + ")");
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
            throw error("api-listen", "the management API listens on " + get("api-listen").text() + " but no api-token "
                    + "is set: set api-token-file (or GUESTDATA_API_TOKEN), or api-listen: none");
        }
        if (token.get().length() < MIN_API_TOKEN_LENGTH) {
            String key = optional("api-token").isPresent() ? "api-token" : "api-token-file";
            throw error(key, "the API token must have at least " + MIN_API_TOKEN_LENGTH + " characters");
        }
        List<java.nio.file.Path> injectDirs = new java.util.ArrayList<>();
        for (String dir : get("inject-allowed-dirs").list()) {
            java.nio.file.Path p = java.nio.file.Path.of(dir);
            if (!p.isAbsolute() || !java.nio.file.Files.isDirectory(p)) {
                throw error("inject-allowed-dirs", "'" + dir + "' must be an absolute path of an existing directory");
            }
            injectDirs.add(p);
        }
        List<java.nio.file.Path> baseDirs = new java.util.ArrayList<>();
        for (String dir : get("inject-base-image-dirs").list()) {
            java.nio.file.Path p = java.nio.file.Path.of(dir);
            if (!p.isAbsolute() || !java.nio.file.Files.isDirectory(p)) {
                throw error("inject-base-image-dirs", "'" + dir + "' must be an absolute path of an existing directory");
            }
            baseDirs.add(p);
        }
        try {
            BackingFilePolicy.below(baseDirs, "inject-base-image-dirs")
                    .requireApartFrom(injectDirs, "inject-allowed-dirs", "inject-base-image-dirs");
        } catch (IllegalArgumentException e) {
            throw error("inject-base-image-dirs", e.getMessage());
        }
        Path undo = Path.of(get("inject-undo-dir").text()).toAbsolutePath().normalize();
        return Optional.of(new ApiSettings(address.get(), token.get(), List.copyOf(injectDirs), List.copyOf(baseDirs),
                injectSandbox(), undo));
    }

    /** {@code inject-sandbox} (bwrap or off) and {@code inject-sandbox-pool}: empty when off. */
    private Optional<SandboxSettings> injectSandbox() throws ConfigError {
        String mode = get("inject-sandbox").text().strip();
        String poolText = get("inject-sandbox-pool").text().strip();
        int pool;
        try {
            pool = Integer.parseInt(poolText);
            if (pool < 0 || pool > 64) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            throw error("inject-sandbox-pool", "must be a whole number from 0 to 64, got '" + poolText + "'");
        }
        return switch (mode) {
            case "bwrap" -> Optional.of(SandboxSettings.fromEnvironment(path).withPoolSize(pool));
            case "off" -> Optional.empty();
            default -> throw error("inject-sandbox", "must be bwrap or off, got '" + mode + "'");
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
     */
    record ApiSettings(InetSocketAddress address, String token, List<java.nio.file.Path> allowedInjectDirs,
                       List<java.nio.file.Path> injectBaseImageDirs, Optional<SandboxSettings> injectSandbox,
                       Path injectUndoDir) {
        ApiListener listener(Map<String, io.helidon.webserver.http.HttpService> services) {
            return new ApiListener(address, services);
        }

        @Override
        public String toString() {
            return "ApiSettings[address=" + address + "]"; // never the token
        }
    }
}
