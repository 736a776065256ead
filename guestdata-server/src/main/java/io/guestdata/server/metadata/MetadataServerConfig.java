package io.guestdata.server.metadata;

import io.guestdata.core.metadata.MetadataOptions;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything the metadata service is configured with. Defaults: listen on 127.0.0.1:8775 (Nova's port),
 * management (health, metrics) on 127.0.0.1:9775, address mode, no trusted proxies, IMDSv2 tokens optional,
 * no dynamic vendor data, Nova's vendor data timeouts (5 s, 5 s), 300 requests at once and 20 a second per instance.
 *
 * @param listen              the guest-facing listeners: one or more addresses, e.g. {@code 169.254.169.254:80} and
 *                            {@code [fe80::a9fe:a9fe%tap0]:80} ({@link GuestListeners})
 * @param management          the listener for {@code /healthz} and {@code /metrics}; empty for none. Put it
 *                            where guests cannot reach it: the guest-facing listener never answers those paths
 * @param mode                how requesters are identified
 * @param sharedSecret        the proxy's shared secret ({@code [neutron] metadata_proxy_shared_secret})
 * @param trustedProxies      peers whose {@code X-Forwarded-For} is believed (address mode)
 * @param tokens              the IMDSv2 policy
 * @param tokenKey            the IMDSv2 token key (≥ 32 bytes; the same on every node serving the same
 *                            guests), or empty for a random key per process
 * @param metadata            the settings that shape what guests see (dhcp domain, static vendor data…)
 * @param vendorDataTargets   dynamic vendor data targets, in merge order
 * @param vendorDataConnectTimeout connect timeout per target
 * @param vendorDataReadTimeout    longest wait for a byte of a target's answer
 * @param vendorDataFailureFatal   a failed target fails the request (500) instead of giving {@code {}}
 * @param vendorDataCaBundle  PEM CA certificates for {@code https} targets instead of the JDK's
 * @param limits              request size limits, connection limits and timeouts of the guest listener
 * @param metadataCacheEntries how many built metadata trees the store-backed directory of {@code guestdata serve}
 *                            keeps ({@link StoreInstanceDirectory}); the others are built from the store on their
 *                            next request. At least 1
 * @param metadataCacheBytes  the most heap the answers kept by that directory may take ({@link AnswerCache}); 0
 *                            keeps none
 * @param metadataIndexDocuments whether that directory's index keeps every instance's document compressed, so that a
 *                            tree is built without reading the store ({@link IndexedDocument})
 * @param requestRate         requests per instance (per client address until one is identified): over it, 429
 *                            with {@code Retry-After} ({@link TokenBuckets}); {@link RequestRate#defaults()}
 */
public record MetadataServerConfig(GuestListeners listen,
                                   Optional<InetSocketAddress> management,
                                   IdentificationMode mode,
                                   String sharedSecret,
                                   List<AddressBlock> trustedProxies,
                                   TokenPolicy tokens,
                                   Optional<byte[]> tokenKey,
                                   MetadataOptions metadata,
                                   List<VendorDataTarget> vendorDataTargets,
                                   Duration vendorDataConnectTimeout,
                                   Duration vendorDataReadTimeout,
                                   boolean vendorDataFailureFatal,
                                   Optional<Path> vendorDataCaBundle,
                                   RequestLimits limits,
                                   int metadataCacheEntries,
                                   long metadataCacheBytes,
                                   boolean metadataIndexDocuments,
                                   RequestRate requestRate) {

    /**
     * @param maxRequestLineBytes the request line (method, target, version); longer is a 414
     * @param maxHeaderBytes      all header lines together; more is a 400
     * @param maxBodyBytes        a request body (only the password endpoint reads one); more is a 413
     * @param connections         connections per listener and per source, and how long a connection may wait
     *                            without a request ({@link ConnectionGuard})
     */
    public record RequestLimits(int maxRequestLineBytes, int maxHeaderBytes, long maxBodyBytes,
                                ConnectionLimits connections) {
        public RequestLimits {
            Objects.requireNonNull(connections, "connections");
        }

        public static RequestLimits defaults() {
            return new RequestLimits(4096, 16384, 16384, ConnectionLimits.defaults());
        }

        public RequestLimits withConnections(ConnectionLimits limits) {
            return new RequestLimits(maxRequestLineBytes, maxHeaderBytes, maxBodyBytes, limits);
        }
    }

    public MetadataServerConfig {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(management, "management");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(sharedSecret, "sharedSecret");
        trustedProxies = List.copyOf(trustedProxies);
        Objects.requireNonNull(tokens, "tokens");
        tokenKey = tokenKey.map(byte[]::clone);
        Objects.requireNonNull(metadata, "metadata");
        vendorDataTargets = List.copyOf(vendorDataTargets);
        Objects.requireNonNull(vendorDataConnectTimeout, "vendorDataConnectTimeout");
        Objects.requireNonNull(vendorDataReadTimeout, "vendorDataReadTimeout");
        Objects.requireNonNull(vendorDataCaBundle, "vendorDataCaBundle");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(requestRate, "requestRate");
        if (metadataCacheEntries < 1) {
            throw new RefusedSetting(RefusedSetting.Setting.METADATA_CACHE_ENTRIES,
                    "the metadata cache holds at least 1 tree, not " + metadataCacheEntries);
        }
        if (metadataCacheBytes < 0) {
            throw new RefusedSetting(RefusedSetting.Setting.METADATA_CACHE_BYTES,
                    "the answer cache's budget is at least 0 bytes, not " + metadataCacheBytes);
        }
        if (mode == IdentificationMode.PROVIDER && sharedSecret.isEmpty()) {
            throw new RefusedSetting(RefusedSetting.Setting.SHARED_SECRET, "provider mode needs a shared secret: "
                    + "without one, anyone who can reach the service could name any guest's address (Nova skips the "
                    + "check then)");
        }
        if (!trustedProxies.isEmpty() && mode != IdentificationMode.ADDRESS) {
            throw new RefusedSetting(RefusedSetting.Setting.TRUSTED_PROXIES, "trusted proxies apply to address mode "
                    + "only; in " + mode.label() + " mode the proxy is authenticated by its signature");
        }
        if (tokenKey.isPresent() && tokenKey.get().length < 32) {
            throw new RefusedSetting(RefusedSetting.Setting.TOKEN_KEY, "the IMDSv2 token key needs at least 32 bytes");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from the defaults. */
    public static final class Builder {
        private GuestListeners listen = GuestListeners.of(new InetSocketAddress("127.0.0.1", 8775));
        private Optional<InetSocketAddress> management = Optional.of(new InetSocketAddress("127.0.0.1", 9775));
        private IdentificationMode mode = IdentificationMode.ADDRESS;
        private String sharedSecret = "";
        private final List<AddressBlock> trustedProxies = new ArrayList<>();
        private TokenPolicy tokens = TokenPolicy.OPTIONAL;
        private Optional<byte[]> tokenKey = Optional.empty();
        private MetadataOptions metadata = MetadataOptions.defaults();
        private List<VendorDataTarget> targets = List.of();
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration readTimeout = Duration.ofSeconds(5);
        private boolean failureFatal;
        private Optional<Path> caBundle = Optional.empty();
        private RequestLimits limits = RequestLimits.defaults();
        private int metadataCacheEntries = StoreInstanceDirectory.DEFAULT_CACHE_ENTRIES;
        private long metadataCacheBytes = StoreInstanceDirectory.DEFAULT_CACHE_BYTES;
        private boolean metadataIndexDocuments = StoreInstanceDirectory.DEFAULT_INDEX_DOCUMENTS;
        private RequestRate requestRate = RequestRate.defaults();

        /** The guest-facing listeners' addresses (one or more), replacing the default. */
        public Builder listen(InetSocketAddress... addresses) {
            this.listen = GuestListeners.of(addresses);
            return this;
        }

        public Builder listen(GuestListeners listeners) {
            this.listen = Objects.requireNonNull(listeners, "listeners");
            return this;
        }

        public Builder management(InetSocketAddress address) {
            this.management = Optional.of(address);
            return this;
        }

        public Builder noManagement() {
            this.management = Optional.empty();
            return this;
        }

        public Builder mode(IdentificationMode mode) {
            this.mode = mode;
            return this;
        }

        public Builder sharedSecret(String secret) {
            this.sharedSecret = secret;
            return this;
        }

        /** @param cidr {@code ADDRESS} or {@code ADDRESS/PREFIX} */
        public Builder trustProxy(String cidr) {
            this.trustedProxies.add(AddressBlock.parse(cidr));
            return this;
        }

        public Builder tokens(TokenPolicy policy) {
            this.tokens = policy;
            return this;
        }

        public Builder tokenKey(byte[] key) {
            this.tokenKey = Optional.of(key.clone());
            return this;
        }

        public Builder metadata(MetadataOptions options) {
            this.metadata = options;
            return this;
        }

        /** @param entries {@code name@url}, as Nova's {@code vendordata_dynamic_targets} */
        public Builder vendorDataTargets(List<String> entries) {
            this.targets = VendorDataTarget.parseAll(entries);
            return this;
        }

        public Builder vendorDataTimeouts(Duration connect, Duration read) {
            this.connectTimeout = connect;
            this.readTimeout = read;
            return this;
        }

        public Builder vendorDataFailureFatal(boolean fatal) {
            this.failureFatal = fatal;
            return this;
        }

        public Builder vendorDataCaBundle(Path pem) {
            this.caBundle = Optional.of(pem);
            return this;
        }

        public Builder limits(RequestLimits limits) {
            this.limits = limits;
            return this;
        }

        /** The connection limits of the guest listener, the request size limits kept. */
        public Builder connections(ConnectionLimits connections) {
            this.limits = limits.withConnections(connections);
            return this;
        }

        public Builder metadataCacheEntries(int entries) {
            this.metadataCacheEntries = entries;
            return this;
        }

        /** The most heap the answers kept may take (bytes; 0 keeps none). */
        public Builder metadataCacheBytes(long bytes) {
            this.metadataCacheBytes = bytes;
            return this;
        }

        /** Whether the index keeps every instance's document compressed ({@link IndexedDocument}). */
        public Builder metadataIndexDocuments(boolean index) {
            this.metadataIndexDocuments = index;
            return this;
        }

        /** The per-instance request rate; {@link RequestRate#off()} for none. */
        public Builder requestRate(RequestRate rate) {
            this.requestRate = rate;
            return this;
        }

        public MetadataServerConfig build() {
            return new MetadataServerConfig(listen, management, mode, sharedSecret, trustedProxies, tokens, tokenKey,
                    metadata, targets, connectTimeout, readTimeout, failureFatal, caBundle, limits, metadataCacheEntries,
                    metadataCacheBytes, metadataIndexDocuments, requestRate);
        }
    }
}
