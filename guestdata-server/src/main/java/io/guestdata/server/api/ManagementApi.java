package io.guestdata.server.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.inject.DiskInjector;
import io.guestdata.inject.block.UndoJournal;
import io.guestdata.server.metadata.StoreErrorCount;
import io.guestdata.store.KeyPairs;
import io.guestdata.store.Page;
import io.guestdata.store.PageRequest;
import io.guestdata.store.Store;
import io.guestdata.store.StoredInstance;
import io.guestdata.store.StoredKeyPair;
import io.helidon.common.Weighted;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpFeature;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The management API (docs/management-api.md): instances, key pairs, guest passwords, config drive images,
 * libvirt XML and disk injection, over JSON, behind one bearer token. A Helidon SE {@link HttpFeature}: added to a
 * routing, it registers its routes at {@value #MOUNT_PATH}, its authentication as a filter
 * ({@link BearerAuthentication}) and its error mapping as the routing's error handlers ({@link ApiErrorHandlers}),
 * so a route only does its work and throws {@link ApiError} or the store's exception to refuse:
 *
 * <pre>{@code
 * ManagementApi api = ManagementApi.create(store, token, metadataOptions);
 * HttpRouting.builder().addFeature(api);
 * }</pre>
 *
 * <p>Its weight is below Helidon's default, so it is set up after the routing's own filters: a listener filter (such
 * as {@code ConnectionTearDown}) sees the answers its filter gives.
 *
 * <p>Key pairs belong to the single owner {@link KeyPairs#DEFAULT_OWNER}: the token is a shared secret, not a
 * user, and instance documents' {@code key_name} resolves against the same owner.
 */
public final class ManagementApi implements HttpFeature, Weighted, StoreErrorCount {
    /** The path prefix of every route. */
    public static final String MOUNT_PATH = "/v1";
    /** The largest request body accepted (413 above it). */
    public static final int MAX_BODY_BYTES = 256 * 1024;
    static final String OPENAPI_RESOURCE = "openapi.yaml";
    static final String KEY_OWNER = KeyPairs.DEFAULT_OWNER;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One route: its method, its path template below the mount point ({@code /instances/{uuid}}), its handler. */
    record Route(Method method, String path, Handler handler) {
    }

    private final Store store;
    private final BearerAuthentication authentication;
    private final ApiErrorHandlers errors = new ApiErrorHandlers();
    private final ConfigDriveEndpoint configDrive;
    private final InjectEndpoint inject;
    private final OpenApiDocument openApi;
    private final List<Route> routes;

    private ManagementApi(Builder b) {
        this.store = Objects.requireNonNull(b.store, "store");
        this.authentication = new BearerAuthentication(MOUNT_PATH, b.token);
        this.configDrive = new ConfigDriveEndpoint(b.metadataOptions, b.clock, b.injectRbd);
        this.inject = new InjectEndpoint(b.injector, b.allowedInjectDirs, b.injectBaseImageDirs, b.injectUndoDir,
                b.injectRbd);
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
                new Route(Method.POST, "/instances/{uuid}/config-drive", this::writeConfigDrive),
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
        private Optional<RbdInjectSettings> injectRbd = Optional.empty();

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

        /**
         * {@code inject-allowed-pools} and the service's Ceph client: the RBD pools whose images may be injected and
         * may receive config drives ({@code POST /instances/{uuid}/config-drive}), and how the service reaches them.
         * Not given (the default): {@code rbd:} images are refused (403).
         */
        public Builder injectRbd(RbdInjectSettings settings) {
            this.injectRbd = Optional.of(settings);
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
    public void setup(HttpRouting.Builder routing) {
        errors.register(routing);
        routing.addFilter(authentication)
                .register(MOUNT_PATH, this::routing);
    }

    /** Below {@link Weighted#DEFAULT_WEIGHT}: set up after the routing's own filters (see the class comment). */
    @Override
    public double weight() {
        return Weighted.DEFAULT_WEIGHT - 10;
    }

    private void routing(HttpRules rules) {
        for (Route r : routes) {
            rules.route(r.method(), r.path(), r.handler());
        }
        rules.any(this::noRoute);
    }

    /** Store operations of this API that failed because the database did (reads and writes). */
    @Override
    public long storeErrors() {
        return errors.storeErrors();
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
            throw new ApiError(404, "no_route", "no such resource: " + path);
        }
        res.header(HeaderNames.ALLOW, String.join(", ", allowed));
        throw new ApiError(405, "method_not_allowed", req.prologue().method().text()
                + " is not allowed here; allowed: " + String.join(", ", allowed));
    }

    private static boolean matches(String template, String path) {
        String regex = Pattern.quote(template).replaceAll("\\{[a-z_]+}", "\\\\E[^/]+\\\\Q");
        return path.matches(regex);
    }

    static void sendJson(ServerResponse res, JsonNode body) {
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        try {
            res.send(JSON.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The stored version the request names with {@code ?version=N}, else the latest. */
    private StoredInstance instanceFor(ServerRequest req) {
        UUID uuid = ApiRequest.uuidParam(req);
        OptionalLong version = ApiRequest.longQuery(req, "version", 1, Long.MAX_VALUE);
        return version.isPresent() ? store.instances().get(uuid, version.getAsLong()) : store.instances().get(uuid);
    }

    // ---- instances ----

    private void createInstance(ServerRequest req, ServerResponse res) {
        StoredInstance created = store.instances().create(ApiRequest.jsonBody(req), KEY_OWNER);
        res.status(Status.CREATED_201);
        String base = req.path().absolute().rawPath();
        res.header(HeaderNames.LOCATION, (base.endsWith("/") ? base : base + "/") + created.uuid());
        sendInstance(res, created);
    }

    private void getInstance(ServerRequest req, ServerResponse res) {
        sendInstance(res, instanceFor(req));
    }

    private void updateInstance(ServerRequest req, ServerResponse res) {
        UUID uuid = ApiRequest.uuidParam(req);
        long expected = ApiRequest.ifMatch(req).orElseThrow(() -> new ApiError(428, "precondition_required",
                "PUT needs If-Match: <version> (the version the change was made from; see the ETag of GET)",
                "If-Match", null, null));
        byte[] body = ApiRequest.jsonBody(req);
        sendInstance(res, store.instances().update(uuid, expected, body, KEY_OWNER));
    }

    private void deleteInstance(ServerRequest req, ServerResponse res) {
        UUID uuid = ApiRequest.uuidParam(req);
        OptionalLong expected = ApiRequest.ifMatch(req);
        if (expected.isPresent()) {
            store.instances().delete(uuid, expected.getAsLong());
        } else {
            store.instances().delete(uuid);
        }
        res.status(Status.NO_CONTENT_204);
        res.send();
    }

    private void listInstances(ServerRequest req, ServerResponse res) {
        int limit = (int) ApiRequest.longQuery(req, "limit", 1, PageRequest.MAX_LIMIT)
                .orElse(PageRequest.DEFAULT_LIMIT);
        Optional<String> cursor = ApiRequest.query(req, "cursor").filter(c -> !c.isEmpty());
        Optional<String> project = ApiRequest.query(req, "project_id").filter(c -> !c.isEmpty());
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
        o.put("password", store.passwords().get(ApiRequest.uuidParam(req)).orElse(""));
        sendJson(res, o);
    }

    private void clearPassword(ServerRequest req, ServerResponse res) {
        store.passwords().clear(ApiRequest.uuidParam(req));
        res.status(Status.NO_CONTENT_204);
        res.send();
    }

    // ---- key pairs ----

    private static final Set<String> KEY_PAIR_FIELDS = new LinkedHashSet<>(List.of("name", "public_key", "type"));

    private void createKeyPair(ServerRequest req, ServerResponse res) {
        ObjectNode body = ApiRequest.objectBody(req, KEY_PAIR_FIELDS);
        String name = ApiRequest.text(body, "name", true);
        String publicKey = ApiRequest.text(body, "public_key", true);
        String type = Optional.ofNullable(ApiRequest.text(body, "type", false)).orElse("ssh");
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

    private void writeConfigDrive(ServerRequest req, ServerResponse res) {
        configDrive.write(req, res, () -> instanceFor(req));
    }

    private void libvirtXml(ServerRequest req, ServerResponse res) {
        configDrive.sendLibvirtXml(req, res, instanceFor(req));
    }

    private void inject(ServerRequest req, ServerResponse res) {
        inject.handle(req, res, () -> instanceFor(req));
    }
}
