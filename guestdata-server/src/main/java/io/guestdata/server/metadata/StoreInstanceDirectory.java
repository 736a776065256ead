package io.guestdata.server.metadata;

import io.guestdata.core.Instance;
import io.guestdata.core.metadata.Ec2Ids;
import io.guestdata.core.metadata.MetadataAnswer;
import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.core.metadata.MetadataPath;
import io.guestdata.core.metadata.MetadataTree;
import io.guestdata.core.metadata.StripedDrbg;
import io.guestdata.store.Change;
import io.guestdata.store.Ec2IdMappings;
import io.guestdata.store.Page;
import io.guestdata.store.PageRequest;
import io.guestdata.store.Store;
import io.guestdata.store.StoreException;
import io.guestdata.store.StoredInstance;
import io.guestdata.store.Subscription;
import java.net.InetAddress;
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
 * The {@link InstanceDirectory} of {@code guestdata serve}: every live instance of a {@link Store}, by uuid and
 * by fixed address, with the answers and {@link MetadataTree}s of the instances being asked about. It keeps, for
 * every instance, only an index entry (its version, fixed addresses and project: a few hundred bytes), enough to
 * identify a request; answers that are the same for every request are kept in an {@link AnswerCache} of
 * {@code cacheBytes} bytes (the {@code metadata-cache-bytes} setting), and trees, built on the first request for an
 * instance's version whose answer is not kept, in a {@link TreeCache} of {@code cacheEntries} trees (the
 * {@code metadata-cache-entries} setting), so the heap is bounded by the caches, not by the fleet (an index entry
 * is ~450 bytes, a tree ~25 KB for a 3.2 KB document; docs/benchmarks-service.md). A request whose answer is kept
 * reads neither the store nor a tree.
 *
 * <p>{@link #open} pages through {@code instances().list} to build the index (each document parsed for its
 * addresses, then dropped) and then follows the store's change feed from the change it loaded at, so changes
 * made by any process or node on the same database are applied here too: a create or update moves the
 * instance's index entry to the new version (its cached tree and answers are dropped at once, so the older version is never
 * served again) and reads the instance for its addresses (an address it lost is dropped, one it gained points to
 * it); a delete drops the entry and the tree.
 *
 * <p>A request for an instance whose tree is not cached reads that instance from the store and builds the tree;
 * concurrent requests for it wait for that one build. A store failure then is counted in {@link #storeErrors()}
 * and thrown: the service answers 503 with {@code Retry-After} when it is transient (the database unreachable,
 * busy, out of disk), else 500 ({@link StoreOutage}). An instance the store no
 * longer has (deleted, its change not yet applied) is not found.
 *
 * <p>EC2 ids come from the store ({@link Store#ec2Ids()}): {@code i-%08x} of the instance's allocated id and
 * {@code ami-/aki-/ari-%08x} of its image references', as Nova's {@code ec2_instance_mappings} and
 * {@code s3_images}. The ids are the same on every node and never collide, unlike ids derived from the
 * uuid's top 32 bits (which collide with 50% probability around 77 000 instances).
 *
 * <p>A change that cannot be applied (the database unreachable while the instance is read) is retried every
 * second until it can, and the directory reports itself not ready ({@link #notReady()}) meanwhile. It is not ready
 * either while the store cannot be read at all ({@link StoreReadiness}: one cheap read, at most once a second,
 * awaited at most a second), since every request that misses the cache fails then.
 */
public final class StoreInstanceDirectory implements InstanceDirectory, AutoCloseable {
    /**
     * The default {@code metadata-cache-entries}: ~100 MB of trees. Trees serve the first request of each answer of
     * an instance's version, so a booting guest needs its tree for its whole sequence (31 distinct answers in
     * cloud-init's); the answers kept ({@link #DEFAULT_CACHE_BYTES}) serve every later request. So the trees cover the
     * guests booting at one time, not the fleet; fewer than 4096 thrashed in a 10,000-guest storm on 2 cores
     * (docs/serve.md, "Sizing").
     */
    public static final int DEFAULT_CACHE_ENTRIES = 4096;

    /**
     * The default {@code metadata-cache-bytes}: 64 MiB of answers, a boot sequence's answers (~6 KB with a 3.2 KB
     * document) of ~10,000 instances; with the index and the trees, ~185 MB of live heap at 10,000 instances and
     * ~225 MB at 100,000, within {@code -Xmx512m} (docs/serve.md, "Sizing").
     */
    public static final long DEFAULT_CACHE_BYTES = 64L << 20;

    private static final System.Logger LOG = System.getLogger(StoreInstanceDirectory.class.getName());
    private static final int PAGE = PageRequest.MAX_LIMIT;
    /** How long {@code /readyz} waits for the store check, and how long its outcome is kept. */
    private static final java.time.Duration READINESS_TIMEOUT = java.time.Duration.ofSeconds(1);

    private final Store store;
    private final MetadataOptions options;
    private final RandomGenerator random;
    private final Map<String, Indexed> byUuid = new ConcurrentHashMap<>();
    private final Map<InetAddress, String> byAddress = new ConcurrentHashMap<>();
    private final TreeCache trees;
    private final AnswerCache answers;
    private final TreeCache.Builder builder = this::build; // one object, not one per request
    private final Set<UUID> retry = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.LongAdder storeErrors = new java.util.concurrent.atomic.LongAdder();
    private final ScheduledExecutorService retrier;
    private final StoreReadiness readiness;
    /** Guards changes of the index (both maps together). */
    private final Object writeLock = new Object();
    /** Serialises the feed thread and the retrier: a change's store read and its application happen together. */
    private final Object changeLock = new Object();
    private volatile Subscription subscription;

    /**
     * What is kept of every instance: the version to serve, its fixed addresses (scope-less) and its project (null
     * when it has none; interned: a project's instances share one string), enough to identify a request.
     */
    private record Indexed(long version, List<InetAddress> addresses, String projectId) {
    }

    private StoreInstanceDirectory(Store store, MetadataOptions options, RandomGenerator random, int cacheEntries,
                                   long cacheBytes) {
        this.store = Objects.requireNonNull(store, "store");
        this.options = Objects.requireNonNull(options, "options");
        this.random = random;
        this.trees = new TreeCache(cacheEntries);
        this.answers = new AnswerCache(cacheBytes);
        this.readiness = new StoreReadiness(store::lastChangeSequence, READINESS_TIMEOUT, READINESS_TIMEOUT);
        this.retrier = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "guestdata-directory-retry");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * {@link #open(Store, MetadataOptions, int, long)} with {@value #DEFAULT_CACHE_ENTRIES} cached trees and
     * {@value #DEFAULT_CACHE_BYTES} bytes of answers.
     */
    public static StoreInstanceDirectory open(Store store, MetadataOptions options) {
        return open(store, options, DEFAULT_CACHE_ENTRIES, DEFAULT_CACHE_BYTES);
    }

    /** {@link #open(Store, MetadataOptions, int, long)} with {@value #DEFAULT_CACHE_BYTES} bytes of answers. */
    public static StoreInstanceDirectory open(Store store, MetadataOptions options, int cacheEntries) {
        return open(store, options, cacheEntries, DEFAULT_CACHE_BYTES);
    }

    /**
     * Indexes every live instance and subscribes to the change feed; returns when the index is complete.
     *
     * @param cacheEntries how many built trees are kept at most (≥ 1)
     * @param cacheBytes   the most heap the answers kept may take ({@link AnswerCache}; ≥ 0, 0 keeps none)
     * @throws StoreException when the store cannot be read
     */
    public static StoreInstanceDirectory open(Store store, MetadataOptions options, int cacheEntries, long cacheBytes) {
        StoreInstanceDirectory directory = new StoreInstanceDirectory(store, options, StripedDrbg.shared(), cacheEntries,
                cacheBytes);
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
                index(stored, true);
            }
            request = request.get().next(page);
        }
        subscription = store.subscribe(from, this::onChange);
        retrier.scheduleWithFixedDelay(this::retryPending, 1, 1, TimeUnit.SECONDS);
    }

    @Override
    public Optional<MetadataTree> byUuid(String uuid) {
        Indexed entry = byUuid.get(uuid);
        return entry == null ? Optional.empty() : trees.get(uuid, entry.version(), builder);
    }

    @Override
    public Optional<MetadataTree> byAddress(InetAddress address) {
        InetAddress key = IpAddressText.withoutScope(address);
        String uuid = byAddress.get(key);
        if (uuid == null) {
            return Optional.empty();
        }
        // The tree may be of a newer version than the index had when this began (built from the store before its
        // change arrived; the build then brought the index up to it): only if the address is still the
        // instance's is it the answer.
        return byUuid(uuid).filter(tree -> uuid.equals(byAddress.get(key)));
    }

    @Override
    public Optional<ServedInstance> servedByUuid(String uuid) {
        Indexed entry = byUuid.get(uuid);
        return entry == null ? Optional.empty() : Optional.of(new Served(uuid, entry));
    }

    @Override
    public Optional<ServedInstance> servedByAddress(InetAddress address) {
        InetAddress key = IpAddressText.withoutScope(address);
        String uuid = byAddress.get(key);
        Indexed entry = uuid == null ? null : byUuid.get(uuid);
        // Read again: the address may have moved to another instance between the two reads.
        return entry == null || !uuid.equals(byAddress.get(key)) ? Optional.empty() : Optional.of(new Served(uuid, entry));
    }

    /**
     * An instance as the index has it when a request is identified: its answers come from the {@link AnswerCache}
     * under this version, its tree (when an answer is not kept) from the {@link TreeCache} at this version or later.
     * An answer is built from a tree at least as new as the version it is kept under, and a version's answers are
     * dropped when its change is applied: no request identified after that gets them.
     */
    private final class Served implements ServedInstance {
        private final String uuid;
        private final Indexed entry;

        Served(String uuid, Indexed entry) {
            this.uuid = uuid;
            this.entry = entry;
        }

        @Override
        public String uuid() {
            return uuid;
        }

        @Override
        public Optional<String> projectId() {
            return Optional.ofNullable(entry.projectId());
        }

        @Override
        public Optional<MetadataTree> tree() {
            return trees.get(uuid, entry.version(), builder);
        }

        @Override
        public Optional<MetadataAnswer> answer(MetadataPath path, boolean dynamicVendorData) {
            // the version listings are every instance's: no tree, no store read, nothing kept per instance
            Optional<MetadataAnswer> shared = MetadataTree.sharedAnswer(path, options.novaRelease(), java.time.Clock.systemUTC());
            if (shared.isPresent()) {
                return shared;
            }
            return answers.get(uuid, entry.version(), path.normalized(),
                    () -> tree().flatMap(tree -> tree.answer(path, dynamicVendorData)));
        }
    }

    /** How many instances are served. */
    public int size() {
        return byUuid.size();
    }

    /** How many trees are cached now (at most the capacity given to {@link #open}). */
    public int cachedTrees() {
        return trees.size();
    }

    /** How many answers are kept now ({@link AnswerCache}). */
    public int cachedAnswers() {
        return answers.size();
    }

    /** The heap charged for the answers kept now (within the budget given to {@link #open} once builds complete). */
    public long cachedAnswerBytes() {
        return answers.bytes();
    }

    /** The version served for an instance, if any (for tests and diagnostics). */
    public Optional<Long> version(UUID uuid) {
        return Optional.ofNullable(byUuid.get(uuid.toString())).map(Indexed::version);
    }

    /**
     * A cache miss: the instance's latest version read from the store, its tree built. The store may be ahead of
     * the change feed; the index is brought up to what is served (never re-adding an instance the feed deleted).
     *
     * @return null when the store no longer has the instance
     */
    private MetadataTree build(String uuid) {
        StoredInstance stored;
        Ec2Ids ids;
        try {
            stored = store.instances().get(UUID.fromString(uuid));
            ids = ec2Ids(stored.instance(), store.ec2Ids());
        } catch (StoreException.NotFound e) {
            return null;
        } catch (RuntimeException e) {
            storeErrors.increment();
            throw e;
        }
        index(stored, false);
        return MetadataTree.build(stored.instance(), options, ids, random);
    }

    private void onChange(Change change) {
        synchronized (changeLock) {
            switch (change.kind()) {
                case PASSWORD -> {
                    // Passwords are read live from the store; the tree does not hold them.
                }
                case DELETED -> {
                    remove(change.instance());
                    retry.remove(change.instance());
                }
                case CREATED, UPDATED -> {
                    if (announce(change)) {
                        refresh(change.instance());
                    }
                }
            }
        }
    }

    /**
     * Moves the instance's entry to the changed version before its document is read, and drops its tree: from
     * now on a request builds the new version (or fails while the store cannot be read), never the old one.
     *
     * @return whether the change is news (a version after the one indexed)
     */
    private boolean announce(Change change) {
        String key = change.instance().toString();
        synchronized (writeLock) {
            Indexed current = byUuid.get(key);
            if (current != null && current.version() >= change.version()) {
                return false;
            }
            byUuid.put(key, current == null ? new Indexed(change.version(), List.of(), null)
                    : new Indexed(change.version(), current.addresses(), current.projectId()));
            trees.invalidate(key);
            answers.invalidate(key);
            return true;
        }
    }

    /** Reads the instance's latest version and indexes it; on a database failure, retries later. */
    private void refresh(UUID uuid) {
        try {
            index(store.instances().get(uuid), true);
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
    public String metrics(String prefix) {
        return trees.render(prefix) + answers.render(prefix);
    }

    @Override
    public long storeErrors() {
        return storeErrors.sum();
    }

    @Override
    public Optional<String> notReady() {
        return retry.isEmpty() ? readiness.problem()
                : Optional.of(retry.size() + " changed instance(s) cannot be read from the store; retrying every second");
    }

    private void retryPending() {
        for (UUID uuid : List.copyOf(retry)) {
            synchronized (changeLock) {
                if (retry.contains(uuid)) {
                    refresh(uuid);
                }
            }
        }
    }

    /**
     * Indexes a version of an instance: its addresses point to it, those of the version before that it lost
     * no longer do. An older version than the one indexed changes nothing.
     *
     * @param add whether an instance not in the index is added (from the listing and the feed, not from a
     *            request, which may have read an instance the feed has deleted since)
     */
    private void index(StoredInstance stored, boolean add) {
        String key = stored.uuid().toString();
        List<InetAddress> addresses = InstanceAddresses.of(stored.instance());
        String projectId = stored.instance().projectId().map(String::intern).orElse(null);
        synchronized (writeLock) {
            Indexed current = byUuid.get(key);
            if (current == null ? !add : current.version() > stored.version()) {
                return;
            }
            if (current != null && current.addresses().equals(addresses) && Objects.equals(current.projectId(), projectId)) {
                // Nothing moved (a miss indexing what the feed or the listing did): the entry's objects are kept,
                // so an instance is held once, not once per read.
                if (current.version() < stored.version()) {
                    byUuid.put(key, new Indexed(stored.version(), current.addresses(), current.projectId()));
                }
                return;
            }
            // The store gives an address one owner at a time: a newer owner replaces an older entry here
            // (the change that released it may not have been applied yet).
            for (InetAddress address : addresses) {
                if (!key.equals(byAddress.get(address))) {
                    byAddress.put(address, key);
                }
            }
            byUuid.put(key, new Indexed(stored.version(), addresses, projectId));
            if (current != null) {
                for (InetAddress old : current.addresses()) {
                    if (!addresses.contains(old)) {
                        byAddress.remove(old, key);
                    }
                }
            }
        }
    }

    private void remove(UUID uuid) {
        String key = uuid.toString();
        synchronized (writeLock) {
            Indexed entry = byUuid.remove(key);
            if (entry != null) {
                for (InetAddress address : entry.addresses()) {
                    byAddress.remove(address, key); // only if still this instance's
                }
            }
            trees.invalidate(key);
            answers.invalidate(key);
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
