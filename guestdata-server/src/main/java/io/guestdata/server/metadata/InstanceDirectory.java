package io.guestdata.server.metadata;

import io.guestdata.core.metadata.MetadataTree;
import java.net.InetAddress;
import java.util.Optional;

/**
 * Where the metadata service finds the instance a request is for: each instance's {@link MetadataTree},
 * computed once per version of the instance (not per request), so answering is identify → a map lookup →
 * {@link MetadataTree#lookup} → write bytes.
 *
 * <p>Implementations must be safe for concurrent use and fast: both lookups run on every request.
 * {@link StoreInstanceDirectory} ({@code guestdata serve}) identifies from an index, keeps answers within a byte
 * budget, builds a tree on the first request for an instance's version whose answer is not kept and keeps a bounded
 * number of them (a lookup may then read the store, and throw its
 * {@link io.guestdata.store.StoreException}: the request is answered 503 when the failure is transient, else 500,
 * {@link StoreOutage}); {@link io.guestdata.server.metadata.dev.InMemoryInstanceDirectory}
 * builds every tree when its instance is put, for tests and the {@code --instances DIR} development mode.
 */
public interface InstanceDirectory {
    /**
     * @param uuid the instance UUID as a proxy sends it ({@code X-Instance-ID}); matched exactly against the
     *             canonical lowercase form
     */
    Optional<MetadataTree> byUuid(String uuid);

    /**
     * @param address a fixed IP address of the instance (a static {@code ip_address} of its network_data, or
     *                an address the operator bound to it); an IPv4-mapped IPv6 address is given as IPv4
     */
    Optional<MetadataTree> byAddress(InetAddress address);

    /**
     * The instance {@link #byUuid} finds, as the service identifies a request with it: a directory that keeps
     * answers apart from trees gives one that builds nothing until an answer is asked for.
     */
    default Optional<ServedInstance> servedByUuid(String uuid) {
        return byUuid(uuid).map(ServedInstance::of);
    }

    /** The instance {@link #byAddress} finds, as {@link #servedByUuid}. */
    default Optional<ServedInstance> servedByAddress(InetAddress address) {
        return byAddress(address).map(ServedInstance::of);
    }

    /**
     * Why this directory should not take traffic now (for {@code /readyz}): empty when ready. A store-backed
     * directory is not ready while the store cannot be read, or changes it was told about cannot be read from it.
     * Answers within about a second, however the store fares.
     */
    default Optional<String> notReady() {
        return Optional.empty();
    }

    /**
     * This directory's own metrics in the Prometheus text format, their names starting with {@code prefix}
     * (a store-backed directory's tree cache: hits, misses, build time, evictions); empty when it has none.
     */
    default String metrics(String prefix) {
        return "";
    }

    /** How many reads of the backing store failed (for {@code guestdata_store_errors_total}). */
    default long storeErrors() {
        return 0;
    }
}
