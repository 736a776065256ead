package io.guestdata.cli;

import io.guestdata.server.metadata.ConnectionLimits;
import io.guestdata.server.metadata.HostPort;
import io.guestdata.server.metadata.OpenFileLimit;
import io.guestdata.server.metadata.RefusedSetting;
import io.guestdata.server.metadata.RequestRate;
import io.guestdata.server.proxy.MetadataProxy;
import io.guestdata.server.proxy.MetadataProxyConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code guestdata proxy}: the metadata proxy beside the guests (Neutron's metadata proxy). */
@Command(name = "proxy", mixinStandardHelpOptions = true,
        description = {"Run the metadata proxy beside the guests, as Neutron's: answer at the metadata address, find "
                + "the instance owning the guest's source address in the mapping, and forward to a metadata service "
                + "node in proxy mode with signed X-Instance-ID, X-Tenant-ID, X-Instance-ID-Signature and "
                + "X-Forwarded-For (the guest's own identity headers are removed). Unknown guests get 404.",
                "Runs until stopped (SIGTERM/SIGINT)."})
final class ProxyCommand implements Callable<Integer> {
    /** Where Nova's guests look for the metadata service. */
    static final String DEFAULT_LISTEN = "169.254.169.254:80";

    @Spec
    CommandSpec spec;

    @Option(names = "--listen", paramLabel = "HOST:PORT", split = ",",
            description = "Where guests reach the metadata service (default: 169.254.169.254:80); repeat for several, "
                    + "e.g. --listen 169.254.169.254:80 --listen '[fe80::a9fe:a9fe%%tap0]:80' (a link-local address "
                    + "names its interface).")
    List<String> listen = new ArrayList<>();

    @Option(names = "--upstream", paramLabel = "HOST:PORT", required = true,
            description = "A metadata service node (guestdata's service in proxy mode, or Nova's); repeat for "
                    + "several: round robin, failover on connect error.")
    List<String> upstreams = new ArrayList<>();

    @Option(names = "--mapping-file", paramLabel = "FILE",
            description = "ADDRESS=UUID[:PROJECT] lines (# comments); re-read when it changes.")
    Path mappingFile;

    @Option(names = "--map", paramLabel = "ADDRESS=UUID[:PROJECT]",
            description = "A mapping entry; repeatable; wins over the file's entry for the same address.")
    List<String> maps = new ArrayList<>();

    @Option(names = "--secret-file", paramLabel = "FILE",
            description = "File holding the shared secret (metadata_proxy_shared_secret); one trailing newline is "
                    + "ignored. Else the environment variable GUESTDATA_PROXY_SECRET; else empty (warned).")
    Path secretFile;

    @Option(names = "--reload-interval", paramLabel = "SECONDS", defaultValue = "2",
            description = "How often the mapping file is checked for changes (default: ${DEFAULT-VALUE}).")
    double reloadSeconds;

    @Option(names = "--connect-timeout", paramLabel = "SECONDS", defaultValue = "2",
            description = "Connecting to a node; then the next node is tried (default: ${DEFAULT-VALUE}).")
    double connectSeconds;

    // Below cloud-init's 10 s per-request timeout (a timed-out node is not retried), so a GET caught on a paused node
    // is answered by the next node before the guest gives up: its first GET /openstack gets one try (docs/proxy.md,
    // "Failures during a boot storm"; BootStormFaultTest). The default is MetadataProxyConfig's, which says why.
    @Option(names = "--read-timeout", paramLabel = "SECONDS",
            defaultValue = "" + MetadataProxyConfig.DEFAULT_READ_TIMEOUT_SECONDS,
            description = "Waiting for a node's answer; then a GET or HEAD goes to the next node (default: "
                    + "${DEFAULT-VALUE}, below cloud-init's 10 s).")
    double readSeconds;

    @Option(names = "--down-for", paramLabel = "SECONDS", defaultValue = "5",
            description = "How long a node that refused a connection is tried last (default: ${DEFAULT-VALUE}).")
    double downSeconds;

    @Option(names = "--metrics-listen", paramLabel = "HOST:PORT",
            description = "Where /healthz and /metrics are answered (default: nowhere). Never where guests reach it.")
    String metricsListen;

    /** The former name of {@code --metrics-listen}, accepted with a note (as serve's {@code management-listen}). */
    @Option(names = "--management-listen", paramLabel = "HOST:PORT", hidden = true)
    String formerMetricsListen;

    @Option(names = "--max-connections", paramLabel = "N", defaultValue = "10000",
            description = "Connections of each guest listener (default: ${DEFAULT-VALUE}, lowered to what the open-file "
                    + "limit allows at two descriptors a connection; a larger N than fits is refused).")
    int maxConnections;

    @Option(names = "--max-connections-per-source", paramLabel = "N", defaultValue = "64",
            description = "Connections from one guest address; more are closed at once (default: ${DEFAULT-VALUE}).")
    int maxConnectionsPerSource;

    @Option(names = "--first-request-timeout", paramLabel = "SECONDS", defaultValue = "5",
            description = "A new connection without a complete request head by then is closed "
                    + "(default: ${DEFAULT-VALUE}).")
    double firstRequestSeconds;

    @Option(names = "--idle-timeout", paramLabel = "SECONDS", defaultValue = "15",
            description = "A kept-alive connection idle this long is closed (default: ${DEFAULT-VALUE}).")
    double idleSeconds;

    @Option(names = "--request-rate", paramLabel = "N|off", defaultValue = "" + RequestRate.DEFAULT_PER_SECOND,
            description = "Requests a second per guest, sustained; more are answered 429 with Retry-After; 0 or off: "
                    + "no limit (default: ${DEFAULT-VALUE}).")
    String requestRate;

    @Option(names = "--request-burst", paramLabel = "N", defaultValue = "" + RequestRate.DEFAULT_BURST,
            description = "Requests a guest may send at once before --request-rate applies (default: ${DEFAULT-VALUE}).")
    String requestBurst;

    private final java.util.Map<String, String> environment;

    ProxyCommand() {
        this(System.getenv());
    }

    ProxyCommand(java.util.Map<String, String> environment) {
        this.environment = environment;
    }

    @Override
    public Integer call() throws CommandFailure {
        MetadataProxyConfig config = config();
        if (formerMetricsListen != null) {
            spec.commandLine().getErr().println("guestdata proxy: note: --management-listen is now --metrics-listen "
                    + "(the old name still works; please update the configuration)");
        }
        MetadataProxy proxy;
        try {
            proxy = MetadataProxy.start(config);
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            throw new CommandFailure(ExitCode.INPUT, "proxy: " + e.getMessage());
        }
        spec.commandLine().getErr().println("guestdata proxy: listening on " + config.listen() + " (ports "
                + proxy.ports().stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(", "))
                + "), service nodes " + String.join(", ", upstreams)
                + (proxy.managementPort() < 0 ? "" : ", management port " + proxy.managementPort()));
        spec.commandLine().getErr().flush();
        Thread hook = new Thread(proxy::close);
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            Thread.currentThread().join(); // until the process is stopped (or, in-process, the thread interrupted)
        } catch (InterruptedException e) {
            Runtime.getRuntime().removeShutdownHook(hook);
            proxy.close();
        }
        return ExitCode.OK;
    }

    /** The proxy's settings from the options; usage errors are {@link CommandFailure}s with exit code 2. */
    MetadataProxyConfig config() throws CommandFailure {
        try {
            MetadataProxyConfig.Builder b = MetadataProxyConfig.builder()
                    .listen(listenAddresses())
                    .sharedSecret(secret())
                    .mappingFile(mappingFile)
                    .reloadInterval(seconds(reloadSeconds))
                    .connectTimeout(seconds(connectSeconds))
                    .readTimeout(seconds(readSeconds))
                    .downFor(seconds(downSeconds))
                    .connections(connectionLimits())
                    .requestRate(requestRate());
            if (metricsListen != null && formerMetricsListen != null) {
                throw new CommandFailure(ExitCode.USAGE, "proxy: --management-listen is the former name of "
                        + "--metrics-listen; give only one of them");
            }
            if (formerMetricsListen != null) {
                b.management(hostPort("--management-listen", formerMetricsListen));
            } else if (metricsListen != null) {
                b.management(hostPort("--metrics-listen", metricsListen));
            }
            for (String u : upstreams) {
                b.upstream(hostPort("--upstream", u));
            }
            maps.forEach(b::map);
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(ExitCode.USAGE, "proxy: " + e.getMessage());
        }
    }

    private ConnectionLimits connectionLimits() {
        return connectionLimits(OpenFileLimit.ofThisProcess());
    }

    /**
     * The guest listeners' limits for a process that may open {@code openFiles} files: a connection holds two (the
     * guest's and one to a node), {@link OpenFileLimit}; the default {@code --max-connections} is lowered to fit, a
     * given one that does not fit is refused.
     */
    ConnectionLimits connectionLimits(long openFiles) {
        if (maxConnections < 1 || maxConnectionsPerSource < 1) {
            throw new IllegalArgumentException("--max-connections and --max-connections-per-source must be at least 1, got "
                    + maxConnections + " and " + maxConnectionsPerSource);
        }
        int listeners = Math.max(1, listen.size());
        int max = maxConnections;
        boolean given = spec != null && spec.commandLine().getParseResult() != null
                && spec.commandLine().getParseResult().hasMatchedOption("--max-connections");
        if (!given) {
            max = Math.min(max, OpenFileLimit.fitting(openFiles, listeners, 2));
        } else {
            OpenFileLimit.excess(max, openFiles, listeners, 2).ifPresent(excess -> {
                throw new IllegalArgumentException("--max-connections: " + excess);
            });
        }
        if (maxConnectionsPerSource >= max) {
            throw new IllegalArgumentException("--max-connections-per-source (" + maxConnectionsPerSource
                    + ") must be below --max-connections (" + max + "): one guest could take every connection");
        }
        return ConnectionLimits.defaults().withMaxConnections(max).withMaxPerSource(maxConnectionsPerSource)
                .withFirstRequestTimeout(seconds(firstRequestSeconds)).withIdleTimeout(seconds(idleSeconds));
    }

    /** {@code --request-rate} and {@code --request-burst}, read as {@code guestdata serve} reads its settings. */
    private RequestRate requestRate() {
        try {
            return RequestRate.parse(requestRate, requestBurst);
        } catch (RefusedSetting e) {
            throw new IllegalArgumentException((e.setting() == RefusedSetting.Setting.REQUEST_RATE ? "--request-rate "
                    : "--request-burst ") + e.getMessage());
        }
    }

    private String secret() throws CommandFailure {
        if (secretFile != null) {
            try {
                String s = Files.readString(secretFile, StandardCharsets.UTF_8);
                return s.endsWith("\r\n") ? s.substring(0, s.length() - 2) : s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
            } catch (IOException e) {
                throw new CommandFailure(ExitCode.INPUT, "proxy: cannot read " + secretFile + ": " + e);
            }
        }
        return environment.getOrDefault("GUESTDATA_PROXY_SECRET", "");
    }

    private List<InetSocketAddress> listenAddresses() {
        List<InetSocketAddress> out = new ArrayList<>();
        for (String text : listen.isEmpty() ? List.of(DEFAULT_LISTEN) : listen) {
            out.add(hostPort("--listen", text));
        }
        return out;
    }

    /** {@link HostPort#parse}, the message naming the flag. */
    private static InetSocketAddress hostPort(String flag, String text) {
        try {
            return HostPort.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(flag + " " + text + ": " + e.getMessage());
        }
    }

    private static Duration seconds(double s) {
        if (!(s > 0)) {
            throw new IllegalArgumentException("durations must be positive seconds, got " + s);
        }
        return Duration.ofMillis(Math.max(1, Math.round(s * 1000)));
    }
}
