package io.guestdata.server.proxy;

import io.guestdata.server.metadata.ConnectionLimits;
import io.guestdata.server.metadata.GuestListeners;
import io.guestdata.server.metadata.RequestRate;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Settings of {@link MetadataProxy}.
 *
 * @param listen         where guests reach the metadata service: one or more addresses (e.g. 169.254.169.254:80 and
 *                       [fe80::a9fe:a9fe%tap0]:80 in a namespace, as Neutron's haproxy)
 * @param upstreams      the service nodes (plain HTTP, the service in proxy mode), at least one
 * @param sharedSecret   Neutron's {@code metadata_proxy_shared_secret}: the service's {@code sharedSecret}
 * @param mappingFile    the {@code ADDRESS=UUID[:PROJECT]} file, re-read when it changes; empty for none
 * @param mappings       entries given directly (the command line's {@code --map}); they win over the file's
 * @param reloadInterval how often the mapping file is checked for a change
 * @param connectTimeout connecting to a node; a node that cannot be connected to is failed over
 * @param readTimeout    waiting for a node's answer (between bytes)
 * @param downFor        how long a node that refused a connection is tried only after the others
 * @param maxRequestBodyBytes the largest request body forwarded (the service's own limit is 16 KiB); more: 413
 * @param connections    connections of the guest listener, per source address, and how long a connection may wait
 *                       without a request ({@link ConnectionLimits#defaults()}, as the service's)
 * @param management     where {@code /healthz} and {@code /metrics} are answered; empty (the default) for nowhere.
 *                       Never where guests reach it
 * @param requestRate    requests per guest (per address for an address the mapping does not have): over it, 429
 *                       with {@code Retry-After} ({@link RequestRate#defaults()}, as the service's)
 */
public record MetadataProxyConfig(GuestListeners listen, List<InetSocketAddress> upstreams, String sharedSecret,
                                  Optional<Path> mappingFile, List<String> mappings, Duration reloadInterval,
                                  Duration connectTimeout, Duration readTimeout, Duration downFor,
                                  int maxRequestBodyBytes, ConnectionLimits connections,
                                  Optional<InetSocketAddress> management, RequestRate requestRate) {
    public MetadataProxyConfig {
        Objects.requireNonNull(requestRate, "requestRate");
        Objects.requireNonNull(management, "management");
        Objects.requireNonNull(connections, "connections");
        Objects.requireNonNull(listen, "listen");
        upstreams = List.copyOf(upstreams);
        if (upstreams.isEmpty()) {
            throw new IllegalArgumentException("at least one service node (--upstream) is required");
        }
        Objects.requireNonNull(sharedSecret, "sharedSecret");
        mappings = List.copyOf(mappings);
        if (mappingFile.isEmpty() && mappings.isEmpty()) {
            throw new IllegalArgumentException("a mapping file (--mapping-file) or --map entries are required");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * How long the proxy waits for a node's answer before a GET or HEAD goes to the next node, in seconds. A node
     * that hangs (a long GC pause, SIGSTOP) costs a guest this much once (a timed-out connection is not retried on
     * the same node; a pooled connection the node closed is, once), which must stay well below cloud-init 22.4's
     * 10 s timeout of its single {@code GET /openstack}: with 30 s, a paused node lost a fifth of a boot storm's
     * guests (BootStormFaultTest).
     */
    public static final long DEFAULT_READ_TIMEOUT_SECONDS = 4;

    public static final class Builder {
        private GuestListeners listen = GuestListeners.of(new InetSocketAddress("127.0.0.1", 8080));
        private final List<InetSocketAddress> upstreams = new ArrayList<>();
        private String sharedSecret = "";
        private Path mappingFile;
        private final List<String> mappings = new ArrayList<>();
        private Duration reloadInterval = Duration.ofSeconds(2);
        private Duration connectTimeout = Duration.ofSeconds(2);
        private Duration readTimeout = Duration.ofSeconds(DEFAULT_READ_TIMEOUT_SECONDS);
        private Duration downFor = Duration.ofSeconds(5);
        private int maxRequestBodyBytes = 65536;
        private ConnectionLimits connections = ConnectionLimits.defaults();
        private InetSocketAddress management;
        private RequestRate requestRate = RequestRate.defaults();

        /** The listen addresses (one or more), replacing the default. */
        public Builder listen(InetSocketAddress... v) {
            listen = GuestListeners.of(v);
            return this;
        }

        public Builder listen(List<InetSocketAddress> v) {
            listen = new GuestListeners(v);
            return this;
        }

        public Builder upstream(InetSocketAddress v) {
            upstreams.add(v);
            return this;
        }

        public Builder sharedSecret(String v) {
            sharedSecret = v;
            return this;
        }

        public Builder mappingFile(Path v) {
            mappingFile = v;
            return this;
        }

        public Builder map(String entry) {
            mappings.add(entry);
            return this;
        }

        public Builder reloadInterval(Duration v) {
            reloadInterval = v;
            return this;
        }

        public Builder connectTimeout(Duration v) {
            connectTimeout = v;
            return this;
        }

        public Builder readTimeout(Duration v) {
            readTimeout = v;
            return this;
        }

        public Builder downFor(Duration v) {
            downFor = v;
            return this;
        }

        public Builder maxRequestBodyBytes(int v) {
            maxRequestBodyBytes = v;
            return this;
        }

        public Builder connections(ConnectionLimits v) {
            connections = v;
            return this;
        }

        public Builder management(InetSocketAddress v) {
            management = v;
            return this;
        }

        public Builder requestRate(RequestRate v) {
            requestRate = v;
            return this;
        }

        public MetadataProxyConfig build() {
            return new MetadataProxyConfig(listen, upstreams, sharedSecret, Optional.ofNullable(mappingFile), mappings,
                    reloadInterval, connectTimeout, readTimeout, downFor, maxRequestBodyBytes, connections,
                    Optional.ofNullable(management), requestRate);
        }
    }
}
