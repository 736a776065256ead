package io.guestdata.server.metadata;

import io.guestdata.core.Instance;
import io.guestdata.core.metadata.Ec2Ids;
import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.core.metadata.MetadataTree;
import io.guestdata.store.Change;
import io.guestdata.store.Ec2IdMappings;
import io.guestdata.store.Page;
import io.guestdata.store.PageRequest;
import io.guestdata.store.Store;
import io.guestdata.store.StoreException;
import io.guestdata.store.StoredInstance;
import io.guestdata.store.Subscription;
import java.net.InetAddress;
import java.security.SecureRandom;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * The {@link InstanceDirectory} of {@code guestdata serve}: every live instance of a {@link Store}, its
 * {@link MetadataTree} built once per (uuid, version) and held in memory, with a memory index of fixed
 * addresses. {@link #open} loads every instance (paging through {@code instances().list}) and then follows the
 * store's change feed from the change it loaded at, so changes made by any process or node on the same
 * database are applied here too: a create or update rebuilds that instance's tree and address entries, a
 * delete drops them. Requests never touch the database.
 *
 * <p>EC2 ids come from the store ({@link Store#ec2Ids()}): {@code i-%08x} of the instance's allocated id and
 * {@code ami-/aki-/ari-%08x} of its image references', as Nova's {@code ec2_instance_mappings} and
 * {@code s3_images}. The ids are the same on every node and never collide, unlike ids derived from the
 * uuid's top 32 bits (which collide with 50% probability around 77 000 instances).
 *
 * <p>A change that cannot be applied (the database unreachable while the instance is read) is retried every
 * second until it can, so a node never keeps serving a version it missed for longer than the outage.
 */
public final class StoreInstanceDirectory implements InstanceDirectory, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(StoreInstanceDirectory.class.getName());
    private static final int PAGE = PageRequest.MAX_LIMIT;

    private final Store store;
    private final MetadataOptions options;
    private final RandomGenerator random;
    private final Map<String, Entry> byUuid = new ConcurrentHashMap<>();
    private final Map<InetAddress, MetadataTree> byAddress = new ConcurrentHashMap<>();
    private final Set<UUID> retry = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.LongAdder storeErrors = new java.util.concurrent.atomic.LongAdder();
    private final ScheduledExecutorService retrier;
    private final Object writeLock = new Object();
    private volatile Subscription subscription;

    private record Entry(long version, MetadataTree tree, Set<InetAddress> addresses) {
    }

    private StoreInstanceDirectory(Store store, MetadataOptions options, RandomGenerator random) {
        this.store = Objects.requireNonNull(store, "store");
        this.options = Objects.requireNonNull(options, "options");
        this.random = random;
        this.retrier = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "guestdata-directory-retry");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Loads every live instance and subscribes to the change feed; returns when the directory is complete.
     *
     * @throws StoreException when the store cannot be read
     */
    public static StoreInstanceDirectory open(Store store, MetadataOptions options) {
        StoreInstanceDirectory directory = new StoreInstanceDirectory(store, options, strongRandom());
        try {
            directory.load();
        } catch (RuntimeException e) {
            directory.close();
            throw e;
        }
        return directory;
    }

    private void load() {
        long from = store.lastChangeSequence();
        Optional<PageRequest> request = Optional.of(PageRequest.first(PAGE));
        while (request.isPresent()) {
            Page<StoredInstance> page = store.instances().list(request.get());
            for (StoredInstance stored : page.items()) {
                apply(stored);
            }
            request = request.get().next(page);
        }
        subscription = store.subscribe(from, this::onChange);
        retrier.scheduleWithFixedDelay(this::retryPending, 1, 1, TimeUnit.SECONDS);
    }

    @Override
    public Optional<MetadataTree> byUuid(String uuid) {
        Entry entry = byUuid.get(uuid);
        return entry == null ? Optional.empty() : Optional.of(entry.tree());
    }

    @Override
    public Optional<MetadataTree> byAddress(InetAddress address) {
        return Optional.ofNullable(byAddress.get(IpAddressText.withoutScope(address)));
    }

    /** How many instances are served. */
    public int size() {
        return byUuid.size();
    }

    /** The version served for an instance, if any (for tests and diagnostics). */
    public Optional<Long> version(UUID uuid) {
        return Optional.ofNullable(byUuid.get(uuid.toString())).map(Entry::version);
    }

    private void onChange(Change change) {
        switch (change.kind()) {
            case PASSWORD -> {
                // Passwords are read live from the store; the tree does not hold them.
            }
            case DELETED -> remove(change.instance());
            case CREATED, UPDATED -> {
                Entry current = byUuid.get(change.instance().toString());
                if (current == null || current.version() < change.version()) {
                    refresh(change.instance());
                }
            }
        }
    }

    /** Reads the instance's latest version and applies it; on a database failure, retries later. */
    private void refresh(UUID uuid) {
        try {
            apply(store.instances().get(uuid));
            retry.remove(uuid);
        } catch (StoreException.NotFound e) {
            remove(uuid);
            retry.remove(uuid);
        } catch (RuntimeException e) {
            storeErrors.increment();
            if (retry.add(uuid)) {
                LOG.log(System.Logger.Level.WARNING, "cannot read instance " + uuid + " after a change; retrying "
                        + "every second: " + e.getMessage());
            }
        }
    }

    @Override
    public long storeErrors() {
        return storeErrors.sum();
    }

    @Override
    public Optional<String> notReady() {
        return retry.isEmpty() ? Optional.empty()
                : Optional.of(retry.size() + " changed instance(s) cannot be read from the store; retrying every second");
    }

    private void retryPending() {
        for (UUID uuid : List.copyOf(retry)) {
            refresh(uuid);
        }
    }

    private void apply(StoredInstance stored) {
        String key = stored.uuid().toString();
        Entry current = byUuid.get(key);
        if (current != null && current.version() >= stored.version()) {
            return; // built once per (uuid, version)
        }
        Instance instance = stored.instance();
        MetadataTree tree = MetadataTree.build(instance, options, ec2Ids(instance, store.ec2Ids()), random);
        Set<InetAddress> addresses = new LinkedHashSet<>();
        for (InetAddress address : InMemoryInstanceDirectory.staticAddresses(instance)) {
            addresses.add(IpAddressText.withoutScope(address));
        }
        synchronized (writeLock) {
            current = byUuid.get(key);
            if (current != null && current.version() >= stored.version()) {
                return;
            }
            // The store gives an address one owner at a time: a newer owner replaces an older entry here
            // (the change that released it may not have been applied yet).
            for (InetAddress address : addresses) {
                byAddress.put(address, tree);
            }
            byUuid.put(key, new Entry(stored.version(), tree, Set.copyOf(addresses)));
            if (current != null) {
                for (InetAddress old : current.addresses()) {
                    if (!addresses.contains(old)) {
                        byAddress.remove(old, current.tree());
                    }
                }
            }
        }
    }

    private void remove(UUID uuid) {
        synchronized (writeLock) {
            Entry entry = byUuid.remove(uuid.toString());
            if (entry != null) {
                for (InetAddress address : entry.addresses()) {
                    byAddress.remove(address, entry.tree()); // only if still this instance's
                }
            }
        }
    }

    /**
     * The EC2 ids of an instance from the store's allocations (allocated at create, so these are reads):
     * {@code i-%08x}, and {@code ami-}, {@code aki-}, {@code ari-%08x} of its image references.
     */
    static Ec2Ids ec2Ids(Instance instance, Ec2IdMappings ids) {
        return new Ec2Ids(String.format("i-%08x", ids.instanceId(instance.uuid())),
                instance.imageId().map(ref -> String.format("ami-%08x", ids.imageId(ref))),
                instance.kernelId().map(ref -> String.format("aki-%08x", ids.imageId(ref))),
                instance.ramdiskId().map(ref -> String.format("ari-%08x", ids.imageId(ref))));
    }

    private static RandomGenerator strongRandom() {
        try {
            return SecureRandom.getInstance("DRBG");
        } catch (java.security.NoSuchAlgorithmException e) {
            return new SecureRandom();
        }
    }

    /** Stops following the change feed (the store stays open: its owner closes it). Idempotent. */
    @Override
    public void close() {
        retrier.shutdownNow();
        Subscription s = subscription;
        if (s != null) {
            s.close();
        }
    }
}
