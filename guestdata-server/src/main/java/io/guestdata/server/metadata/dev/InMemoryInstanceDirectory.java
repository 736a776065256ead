package io.guestdata.server.metadata.dev;

import io.guestdata.core.Instance;
import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.core.metadata.MetadataTree;
import io.guestdata.server.metadata.InstanceAddresses;
import io.guestdata.server.metadata.InstanceDirectory;
import io.guestdata.server.metadata.IpAddressText;
import java.net.InetAddress;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * An {@link InstanceDirectory} held in memory: for tests and the {@code --instances DIR} development mode.
 *
 * <p>Readers see an immutable snapshot (one volatile read and one hash lookup per request); writers build
 * the tree outside the snapshot and swap in a new one. An address can belong to one instance only: binding
 * it to a second is refused, never silently moved, so a request is never answered with another instance's
 * data because two documents claimed one address.
 */
public final class InMemoryInstanceDirectory implements InstanceDirectory {
    private final MetadataOptions options;
    private volatile Snapshot snapshot = new Snapshot(Map.of(), Map.of(), Map.of());

    private record Snapshot(Map<String, MetadataTree> byUuid, Map<InetAddress, MetadataTree> byAddress,
                            Map<String, Set<InetAddress>> addressesOf) {
    }

    /** @param options the service-wide settings every tree is built with */
    public InMemoryInstanceDirectory(MetadataOptions options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    @Override
    public Optional<MetadataTree> byUuid(String uuid) {
        return Optional.ofNullable(snapshot.byUuid().get(uuid));
    }

    @Override
    public Optional<MetadataTree> byAddress(InetAddress address) {
        return Optional.ofNullable(snapshot.byAddress().get(IpAddressText.withoutScope(address)));
    }

    /**
     * Adds or replaces an instance; its tree is built now, once.
     *
     * @param extraAddresses addresses bound to it besides the static {@code ip_address} values of its
     *                       network_data (e.g. a DHCP lease, or a loopback address in tests)
     * @return the tree now served for it
     * @throws IllegalArgumentException when an address already belongs to another instance
     */
    public MetadataTree put(Instance instance, Collection<InetAddress> extraAddresses) {
        MetadataTree tree = MetadataTree.build(instance, options);
        Set<InetAddress> addresses = new LinkedHashSet<>(InstanceAddresses.of(instance));
        for (InetAddress extra : extraAddresses) {
            addresses.add(IpAddressText.withoutScope(extra));
        }
        publish(tree, addresses);
        return tree;
    }

    public MetadataTree put(Instance instance) {
        return put(instance, List.of());
    }

    /** Removes an instance; a no-op when it is not here. */
    public synchronized boolean remove(UUID uuid) {
        Snapshot s = snapshot;
        String key = uuid.toString();
        if (!s.byUuid().containsKey(key)) {
            return false;
        }
        Map<String, MetadataTree> byUuid = new HashMap<>(s.byUuid());
        Map<InetAddress, MetadataTree> byAddress = new HashMap<>(s.byAddress());
        Map<String, Set<InetAddress>> addressesOf = new HashMap<>(s.addressesOf());
        byUuid.remove(key);
        addressesOf.remove(key).forEach(byAddress::remove);
        snapshot = new Snapshot(Map.copyOf(byUuid), Map.copyOf(byAddress), Map.copyOf(addressesOf));
        return true;
    }

    public synchronized void clear() {
        snapshot = new Snapshot(Map.of(), Map.of(), Map.of());
    }

    public int size() {
        return snapshot.byUuid().size();
    }

    private synchronized void publish(MetadataTree tree, Set<InetAddress> addresses) {
        Snapshot s = snapshot;
        String key = tree.instance().uuid().toString();
        for (InetAddress address : addresses) {
            MetadataTree owner = s.byAddress().get(address);
            if (owner != null && !owner.instance().uuid().toString().equals(key)) {
                throw new IllegalArgumentException("address " + IpAddressText.format(address) + " already belongs to "
                        + "instance " + owner.instance().uuid() + "; remove it there before binding it to " + key);
            }
        }
        Map<String, MetadataTree> byUuid = new HashMap<>(s.byUuid());
        Map<InetAddress, MetadataTree> byAddress = new HashMap<>(s.byAddress());
        Map<String, Set<InetAddress>> addressesOf = new HashMap<>(s.addressesOf());
        Set<InetAddress> previous = addressesOf.remove(key);
        if (previous != null) {
            previous.forEach(byAddress::remove);
        }
        byUuid.put(key, tree);
        addresses.forEach(a -> byAddress.put(a, tree));
        addressesOf.put(key, Set.copyOf(addresses));
        snapshot = new Snapshot(Map.copyOf(byUuid), Map.copyOf(byAddress), Map.copyOf(addressesOf));
    }
}
