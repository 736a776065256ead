package io.guestdata.server.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.core.document.DocumentError;
import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.inject.DiskInjector;
import io.guestdata.inject.block.UndoJournal;
import io.guestdata.server.metadata.StoreErrorCount;
import io.guestdata.server.metadata.StoreOutage;
import io.guestdata.store.KeyPairs;
import io.guestdata.store.Page;
import io.guestdata.store.PageRequest;
import io.guestdata.store.Store;
import io.guestdata.store.StoreException;
import io.guestdata.store.StoredInstance;
import io.guestdata.store.StoredKeyPair;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.HttpMediaType;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;

/**
 * The management API (docs/management-api.md): instances, key pairs, guest passwords, config drive images,
 * libvirt XML and disk injection, over JSON, behind one bearer token. A Helidon SE {@link HttpService}; register
 * it at {@code /v1}:
 *
 * <pre>{@code
 * ManagementApi api = ManagementApi.create(store, token, metadataOptions);
 * HttpRouting.builder().register("/v1", api);
 * }</pre>
 *
 * <p>Key pairs belong to the single owner {@link KeyPairs#DEFAULT_OWNER}: the token is a shared secret, not a
 * user, and instance documents' {@code key_name} resolves against the same owner.
 */
public final class ManagementApi implements HttpService, StoreErrorCount {
    /** The largest request body accepted (413 above it). */
    public static final int MAX_BODY_BYTES = 256 * 1024;
    static final String OPENAPI_RESOURCE = "openapi.yaml";
    static final String KEY_OWNER = KeyPairs.DEFAULT_OWNER;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** For small request bodies (key pairs, inject): duplicate members and trailing data are errors. */
    private static final ObjectMapper STRICT_JSON = com.fasterxml.jackson.databind.json.JsonMapper.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final Pattern UUID_TEXT = Pattern.compile(
            "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}");

    /** One route: its method, its path template below the mount point ({@code /instances/{uuid}}), its handler. */
    record Route(Method method, String path, Handler handler) {
    }

    private final Store store;
    private final byte[] tokenDigest;
    private final ConfigDriveEndpoint configDrive;
    private final InjectEndpoint inject;
    private final OpenApiDocument openApi;
    private final List<Route> routes;
    private final LongAdder databaseErrors = new LongAdder();
    private final StoreOutage storeOutage = new StoreOutage(System.getLogger(ManagementApi.class.getName()),
            "management API request");

    private ManagementApi(Builder b) {
        this.store = Objects.requireNonNull(b.store, "store");
        Objects.requireNonNull(b.token, "token");
        if (b.token.isBlank() || !b.token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("the bearer token must be non-empty printable ASCII without spaces");
        }
        this.tokenDigest = sha256(b.token.getBytes(StandardCharsets.US_ASCII));
        this.configDrive = new ConfigDriveEndpoint(b.metadataOptions, b.clock);
        this.inject = new InjectEndpoint(b.injector, b.allowedInjectDirs, b.injectBaseImageDirs, b.injectUndoDir);
        this.openApi = OpenApiDocument.load();
        this.routes = List.of(
                new Route(Method.GET, "/openapi.yaml", (req, res) -> openApi.sendYaml(res)),
                new Route(Method.GET, "/openapi.json", (req, res) -> openApi.sendJson(res)),
                new Route(Method.POST, "/instances", this::createInstance),
                new Route(Method.GET, "/instances", this::listInstances),
                new Route(Method.GET, "/instances/{uuid}", this::getInstance),
                new Route(Method.PUT, "/instances/{uuid}", this::updateInstance),
                new Route(Method.DELETE, "/instances/{uuid}", this::deleteInstance),
                new Route(Method.GET, "/instances/{uuid}/password", this::getPassword),
                new Route(Method.DELETE, "/instances/{uuid}/password", this::clearPassword),
                new Route(Method.GET, "/instances/{uuid}/config-drive", this::configDrive),
                new Route(Method.HEAD, "/instances/{uuid}/config-drive", this::configDrive),
                new Route(Method.GET, "/instances/{uuid}/libvirt-xml", this::libvirtXml),
                new Route(Method.POST, "/instances/{uuid}/inject", this::inject),
                new Route(Method.POST, "/keypairs", this::createKeyPair),
                new Route(Method.GET, "/keypairs", this::listKeyPairs),
                new Route(Method.GET, "/keypairs/{name}", this::getKeyPair),
                new Route(Method.DELETE, "/keypairs/{name}", this::deleteKeyPair));
    }

    /** The API without disk injection (its endpoint answers 403). */
    public static ManagementApi create(Store store, String bearerToken, MetadataOptions options) {
        return builder(store, bearerToken).metadataOptions(options).build();
    }

    /**
     * The API with disk injection into images under {@code allowedInjectDirs} (none: the endpoint answers 403).
     *
     * @param injector the injector, or null for {@code new DiskInjector()}
     */
    public static ManagementApi create(Store store, String bearerToken, MetadataOptions options, DiskInjector injector,
                                       List<Path> allowedInjectDirs) {
        return builder(store, bearerToken).metadataOptions(options).injector(injector)
                .allowedInjectDirs(allowedInjectDirs).build();
    }

    public static Builder builder(Store store, String bearerToken) {
        return new Builder(store, bearerToken);
    }

    /** Settings of a {@link ManagementApi}. */
    public static final class Builder {
        private final Store store;
        private final String token;
        private MetadataOptions metadataOptions = MetadataOptions.defaults();
        private DiskInjector injector;
        private List<Path> allowedInjectDirs = List.of();
        private List<Path> injectBaseImageDirs = List.of();
        private Path injectUndoDir = UndoJournal.defaultDirectory(System.getenv());
        private Clock clock = Clock.systemUTC();

        private Builder(Store store, String token) {
            this.store = store;
            this.token = token;
        }

        /** How config drives are rendered (dhcp_domain, vendor data, …), as for the metadata service. */
        public Builder metadataOptions(MetadataOptions options) {
            this.metadataOptions = Objects.requireNonNull(options, "options");
            return this;
        }

        /** The injector for {@code POST /instances/{uuid}/inject}; default {@code new DiskInjector()}. */
        public Builder injector(DiskInjector injector) {
            this.injector = injector;
            return this;
        }

        /**
         * {@code inject.allowed_dirs}: the only directories whose images may be injected (subdirectories included,
         * symbolic links resolved). Empty (the default) disables the inject endpoint.
         */
        public Builder allowedInjectDirs(List<Path> dirs) {
            this.allowedInjectDirs = List.copyOf(dirs);
            return this;
        }

        /**
         * {@code inject-base-image-dirs}: the directories below which an injected image's backing files may lie
         * (Nova's {@code _base}). Empty (the default): an image that names a backing file is refused.
         */
        public Builder injectBaseImageDirs(List<Path> dirs) {
            this.injectBaseImageDirs = List.copyOf(dirs);
            return this;
        }

        /**
         * {@code inject-undo-dir}: where injections keep their undo journals while they commit, so that one the
         * service was killed in is rolled back by the next injection into that image.
         */
        public Builder injectUndoDir(Path dir) {
            this.injectUndoDir = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /** The time recorded in config drive images when the request gives no {@code timestamp}. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public ManagementApi build() {
            return new ManagementApi(this);
        }
    }

    /** Every route, as registered (the OpenAPI document must describe exactly these). */
    List<Route> routes() {
        return routes;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.any(this::authenticate);
        for (Route r : routes) {
            rules.route(r.method(), r.path(), guarded(r.handler()));
        }
        rules.any(this::noRoute);
    }

    // ---- authentication, errors ----

    private void authenticate(ServerRequest req, ServerResponse res) {
        Optional<String> header = req.headers().first(HeaderNames.AUTHORIZATION);
        String presented = header.map(ManagementApi::bearerToken).orElse(null);
        boolean ok = presented != null
                && MessageDigest.isEqual(tokenDigest, sha256(presented.getBytes(StandardCharsets.UTF_8)));
        if (ok) {
            res.next();
            return;
        }
        res.header(HeaderNames.WWW_AUTHENTICATE, header.isEmpty() ? "Bearer realm=\"guestdata\""
                : "Bearer realm=\"guestdata\", error=\"invalid_token\"");
        sendError(req, res, new ApiError(401, "unauthorized", header.isEmpty()
                ? "this API needs an Authorization: Bearer <token> header"
                : "the bearer token is not valid"));
    }

    /** The token of an {@code Authorization: Bearer <token>} value (scheme case-insensitive), or null. */
    static String bearerToken(String value) {
        String v = value.strip();
        int space = v.indexOf(' ');
        if (space < 0 || !v.substring(0, space).equalsIgnoreCase("Bearer")) {
            return null;
        }
        String token = v.substring(space + 1).strip();
        return token.isEmpty() ? null : token;
    }

    private void noRoute(ServerRequest req, ServerResponse res) {
        String path = req.path().path();
        Set<String> allowed = new LinkedHashSet<>();
        for (Route r : routes) {
            if (matches(r.path(), path)) {
                allowed.add(r.method().text());
            }
        }
        if (allowed.isEmpty()) {
            sendError(req, res, new ApiError(404, "no_route", "no such resource: " + path));
        } else {
            res.header(HeaderNames.ALLOW, String.join(", ", allowed));
            sendError(req, res, new ApiError(405, "method_not_allowed", req.prologue().method().text()
                    + " is not allowed here; allowed: " + String.join(", ", allowed)));
        }
    }

    private static boolean matches(String template, String path) {
        String regex = Pattern.quote(template).replaceAll("\\{[a-z_]+}", "\\\\E[^/]+\\\\Q");
        return path.matches(regex);
    }

    /**
     * The one place a route's refusal becomes its answer: an {@link ApiError} as it is, a {@link StoreException}
     * as {@link #storeError} maps it. A failed database operation (read or write) is counted
     * ({@link #storeErrors()}, part of {@code guestdata_store_errors_total}); a transient one is answered 503 with
     * {@code Retry-After} ({@link StoreOutage}).
     *
     * <p>Not Helidon's routing error handlers: those belong to the routing the API is registered on, and the API
     * must answer the same wherever it is registered (an HTTP service has no say in its routing's handlers).
     */
    private Handler guarded(Handler handler) {
        return (req, res) -> {
            try {
                handler.handle(req, res);
            } catch (ApiError e) {
                sendError(req, res, e);
            } catch (StoreException.DatabaseError e) {
                databaseErrors.increment();
                if (storeOutage.failed(e)) {
                    res.header(StoreOutage.RETRY_AFTER);
                }
                sendError(req, res, storeError(e));
            } catch (StoreException e) {
                sendError(req, res, storeError(e));
            }
        };
    }

    /** Store operations of this API that failed because the database did (reads and writes). */
    @Override
    public long storeErrors() {
        return databaseErrors.sum();
    }

    static ApiError storeError(StoreException e) {
        return switch (e) {
            case StoreException.NotFound nf -> new ApiError(404, "not_found", nf.getMessage());
            case StoreException.Conflict c -> c.reason() == StoreException.Conflict.Reason.VERSION_MISMATCH
                    ? new ApiError(412, "version_mismatch", c.getMessage(), null, null,
                            o -> o.put("current_version", c.currentVersion().orElse(0)))
                    : new ApiError(409, c.reason().name().toLowerCase(Locale.ROOT), c.getMessage(), null, null, o -> {
                        c.address().ifPresent(a -> o.put("address", a));
                        c.otherInstance().ifPresent(u -> o.put("other_instance", u.toString()));
                    });
            case StoreException.Invalid inv -> inv.documentErrors().isEmpty()
                    ? new ApiError(400, "invalid_parameter", inv.getMessage(), inv.field(), null,
                            o -> o.put("rule", inv.rule()))
                    : new ApiError(400, "invalid_document", inv.getMessage(), inv.field(),
                            inv.documentErrors().getFirst().limit().orElse(null), o -> {
                                o.put("rule", inv.rule());
                                ArrayNode all = o.putArray("errors");
                                for (DocumentError d : inv.documentErrors()) {
                                    ObjectNode n = all.addObject();
                                    n.put("field", d.pointer());
                                    n.put("rule", d.rule());
                                    n.put("message", d.message());
                                    d.limit().ifPresent(l -> n.put("limit", l));
                                }
                            });
            case StoreException.QuotaExceeded q -> new ApiError(403, "quota_exceeded", q.getMessage(), null,
                    q.limit() + " " + q.quota().replace('_', ' '), o -> o.put("quota", q.quota()));
            case StoreException.DatabaseError d -> d.isTransient()
                    ? new ApiError(503, "database_unavailable", "the database is unavailable; retry in "
                            + StoreOutage.RETRY_AFTER_SECONDS + " s (Retry-After)")
                    : new ApiError(500, "database_error", "the database failed; see the service log");
        };
    }

    static void sendError(ServerRequest req, ServerResponse res, ApiError e) {
        res.status(Status.create(e.status()));
        if (req.prologue().method() == Method.HEAD) {
            res.header(HeaderValues.CONTENT_LENGTH_ZERO);
            res.send();
            return;
        }
        sendJson(res, e.body());
    }

    static void sendJson(ServerResponse res, JsonNode body) {
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        try {
            res.send(JSON.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- request parts ----

    static UUID uuidParam(ServerRequest req) {
        String text = req.path().pathParameters().get("uuid");
        if (!UUID_TEXT.matcher(text).matches()) {
            throw new ApiError(404, "not_found", "instance " + text + " not found (not a uuid)");
        }
        String hex = text.replace("-", "").toLowerCase(Locale.ROOT);
        return UUID.fromString(hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-"
                + hex.substring(16, 20) + "-" + hex.substring(20));
    }

    static Optional<String> query(ServerRequest req, String name) {
        return req.query().contains(name) ? Optional.of(req.query().get(name)) : Optional.empty();
    }

    static OptionalLong longQuery(ServerRequest req, String name, long min, long max) {
        Optional<String> v = query(req, name);
        if (v.isEmpty()) {
            return OptionalLong.empty();
        }
        try {
            long n = Long.parseLong(v.get());
            if (n >= min && n <= max) {
                return OptionalLong.of(n);
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new ApiError(400, "invalid_parameter", name + "=" + v.get() + ": must be a whole number from " + min
                + " to " + max, name, min + ".." + max, null);
    }

    /** The stored version the request names with {@code ?version=N}, else the latest. */
    private StoredInstance instanceFor(ServerRequest req) {
        UUID uuid = uuidParam(req);
        OptionalLong version = longQuery(req, "version", 1, Long.MAX_VALUE);
        return version.isPresent() ? store.instances().get(uuid, version.getAsLong()) : store.instances().get(uuid);
    }

    /**
     * The request body: JSON only (415 otherwise), at most {@value #MAX_BODY_BYTES} bytes (413), read with
     * bounded memory whether or not a Content-Length was sent.
     */
    static byte[] jsonBody(ServerRequest req) {
        Optional<HttpMediaType> type = req.headers().contentType();
        if (type.isEmpty() || !type.get().mediaType().type().equalsIgnoreCase("application")
                || !type.get().mediaType().subtype().equalsIgnoreCase("json")) {
            throw new ApiError(415, "unsupported_media_type", "the body must be JSON (Content-Type: application/json)"
                    + type.map(t -> "; got " + t.text()).orElse("; none given"), null, null, null);
        }
        type.get().charset().filter(c -> !c.equalsIgnoreCase("utf-8")).ifPresent(c -> {
            throw new ApiError(415, "unsupported_media_type", "JSON bodies must be UTF-8; got charset " + c);
        });
        OptionalLong length = req.headers().contentLength();
        if (length.isPresent() && length.getAsLong() > MAX_BODY_BYTES) {
            throw tooLarge();
        }
        try (InputStream in = req.content().inputStream()) {
            byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
            if (body.length > MAX_BODY_BYTES) {
                throw tooLarge();
            }
            return body;
        } catch (IOException e) {
            throw new ApiError(400, "bad_body", "the body could not be read: " + e.getMessage());
        }
    }

    private static ApiError tooLarge() {
        return new ApiError(413, "payload_too_large", "the request body is larger than " + MAX_BODY_BYTES + " bytes",
                null, MAX_BODY_BYTES + " bytes", null);
    }

    /** A JSON object body whose members are all in {@code known} (400 naming each unknown one). */
    static ObjectNode objectBody(ServerRequest req, Set<String> known) {
        JsonNode node;
        try {
            node = STRICT_JSON.readTree(jsonBody(req));
        } catch (IOException e) {
            throw new ApiError(400, "invalid_json", "the body is not valid JSON: " + e.getMessage(), "", null, null);
        }
        if (!(node instanceof ObjectNode object)) {
            throw new ApiError(400, "invalid_json", "the body must be a JSON object", "", null, null);
        }
        List<String> unknown = new ArrayList<>();
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!known.contains(name)) {
                unknown.add(name);
            }
        }
        if (!unknown.isEmpty()) {
            throw new ApiError(400, "unknown_field", "unknown field" + (unknown.size() > 1 ? "s " : " ")
                    + String.join(", ", unknown) + "; allowed: " + String.join(", ", known),
                    "/" + unknown.getFirst().replace("~", "~0").replace("/", "~1"), null, null);
        }
        return object;
    }

    static String text(ObjectNode body, String name, boolean required) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) {
            if (required) {
                throw new ApiError(400, "missing_field", name + " is required", "/" + name, null, null);
            }
            return null;
        }
        if (!v.isTextual()) {
            throw new ApiError(400, "invalid_field", name + " must be a string", "/" + name, null, null);
        }
        return v.textValue();
    }

    // ---- instances ----

    private void createInstance(ServerRequest req, ServerResponse res) {
        StoredInstance created = store.instances().create(jsonBody(req), KEY_OWNER);
        res.status(Status.CREATED_201);
        String base = req.path().absolute().rawPath();
        res.header(HeaderNames.LOCATION, (base.endsWith("/") ? base : base + "/") + created.uuid());
        sendInstance(res, created);
    }

    private void getInstance(ServerRequest req, ServerResponse res) {
        sendInstance(res, instanceFor(req));
    }

    private void updateInstance(ServerRequest req, ServerResponse res) {
        UUID uuid = uuidParam(req);
        long expected = ifMatch(req).orElseThrow(() -> new ApiError(428, "precondition_required",
                "PUT needs If-Match: <version> (the version the change was made from; see the ETag of GET)",
                "If-Match", null, null));
        byte[] body = jsonBody(req);
        sendInstance(res, store.instances().update(uuid, expected, body, KEY_OWNER));
    }

    private void deleteInstance(ServerRequest req, ServerResponse res) {
        UUID uuid = uuidParam(req);
        OptionalLong expected = ifMatch(req);
        if (expected.isPresent()) {
            store.instances().delete(uuid, expected.getAsLong());
        } else {
            store.instances().delete(uuid);
        }
        res.status(Status.NO_CONTENT_204);
        res.send();
    }

    /** {@code If-Match: 3} or {@code If-Match: "3"} (the ETag this API gives); {@code *} or absent: empty. */
    static OptionalLong ifMatch(ServerRequest req) {
        Optional<String> v = req.headers().first(HeaderNames.IF_MATCH);
        if (v.isEmpty() || v.get().strip().equals("*")) {
            return OptionalLong.empty();
        }
        String s = v.get().strip();
        if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
            s = s.substring(1, s.length() - 1);
        }
        try {
            long n = Long.parseLong(s);
            if (n >= 1) {
                return OptionalLong.of(n);
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new ApiError(400, "invalid_parameter", "If-Match must be an instance version (\"3\" or 3); got "
                + v.get(), "If-Match", null, null);
    }

    private void listInstances(ServerRequest req, ServerResponse res) {
        int limit = (int) longQuery(req, "limit", 1, PageRequest.MAX_LIMIT).orElse(PageRequest.DEFAULT_LIMIT);
        Optional<String> cursor = query(req, "cursor").filter(c -> !c.isEmpty());
        Optional<String> project = query(req, "project_id").filter(c -> !c.isEmpty());
        Page<StoredInstance> page = store.instances().list(new PageRequest(project, cursor, limit));
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ArrayNode items = root.putArray("instances");
        page.items().forEach(i -> items.add(instanceView(i)));
        root.put("next_cursor", page.nextCursor().orElse(null));
        sendJson(res, root);
    }

    private static void sendInstance(ServerResponse res, StoredInstance instance) {
        res.header(HeaderNames.ETAG, "\"" + instance.version() + "\"");
        sendJson(res, instanceView(instance));
    }

    static ObjectNode instanceView(StoredInstance i) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("uuid", i.uuid().toString());
        o.put("version", i.version());
        o.put("created_at", i.createdAt().toString());
        o.put("version_created_at", i.versionCreatedAt().toString());
        try {
            o.set("document", JSON.readTree(i.document()));
        } catch (IOException e) {
            throw new UncheckedIOException("stored document of " + i.uuid() + " is not JSON", e);
        }
        return o;
    }

    // ---- passwords ----

    private void getPassword(ServerRequest req, ServerResponse res) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("password", store.passwords().get(uuidParam(req)).orElse(""));
        sendJson(res, o);
    }

    private void clearPassword(ServerRequest req, ServerResponse res) {
        store.passwords().clear(uuidParam(req));
        res.status(Status.NO_CONTENT_204);
        res.send();
    }

    // ---- key pairs ----

    private static final Set<String> KEY_PAIR_FIELDS = new LinkedHashSet<>(List.of("name", "public_key", "type"));

    private void createKeyPair(ServerRequest req, ServerResponse res) {
        ObjectNode body = objectBody(req, KEY_PAIR_FIELDS);
        String name = text(body, "name", true);
        String publicKey = text(body, "public_key", true);
        String type = Optional.ofNullable(text(body, "type", false)).orElse("ssh");
        StoredKeyPair created = store.keyPairs().create(KEY_OWNER, name, type, publicKey);
        res.status(Status.CREATED_201);
        String base = req.path().absolute().rawPath();
        res.header(HeaderNames.LOCATION, (base.endsWith("/") ? base : base + "/")
                + java.net.URLEncoder.encode(created.name(), StandardCharsets.UTF_8).replace("+", "%20"));
        sendJson(res, keyPairView(created));
    }

    private void listKeyPairs(ServerRequest req, ServerResponse res) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ArrayNode items = root.putArray("keypairs");
        store.keyPairs().list(KEY_OWNER).forEach(k -> items.add(keyPairView(k)));
        sendJson(res, root);
    }

    private void getKeyPair(ServerRequest req, ServerResponse res) {
        sendJson(res, keyPairView(store.keyPairs().get(KEY_OWNER, req.path().pathParameters().get("name"))));
    }

    private void deleteKeyPair(ServerRequest req, ServerResponse res) {
        store.keyPairs().delete(KEY_OWNER, req.path().pathParameters().get("name"));
        res.status(Status.NO_CONTENT_204);
        res.send();
    }

    static ObjectNode keyPairView(StoredKeyPair k) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("name", k.keyPair().name());
        o.put("type", k.keyPair().type());
        o.put("public_key", k.keyPair().publicKey());
        o.put("fingerprint", k.keyPair().fingerprint());
        o.put("created_at", k.createdAt().toString());
        return o;
    }

    // ---- images ----

    private void configDrive(ServerRequest req, ServerResponse res) {
        configDrive.send(req, res, instanceFor(req));
    }

    private void libvirtXml(ServerRequest req, ServerResponse res) {
        configDrive.sendLibvirtXml(req, res, instanceFor(req));
    }

    private void inject(ServerRequest req, ServerResponse res) {
        inject.handle(req, res, () -> instanceFor(req));
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
