package io.guestdata.cli;

import io.guestdata.server.metadata.HostPort;
import io.guestdata.server.metadata.MetadataServerConfig;
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
import picocli.CommandLine.Model.OptionSpec;
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

    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML file of settings (also GUESTDATA_CONFIG)")
    Path config;
    @Option(names = "--check-config", description = "print the effective settings and their sources, then exit")
    boolean checkConfig;

    private final Map<String, String> environment;

    ServeCommand(Map<String, String> environment) {
        this.environment = environment;
    }

    /**
     * picocli hands over the command's model as it builds it: every setting with a flag
     * ({@link ServeSetting#flag()}) becomes an option here, so a setting's name is written only in its table.
     */
    @CommandLine.Spec
    void spec(CommandLine.Model.CommandSpec spec) {
        this.spec = spec;
        for (ServeSetting setting : ServeSetting.values()) {
            if (setting.flag().isEmpty()) {
                continue;
            }
            OptionSpec.Builder option = OptionSpec.builder(setting.flag().get())
                    .paramLabel(setting.paramLabel())
                    .description(setting.help().replace("%", "%%")); // picocli formats descriptions
            if (setting.kind() == ServeSetting.Kind.LIST) {
                option.type(List.class).auxiliaryTypes(String.class).splitRegex(",");
            } else {
                option.type(String.class);
            }
            spec.addOption(option.build());
            if (setting.formerKey().isPresent()) {
                spec.addOption(OptionSpec.builder("--" + setting.formerKey().get()).paramLabel(setting.paramLabel())
                        .type(String.class).hidden(true).description("former name of " + setting.flag().get()).build());
            }
        }
    }

    /** The flags given: key → value (a String, or a List for list settings). */
    private Map<String, Object> flags(List<String> notes) throws CommandFailure {
        Map<String, Object> flags = new LinkedHashMap<>();
        for (ServeSetting setting : ServeSetting.values()) {
            Optional<String> flag = setting.flag();
            Object value = flag.isEmpty() ? null : spec.findOption(flag.get()).getValue();
            if (setting.formerKey().isPresent()) {
                String former = "--" + setting.formerKey().get();
                Object old = spec.findOption(former).getValue();
                if (old != null && value != null) {
                    throw new CommandFailure(ExitCode.USAGE, former + " is the former name of " + flag.orElseThrow()
                            + "; give only one of them");
                }
                if (old != null) {
                    notes.add(setting.renamedNote(former + " (" + flag.orElseThrow() + ")"));
                    value = old;
                }
            }
            if (value != null) {
                flags.put(setting.key(), value instanceof List<?> list ? List.copyOf(list) : value);
            }
        }
        return flags;
    }

    @Override
    public Integer call() throws CommandFailure, InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        ServeSettings settings;
        MetadataServerConfig serverConfig;
        Optional<ServeSettings.ApiSettings> api;
        String storeUrl;
        List<String> notes = new ArrayList<>();
        try {
            settings = ServeSettings.resolve(flags(notes), environment, Optional.ofNullable(config));
            notes.addAll(settings.notes());
            storeUrl = settings.storeUrl();
            serverConfig = settings.serverConfig();
            api = settings.api();
        } catch (ServeSettings.ConfigError e) {
            throw new CommandFailure(ExitCode.CONFIG, "serve: " + e.getMessage());
        }
        notes.forEach(note -> err.println("guestdata serve: " + note));
        err.flush();
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
