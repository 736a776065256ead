package io.guestdata.server.metadata.dev;

import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.core.metadata.NovaRelease;
import io.guestdata.server.metadata.ConnectionLimits;
import io.guestdata.server.metadata.HostPort;
import io.guestdata.server.metadata.IdentificationMode;
import io.guestdata.server.metadata.MetadataServer;
import io.guestdata.server.metadata.MetadataServerConfig;
import io.guestdata.server.metadata.RefusedSetting;
import io.guestdata.server.metadata.RequestRate;
import io.guestdata.server.metadata.TokenPolicy;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The development server: a {@link MetadataServer} over a directory of instance documents, without a store
 * (passwords are kept in memory). Production runs {@code guestdata serve}.
 * {@code java -cp ... io.guestdata.server.metadata.dev.MetadataServerMain --instances DIR [--listen HOST:PORT]
 * [--management HOST:PORT|none] [--mode address|proxy|provider] [--secret S] [--trust-proxy CIDR]...
 * [--tokens off|optional|required] [--vendordata-target NAME@URL]... [--max-connections N]
 * [--max-connections-per-source N] [--request-rate N|off] [--request-burst N]}
 */
public final class MetadataServerMain {
    private MetadataServerMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        MetadataServerConfig.Builder config = MetadataServerConfig.builder();
        Path instances = null;
        List<String> targets = new ArrayList<>();
        String dhcpDomain = "novalocal";
        NovaRelease release = NovaRelease.DEFAULT;
        ConnectionLimits connections = ConnectionLimits.defaults();
        String rate = Integer.toString(RequestRate.DEFAULT_PER_SECOND);
        String burst = Integer.toString(RequestRate.DEFAULT_BURST);
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            String value = i + 1 < args.length ? args[i + 1] : null;
            if (value == null) {
                usage("missing value after " + option);
            }
            i++;
            switch (option) {
                case "--instances" -> instances = Path.of(value);
                case "--listen" -> config.listen(hostPort(option, value));
                case "--management" -> {
                    if (value.equals("none")) {
                        config.noManagement();
                    } else {
                        config.management(hostPort(option, value));
                    }
                }
                case "--mode" -> config.mode(IdentificationMode.parse(value));
                case "--secret" -> config.sharedSecret(value);
                case "--trust-proxy" -> config.trustProxy(value);
                case "--tokens" -> config.tokens(TokenPolicy.valueOf(value.toUpperCase(java.util.Locale.ROOT)));
                case "--vendordata-target" -> targets.add(value);
                case "--vendordata-timeouts" -> {
                    String[] parts = value.split(",");
                    config.vendorDataTimeouts(Duration.ofMillis((long) (Double.parseDouble(parts[0]) * 1000)),
                            Duration.ofMillis((long) (Double.parseDouble(parts[1]) * 1000)));
                }
                case "--dhcp-domain" -> dhcpDomain = value;
                case "--nova-release" -> release = novaRelease(value);
                case "--max-connections" -> connections = connections.withMaxConnections(Integer.parseInt(value));
                case "--max-connections-per-source" ->
                        connections = connections.withMaxPerSource(Integer.parseInt(value));
                case "--request-rate" -> rate = value;
                case "--request-burst" -> burst = value;
                default -> usage("unknown option " + option);
            }
        }
        if (instances == null) {
            usage("--instances DIR is required");
        }
        MetadataOptions options = MetadataOptions.defaults().withDhcpDomain(dhcpDomain).withNovaRelease(release);
        config.metadata(options).vendorDataTargets(targets).connections(connections);
        try {
            config.requestRate(RequestRate.parse(rate, burst));
        } catch (RefusedSetting e) {
            usage((e.setting() == RefusedSetting.Setting.REQUEST_RATE ? "--request-rate " : "--request-burst ")
                    + e.getMessage());
        }
        InMemoryInstanceDirectory directory = InstanceDocuments.load(instances, options);
        MetadataServer server = MetadataServer.start(config.build(), directory, new InMemoryPasswordStore());
        System.err.println("guestdata metadata service: " + directory.size() + " instances, port " + server.port()
                + (server.managementPort() > 0 ? ", management port " + server.managementPort() : ""));
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        Thread.currentThread().join();
    }

    /** {@link HostPort#parse}; a refusal is a usage error naming the flag, as serve and proxy name theirs. */
    private static InetSocketAddress hostPort(String option, String value) {
        try {
            return HostPort.parse(value);
        } catch (IllegalArgumentException e) {
            usage(option + " " + value + ": " + e.getMessage());
            throw e; // not reached: usage exits
        }
    }

    private static NovaRelease novaRelease(String value) {
        try {
            return NovaRelease.parse(value);
        } catch (IllegalArgumentException e) {
            usage("--nova-release " + e.getMessage());
            throw e; // not reached: usage exits
        }
    }

    private static void usage(String problem) {
        System.err.println("MetadataServerMain: " + problem);
        System.err.println("usage: MetadataServerMain --instances DIR [--listen HOST:PORT] [--management HOST:PORT|none] "
                + "[--mode address|proxy|provider] [--secret S] [--trust-proxy CIDR]... [--tokens off|optional|required] "
                + "[--vendordata-target NAME@URL]... [--vendordata-timeouts CONNECT,READ] [--dhcp-domain D] "
                + "[--nova-release 26|31] [--max-connections N] [--max-connections-per-source N] [--request-rate N|off] "
                + "[--request-burst N]");
        System.exit(2);
    }
}
