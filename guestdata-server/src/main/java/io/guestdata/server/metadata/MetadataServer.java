package io.guestdata.server.metadata;

import io.guestdata.core.metadata.DynamicVendorData;
import io.helidon.http.DirectHandler;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.ListenerConfig;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.DirectHandlers;
import io.helidon.webserver.http.HttpRouting;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Clock;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The metadata service, running: a Helidon SE 4 web server with the guest-facing listener
 * ({@link MetadataService}) and, optionally, the management listener ({@link HealthAndMetrics}) and the API
 * listener (the {@link ApiListener}'s features: the management API). The guest listener's connections are limited per source address and
 * must send their request heads in time ({@link ConnectionGuard}), and HTTP/1.0 clients are answered there as
 * Nova answers them ({@link Http10Clients}; the other listeners speak HTTP/1.1 only); each instance may send
 * requests at its {@link RequestRate} ({@link TokenBuckets}, checked by {@link MetadataService}); every listener closes a
 * connection whose request asked for it ({@link ConnectionTearDown}). {@code guestdata serve} starts one with {@link #start};
 * {@link io.guestdata.server.metadata.dev.MetadataServerMain} is the development entry point.
 */
public final class MetadataServer implements AutoCloseable {
    static final String MANAGEMENT_SOCKET = "management";
    static final String API_SOCKET = "api";
    private static final System.Logger LOG = System.getLogger(MetadataServer.class.getName());

    private final WebServer server;
    private final GuestListeners listeners;
    private final ServiceMetrics metrics;
    private final ConnectionGuard guard;
    private final TokenBuckets rateLimit;
    private final boolean management;
    private final boolean api;
    private final ScheduledExecutorService timer;

    private MetadataServer(WebServer server, GuestListeners listeners, ServiceMetrics metrics, ConnectionGuard guard,
                           TokenBuckets rateLimit,
                           boolean management, boolean api, ScheduledExecutorService timer) {
        this.server = server;
        this.listeners = listeners;
        this.metrics = metrics;
        this.guard = guard;
        this.rateLimit = rateLimit;
        this.management = management;
        this.api = api;
        this.timer = timer;
    }

    /**
     * Starts serving; returns once both listeners accept connections.
     *
     * @throws IllegalArgumentException for a configuration that cannot work (e.g. an unreadable CA bundle)
     */
    public static MetadataServer start(MetadataServerConfig config, InstanceDirectory directory, PasswordStore passwords) {
        return start(config, directory, passwords, Optional.empty());
    }

    /**
     * As {@link #start(MetadataServerConfig, InstanceDirectory, PasswordStore)}, with the operator-facing API
     * listener as well (its own socket, so guests that can reach the metadata listener cannot reach it).
     */
    public static MetadataServer start(MetadataServerConfig config, InstanceDirectory directory, PasswordStore passwords,
                                       Optional<ApiListener> apiListener) {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(passwords, "passwords");
        ServiceMetrics metrics = new ServiceMetrics();
        DynamicVendorData dynamic = dynamicVendorData(config, metrics);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "guestdata-metadata-connection-deadlines");
            t.setDaemon(true);
            return t;
        });
        TokenBuckets rateLimit = new TokenBuckets(config.requestRate(), "metadata listener", timer);
        MetadataService service = new MetadataService(config.mode(), identification(config, directory), passwords,
                config.tokens(), new MetadataTokens(tokenKey(config), Clock.systemUTC(), new SecureRandom()), dynamic,
                metrics, rateLimit);
        ConnectionGuard guard = new ConnectionGuard(config.limits().connections(), "metadata listener", timer);
        DirectHandlers webOb = webObAnswers(metrics);
        ConnectionTearDown tearDown = new ConnectionTearDown();
        WebServerConfig.Builder builder = WebServer.builder()
                .featuresDiscoverServices(false)
                .shutdownHook(false);
        config.listen().configure(builder, socket -> guestSocket(socket, config.limits(), guard, webOb, tearDown,
                service));
        LongSupplier storeErrors = () -> directory.storeErrors() + passwords.storeErrors()
                + apiListener.map(ApiListener::storeErrors).orElse(0L);
        HealthAndMetrics health = new HealthAndMetrics(directory, metrics, guard, rateLimit, storeErrors);
        config.management().ifPresent(address -> builder.putSocket(MANAGEMENT_SOCKET, socket -> socket
                .address(address.getAddress())
                .port(address.getPort())
                .directHandlers(webOb)
                .routing(routing -> routing.addFilter(tearDown).register(health))));
        apiListener.ifPresent(listener -> builder.putSocket(API_SOCKET, socket -> socket
                .address(listener.address().getAddress())
                .port(listener.address().getPort())
                .routing(routing -> {
                    routing.addFilter(tearDown);
                    listener.features().forEach(feature -> routing.addFeature(feature));
                })));
        WebServer server = started(builder, config, apiListener, timer);
        return new MetadataServer(server, config.listen(), metrics, guard, rateLimit, config.management().isPresent(),
                apiListener.isPresent(), timer);
    }

    /** How guests are identified in the configured mode. */
    private static Identification.Strategy identification(MetadataServerConfig config, InstanceDirectory directory) {
        if (config.mode() == IdentificationMode.PROXY && config.sharedSecret().isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "proxy mode without a shared secret: the signature is the HMAC "
                    + "with an empty key, which anyone can compute; the metadata cannot be trusted");
        }
        ProxySignature signature = new ProxySignature(config.sharedSecret());
        return switch (config.mode()) {
            case ADDRESS -> new AddressIdentification(directory, new TrustedProxies(config.trustedProxies()));
            case PROXY -> new InstanceIdIdentification(directory, signature);
            case PROVIDER -> new ProviderIdentification(directory, signature);
        };
    }

    /** The dynamic vendor data client, or null without targets. */
    private static DynamicVendorData dynamicVendorData(MetadataServerConfig config, ServiceMetrics metrics) {
        return config.vendorDataTargets().isEmpty() ? null
                : new DynamicVendorDataClient(config.vendorDataTargets(), config.vendorDataConnectTimeout(),
                config.vendorDataReadTimeout(), config.vendorDataFailureFatal(),
                config.vendorDataCaBundle().map(MetadataServer::trusting).orElse(null), metrics);
    }

    /** The key IMDS session tokens are signed with: the configured one, else 32 random bytes. */
    private static byte[] tokenKey(MetadataServerConfig config) {
        return config.tokenKey().orElseGet(() -> {
            byte[] k = new byte[32];
            new SecureRandom().nextBytes(k);
            return k;
        });
    }

    /** Helidon's own answers (bad request line, too large, …) in WebOb's words, for every event type. */
    private static DirectHandlers webObAnswers(ServiceMetrics metrics) {
        DirectHandler errors = new WebObDirectHandler(metrics);
        DirectHandlers.Builder handlers = DirectHandlers.builder();
        for (DirectHandler.EventType type : DirectHandler.EventType.values()) {
            handlers.addHandler(type, errors);
        }
        return handlers.build();
    }

    /** One guest-facing socket: its limits, its routing (tear-down, Host, the metadata service) and its guard. */
    private static void guestSocket(ListenerConfig.BuilderBase<?, ?> socket, MetadataServerConfig.RequestLimits limits,
                                    ConnectionGuard guard, DirectHandlers webOb, ConnectionTearDown tearDown,
                                    MetadataService service) {
        socket
                // Only the guarded HTTP/1.1 selector (ConnectionGuard.configure). With the discovered default
                // protocol as well, Helidon has two candidates and waits for the first bytes before creating the
                // connection, outside every timeout: a client that connects and sends nothing would be held
                // forever.
                .protocolsDiscoverServices(false)
                .maxPayloadSize(limits.maxBodyBytes())
                .directHandlers(webOb)
                .routing(HttpRouting.builder().addFilter(tearDown).addFilter(new HostRequired()).any(service));
        guard.configure(socket, GuestListeners.http1()
                .maxPrologueLength(limits.maxRequestLineBytes())
                .maxHeadersSize(limits.maxHeaderBytes())
                // Nova's WSGI server takes any request target; Helidon's URI validation would refuse
                // some Nova answers ("///" is the version list there). RequestPath decodes and checks.
                .validatePath(false)
                .validatePrologue(false));
    }

    /** Builds and starts the server; stops it (and the timer) if a listener did not come up. */
    private static WebServer started(WebServerConfig.Builder builder, MetadataServerConfig config,
                                     Optional<ApiListener> apiListener, ScheduledExecutorService timer) {
        WebServer server;
        try {
            server = builder.build().start();
        } catch (RuntimeException e) {
            timer.shutdownNow();
            throw e;
        }
        Map<String, InetSocketAddress> others = new LinkedHashMap<>();
        config.management().ifPresent(address -> others.put(MANAGEMENT_SOCKET, address));
        apiListener.ifPresent(listener -> others.put(API_SOCKET, listener.address()));
        Optional<String> failure = config.listen().startFailure(server, others);
        if (failure.isPresent()) {
            server.stop();
            timer.shutdownNow();
            throw new IllegalStateException(failure.get());
        }
        return server;
    }

    /** The guest-facing port (the configured one, or the one chosen for port 0) of the first listen address. */
    public int port() {
        return server.port();
    }

    /** The guest-facing ports, one per listen address in the configured order. */
    public List<Integer> ports() {
        return listeners.ports(server);
    }

    /** The management port; -1 without a management listener. */
    public int managementPort() {
        return management ? server.port(MANAGEMENT_SOCKET) : -1;
    }

    /** The API listener's port; -1 without one. */
    public int apiPort() {
        return api ? server.port(API_SOCKET) : -1;
    }

    public ServiceMetrics metrics() {
        return metrics;
    }

    /** The guest listener's connection limits, with their counters. */
    public ConnectionGuard connections() {
        return guard;
    }

    /** The guest listener's request rate limit per instance, with its counters. */
    public TokenBuckets rateLimit() {
        return rateLimit;
    }

    @Override
    public void close() {
        server.stop();
        timer.shutdownNow();
    }

    /** An SSL context trusting exactly the PEM certificates in {@code bundle}. */
    private static SSLContext trusting(Path bundle) {
        try (InputStream in = Files.newInputStream(bundle)) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca-" + i++, certificate);
            }
            if (i == 0) {
                throw new IllegalArgumentException("vendor data CA bundle " + bundle + " has no certificate");
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read vendor data CA bundle " + bundle, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("vendor data CA bundle " + bundle + ": " + e.getMessage(), e);
        }
    }
}
