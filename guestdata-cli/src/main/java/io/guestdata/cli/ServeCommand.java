package io.guestdata.cli;

import io.guestdata.server.metadata.HostPort;
import io.guestdata.server.metadata.MetadataServerConfig;
import io.guestdata.server.metadata.StoreInstanceDirectory;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code guestdata serve}: the metadata service (and the management API's listener) on the store. */
@Command(name = "serve",
        description = {"Runs the metadata service on the store (SQLite in --data-dir, or PostgreSQL for several nodes).",
                "Settings: flags > GUESTDATA_* environment variables > the --config YAML file > defaults "
                        + "(docs/serve.md lists every key). Secrets (shared-secret, api-token) are read from files "
                        + "or the environment, never from flags. Stops cleanly on SIGTERM and SIGINT."},
        mixinStandardHelpOptions = true,
        footerHeading = "%nExit codes:%n",
        footer = {"  0  stopped by SIGTERM/SIGINT (or --check-config: the configuration is valid)",
                " 13  the configuration is invalid (the message names the key and its source)",
                " 14  the store cannot be opened or a listener cannot bind"})
final class ServeCommand implements Callable<Integer> {
    // Flyway reports every open at INFO, Helidon every listener and feature: one start line is ours.
    // Strong references: java.util.logging holds loggers weakly, and would forget the levels.
    private static final List<Logger> QUIETED = new ArrayList<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML file of settings (also GUESTDATA_CONFIG)")
    Path config;
    @Option(names = "--data-dir", paramLabel = "DIR", description = "data directory of the default SQLite store (default ./guestdata-data)")
    String dataDir;
    @Option(names = "--store", paramLabel = "URL", description = "sqlite:DIR-or-FILE or jdbc:postgresql://… (default sqlite:<data-dir>)")
    String store;
    @Option(names = "--listen", paramLabel = "HOST:PORT", split = ",",
            description = "metadata listener (default 127.0.0.1:8775); repeat for several, e.g. the IPv4 and "
                    + "'[fe80::a9fe:a9fe%tap0]:80'")
    List<String> listen;
    @Option(names = "--api-listen", paramLabel = "HOST:PORT|none", description = "management API listener (default 127.0.0.1:8774)")
    String apiListen;
    @Option(names = "--management-listen", paramLabel = "HOST:PORT|none", description = "health and metrics listener (default 127.0.0.1:9775)")
    String managementListen;
    @Option(names = "--mode", paramLabel = "address|proxy|provider", description = "identification mode (default address)")
    String mode;
    @Option(names = "--shared-secret-file", paramLabel = "FILE", description = "the proxy's shared secret")
    String sharedSecretFile;
    @Option(names = "--trusted-proxies", paramLabel = "CIDR", split = ",", description = "peers whose X-Forwarded-For is believed (address mode)")
    List<String> trustedProxies;
    @Option(names = "--max-connections", paramLabel = "N", description = "connections of the metadata listener (default 10000)")
    String maxConnections;
    @Option(names = "--max-connections-per-source", paramLabel = "N",
            description = "connections from one source address; more are closed at once (default 64)")
    String maxConnectionsPerSource;
    @Option(names = "--first-request-timeout", paramLabel = "SECONDS",
            description = "a new connection without a complete request head by then is closed (default 5)")
    String firstRequestTimeout;
    @Option(names = "--idle-timeout", paramLabel = "SECONDS", description = "a kept-alive connection idle this long is closed (default 15)")
    String idleTimeout;
    @Option(names = "--request-rate", paramLabel = "N|off",
            description = "requests a second per instance (per client address until identified), sustained; more "
                    + "are answered 429 with Retry-After; 0 or off: no limit (default 20)")
    String requestRate;
    @Option(names = "--request-burst", paramLabel = "N",
            description = "requests an instance may send at once before request-rate applies (default 300)")
    String requestBurst;
    @Option(names = "--imds-tokens", paramLabel = "off|optional|required", description = "IMDSv2 policy (default optional)")
    String imdsTokens;
    @Option(names = "--imds-token-key-file", paramLabel = "FILE", description = "IMDSv2 token key, >= 32 bytes, the same on every node")
    String imdsTokenKeyFile;
    @Option(names = "--dhcp-domain", paramLabel = "DOMAIN", description = "appended to hostnames (default novalocal)")
    String dhcpDomain;
    @Option(names = "--vendor-data-file", paramLabel = "FILE", description = "static vendor data (a JSON object)")
    String vendorDataFile;
    @Option(names = "--vendor-data-targets", paramLabel = "NAME@URL", split = ",", description = "dynamic vendor data targets")
    List<String> vendorDataTargets;
    @Option(names = "--vendor-data-connect-timeout", paramLabel = "SECONDS")
    String vendorDataConnectTimeout;
    @Option(names = "--vendor-data-read-timeout", paramLabel = "SECONDS")
    String vendorDataReadTimeout;
    @Option(names = "--serve-injected-files", paramLabel = "true|false",
            description = "list injected files in meta_data.json and serve them at /openstack/content/NNNN "
                    + "(default true; false: exactly Nova's service)")
    String serveInjectedFiles;
    @Option(names = "--vendor-data-failure-fatal", paramLabel = "true|false")
    String vendorDataFailureFatal;
    @Option(names = "--vendor-data-ca-file", paramLabel = "FILE")
    String vendorDataCaFile;
    @Option(names = "--api-token-file", paramLabel = "FILE", description = "bearer token of the management API")
    String apiTokenFile;
    @Option(names = "--inject-allowed-dirs", paramLabel = "DIR", split = ",",
            description = "directories whose images the management API may inject into (default none: the inject "
                    + "endpoint answers 403)")
    List<String> injectAllowedDirs;
    @Option(names = "--inject-base-image-dirs", paramLabel = "DIR", split = ",",
            description = "directories below which the injected images' backing files may lie (Nova's _base; default"
                    + " none: an image that names a backing file is refused)")
    List<String> injectBaseImageDirs;
    @Option(names = "--inject-sandbox", paramLabel = "bwrap|off",
            description = "where libext2fs works on injected images: bwrap (default), worker processes isolated by "
                    + "bubblewrap; off: in the service's process (trusted images only)")
    String injectSandbox;
    @Option(names = "--inject-sandbox-pool", paramLabel = "N",
            description = "sandboxed workers kept started and warm for the next injections (default 1)")
    String injectSandboxPool;
    @Option(names = "--inject-undo-dir", paramLabel = "DIR",
            description = "where injections keep their undo journals while they write, so that an injection the service"
                    + " was killed in is rolled back by the next one into that image (default <data-dir>/undo)")
    String injectUndoDir;
    @Option(names = "--metadata-cache-entries", paramLabel = "N",
            description = "built metadata trees kept in memory; others are built from the store on request (default "
                    + StoreInstanceDirectory.DEFAULT_CACHE_ENTRIES + ")")
    String metadataCacheEntries;
    @Option(names = "--check-config", description = "print the effective settings and their sources, then exit")
    boolean checkConfig;

    private final Map<String, String> environment;

    ServeCommand(Map<String, String> environment) {
        this.environment = environment;
    }

    private Map<String, Object> flags() {
        Map<String, Object> flags = new LinkedHashMap<>();
        put(flags, "data-dir", dataDir);
        put(flags, "store", store);
        put(flags, "listen", listen == null ? null : List.copyOf(listen));
        put(flags, "api-listen", apiListen);
        put(flags, "management-listen", managementListen);
        put(flags, "mode", mode);
        put(flags, "shared-secret-file", sharedSecretFile);
        put(flags, "trusted-proxies", trustedProxies == null ? null : List.copyOf(trustedProxies));
        put(flags, "max-connections", maxConnections);
        put(flags, "max-connections-per-source", maxConnectionsPerSource);
        put(flags, "first-request-timeout", firstRequestTimeout);
        put(flags, "idle-timeout", idleTimeout);
        put(flags, "request-rate", requestRate);
        put(flags, "request-burst", requestBurst);
        put(flags, "imds-tokens", imdsTokens);
        put(flags, "imds-token-key-file", imdsTokenKeyFile);
        put(flags, "dhcp-domain", dhcpDomain);
        put(flags, "vendor-data-file", vendorDataFile);
        put(flags, "vendor-data-targets", vendorDataTargets == null ? null : List.copyOf(vendorDataTargets));
        put(flags, "vendor-data-connect-timeout", vendorDataConnectTimeout);
        put(flags, "vendor-data-read-timeout", vendorDataReadTimeout);
        put(flags, "vendor-data-failure-fatal", vendorDataFailureFatal);
        put(flags, "serve-injected-files", serveInjectedFiles);
        put(flags, "vendor-data-ca-file", vendorDataCaFile);
        put(flags, "api-token-file", apiTokenFile);
        put(flags, "inject-allowed-dirs", injectAllowedDirs == null ? null : List.copyOf(injectAllowedDirs));
        put(flags, "inject-base-image-dirs", injectBaseImageDirs == null ? null : List.copyOf(injectBaseImageDirs));
        put(flags, "inject-sandbox", injectSandbox);
        put(flags, "inject-sandbox-pool", injectSandboxPool);
        put(flags, "inject-undo-dir", injectUndoDir);
        put(flags, "metadata-cache-entries", metadataCacheEntries);
        return flags;
    }

    private static void put(Map<String, Object> flags, String key, Object value) {
        if (value != null) {
            flags.put(key, value);
        }
    }

    @Override
    public Integer call() throws CommandFailure, InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        ServeSettings settings;
        MetadataServerConfig serverConfig;
        Optional<ServeSettings.ApiSettings> api;
        String storeUrl;
        try {
            settings = ServeSettings.resolve(flags(), environment, Optional.ofNullable(config));
            storeUrl = settings.storeUrl();
            serverConfig = settings.serverConfig();
            api = settings.api();
        } catch (ServeSettings.ConfigError e) {
            throw new CommandFailure(ExitCode.CONFIG, "serve: " + e.getMessage());
        }
        if (checkConfig) {
            PrintWriter out = spec.commandLine().getOut();
            settings.describe().forEach(out::println);
            out.flush();
            return ExitCode.OK;
        }
        quietLogging();
        ServeService service;
        try {
            service = ServeService.start(storeUrl, serverConfig, api);
        } catch (ServeService.Unavailable e) {
            throw new CommandFailure(ExitCode.UNAVAILABLE, "serve: " + e.getMessage());
        } catch (ServeService.SandboxUnavailable e) {
            throw new CommandFailure(ExitCode.BACKEND, "serve: " + e.getMessage());
        }
        // SIGTERM and SIGINT end the wait below, so the service stops in order and the process exits 0 (with
        // only the JVM's default handling it would exit 143/130). The hook covers every other exit (SIGHUP, …).
        CountDownLatch stopRequested = new CountDownLatch(1);
        for (String signal : List.of("TERM", "INT")) {
            sun.misc.Signal.handle(new sun.misc.Signal(signal), s -> stopRequested.countDown());
        }
        Thread hook = new Thread(service::close, "guestdata-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        err.println(startLine(service, serverConfig, api, storeUrl));
        err.flush();
        stopRequested.await();
        service.close();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // already exiting
        }
        err.println("guestdata serve: stopped");
        err.flush();
        return ExitCode.OK;
    }

    static String startLine(ServeService service, MetadataServerConfig config, Optional<ServeSettings.ApiSettings> api,
                            String storeUrl) {
        var server = service.server();
        List<Integer> ports = server.ports();
        List<String> guests = new ArrayList<>();
        for (int i = 0; i < ports.size(); i++) {
            InetSocketAddress address = config.listen().addresses().get(i);
            guests.add(HostPort.format(new InetSocketAddress(address.getAddress(), ports.get(i))));
        }
        StringBuilder line = new StringBuilder("guestdata serve: metadata ")
                .append(String.join(", ", guests))
                .append(" (").append(config.mode().label()).append(" mode, IMDSv2 ")
                .append(config.tokens().name().toLowerCase(java.util.Locale.ROOT)).append(')');
        line.append(", api ").append(server.apiPort() < 0 ? "off"
                : HostPort.format(new InetSocketAddress(api.orElseThrow().address().getAddress(), server.apiPort())));
        line.append(", management ").append(server.managementPort() < 0 ? "off"
                : HostPort.format(new InetSocketAddress(config.management().orElseThrow().getAddress(), server.managementPort())));
        line.append(", store ").append(redactUrl(storeUrl))
                .append(", ").append(service.directory().size()).append(" instances");
        return line.toString();
    }

    /** The URL with any {@code password=} parameter value replaced by {@code ***}. */
    static String redactUrl(String url) {
        return url.replaceAll("(?i)([?&]password=)[^&]*", "$1***");
    }

    private static synchronized void quietLogging() {
        if (System.getProperty("java.util.logging.config.file") != null || !QUIETED.isEmpty()) {
            return; // the operator configured logging
        }
        for (String name : List.of("org.flywaydb", "io.helidon")) {
            Logger logger = Logger.getLogger(name);
            logger.setLevel(Level.WARNING);
            QUIETED.add(logger);
        }
    }
}
