package io.guestdata.server.metadata;

import io.guestdata.core.Instance;
import io.guestdata.core.metadata.Ec2Ids;
import io.guestdata.core.metadata.MetadataAnswer;
import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.core.metadata.MetadataPath;
import io.guestdata.core.metadata.MetadataTree;
import io.guestdata.core.metadata.StripedDrbg;
import io.guestdata.store.Change;
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
 * every instance, an index entry (its version, fixed addresses and project: a few hundred bytes), enough to
 * identify a request, and, unless {@code indexDocuments} is off (the {@code metadata-index-documents} setting), its
 * version's document compressed ({@link IndexedDocument}: ~1.6 KB for a 3.2 KB document), enough to build its tree
 * without the store; answers that are the same for every request are kept in an {@link AnswerCache} of
 * {@code cacheBytes} bytes (the {@code metadata-cache-bytes} setting), and trees, built on the first request for an
 * instance's version whose answer is not kept, in a {@link TreeCache} of {@code cacheEntries} trees (the
 * {@code metadata-cache-entries} setting), so the heap is bounded by the caches, not by the fleet (an index entry
 * is ~450 bytes without its document, a tree ~25 KB for a 3.2 KB document; docs/benchmarks-service.md). A request
 * whose answer is kept reads neither the store nor a tree.
 *
 * <p>{@link #open} pages through {@code instances().list} to build the index (each document parsed for its
 * addresses, and kept compressed with its EC2 instance id, read per page) and then follows the store's change feed
 * from the change it loaded at, so changes made by any process or node on the same database are applied here too: a
 * create or update moves the
 * instance's index entry to the new version (its cached tree and answers are dropped at once, so the older version is never
 * served again) and reads the instance for its addresses and document (an address it lost is dropped, one it gained
 * points to it; the entry keeps the new document); a delete drops the entry and the tree.
 *
 * <p>A request for an instance whose tree is not cached builds the tree from the document its entry keeps, without
 * the store: while the store is unreachable every indexed instance is still answered, at its indexed version. Only
 * when the entry has no document for its version (documents not indexed, or a change announced whose instance could
 * not be read yet) is the instance read from the store; concurrent requests for it wait for that one build. A store
 * failure then is counted in {@link #storeErrors()}
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
     * document) of ~10,000 instances; with the index (its documents included) and the trees, ~200 MB of live heap at
     * 10,000 instances and ~390 MB at 100,000 (~225 MB without the documents; docs/serve.md, "Sizing").
     */
    public static final long DEFAULT_CACHE_BYTES = 64L << 20;

    /**
     * The default {@code metadata-index-documents}: on. Misses then read no store and survive a store outage; the
     * cost is the compressed document per instance (1,642 bytes for examples/instance.json's 3,280: ~165 MB at
     * 100,000 instances; docs/serve.md, "Sizing").
     */
    public static final boolean DEFAULT_INDEX_DOCUMENTS = true;

    private static final System.Logger LOG = System.getLogger(StoreInstanceDirectory.class.getName());
    private static final int PAGE = PageRequest.MAX_LIMIT;
    /** How long {@code /readyz} waits for the store check, and how long its outcome is kept. */
    private static final java.time.Duration READINESS_TIMEOUT = java.time.Duration.ofSeconds(1);

    private final Store store;
    private final MetadataOptions options;
    private final RandomGenerator random;
    private final boolean indexDocuments;
    /** EC2 ids of image references (allocated once, never changed): few, shared by many instances. */
    private final Map<String, Long> imageIds = new ConcurrentHashMap<>();
    /** The heap of the documents the index keeps; changed under {@link #writeLock}. */
    private final java.util.concurrent.atomic.AtomicLong documentBytes = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.LongAdder storeBuilds = new java.util.concurrent.atomic.LongAdder();
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
     * when it has none; interned: a project's instances share one string), enough to identify a request, and that
     * version's document (null when documents are not indexed, or the version's document has not been read yet).
     */
    private record Indexed(long version, List<InetAddress> addresses, String projectId, IndexedDocument document) {
        long documentBytes() {
            return document == null ? 0 : document.bytes();
        }
    }

    private StoreInstanceDirectory(Store store, MetadataOptions options, RandomGenerator random, int cacheEntries,
                                   long cacheBytes, boolean indexDocuments) {
        this.store = Objects.requireNonNull(store, "store");
        this.options = Objects.requireNonNull(options, "options");
        this.random = random;
        this.indexDocuments = indexDocuments;
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

    /** {@link #open(Store, MetadataOptions, int, long, boolean)} indexing documents ({@value #DEFAULT_INDEX_DOCUMENTS}). */
    public static StoreInstanceDirectory open(Store store, MetadataOptions options, int cacheEntries, long cacheBytes) {
        return open(store, options, cacheEntries, cacheBytes, DEFAULT_INDEX_DOCUMENTS);
    }

    /**
     * Indexes every live instance and subscribes to the change feed; returns when the index is complete.
     *
     * @param cacheEntries   how many built trees are kept at most (≥ 1)
     * @param cacheBytes     the most heap the answers kept may take ({@link AnswerCache}; ≥ 0, 0 keeps none)
     * @param indexDocuments whether each entry keeps its version's document compressed, so that a miss builds
     *                       without the store ({@code metadata-index-documents})
     * @throws StoreException when the store cannot be read
     */
    public static StoreInstanceDirectory open(Store store, MetadataOptions options, int cacheEntries, long cacheBytes,
                                              boolean indexDocuments) {
        StoreInstanceDirectory directory = new StoreInstanceDirectory(store, options, StripedDrbg.shared(), cacheEntries,
                cacheBytes, indexDocuments);
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
            Map<UUID, Long> ec2 = indexDocuments
                    ? store.ec2Ids().instanceIds(page.items().stream().map(StoredInstance::uuid).toList()) : Map.of();
            for (StoredInstance stored : page.items()) {
                Long id = ec2.get(stored.uuid());
                index(stored, true, id == null ? null : document(stored, id));
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

    /** The heap the documents kept in the index take now ({@link IndexedDocument#bytes}; 0 when not indexed). */
    public long indexDocumentBytes() {
        return documentBytes.get();
    }

    /** Whether the index holds the document of the version it serves for an instance (for tests and diagnostics). */
    public boolean indexesDocument(UUID uuid) {
        Indexed entry = byUuid.get(uuid.toString());
        return entry != null && entry.document() != null;
    }

    /** The version served for an instance, if any (for tests and diagnostics). */
    public Optional<Long> version(UUID uuid) {
        return Optional.ofNullable(byUuid.get(uuid.toString())).map(Indexed::version);
    }

    /**
     * A cache miss: the tree of the version the index holds the document of, built without the store; else (no
     * document for the entry's version) the instance's latest version read from the store, its tree built. The
     * store may be ahead of the change feed; the index is brought up to what is served (never re-adding an
     * instance the feed deleted).
     *
     * @return null when the instance is no longer indexed or the store no longer has it
     */
    private MetadataTree build(String uuid) {
        Indexed entry = byUuid.get(uuid);
        if (entry == null) {
            return null;
        }
        if (entry.document() != null) {
            Instance instance = entry.document().instance(UUID.fromString(uuid), entry.version());
            Ec2Ids ids = ec2Ids(instance, entry.document().ec2InstanceId(), this::imageId);
            return MetadataTree.build(instance, options, ids, random);
        }
        storeBuilds.increment();
        StoredInstance stored;
        Ec2Ids ids;
        long instanceId;
        try {
            stored = store.instances().get(UUID.fromString(uuid));
            instanceId = store.ec2Ids().instanceId(stored.uuid());
            ids = ec2Ids(stored.instance(), instanceId, this::imageId);
        } catch (StoreException.NotFound e) {
            return null;
        } catch (RuntimeException e) {
            storeErrors.increment();
            throw e;
        }
        index(stored, false, document(stored, instanceId));
        return MetadataTree.build(stored.instance(), options, ids, random);
    }

    /**
     * The compressed document of a stored version for its index entry, its image references' EC2 ids read now when
     * not known yet (so that a build from it reads no store); null when documents are not indexed.
     */
    private IndexedDocument document(StoredInstance stored, long ec2InstanceId) {
        if (!indexDocuments) {
            return null;
        }
        Instance instance = stored.instance();
        for (Optional<String> image : List.of(instance.imageId(), instance.kernelId(), instance.ramdiskId())) {
            image.ifPresent(this::imageId);
        }
        return IndexedDocument.of(stored, ec2InstanceId);
    }

    /** An image reference's EC2 id: known, or read from the store (once: ids never change). */
    private long imageId(String reference) {
        Long known = imageIds.get(reference);
        if (known != null) {
            return known;
        }
        long id = store.ec2Ids().imageId(reference);
        imageIds.put(reference, id);
        return id;
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
            // no document: the changed version's is not read yet, and the older one is never built again
            put(key, current, current == null ? new Indexed(change.version(), List.of(), null, null)
                    : new Indexed(change.version(), current.addresses(), current.projectId(), null));
            trees.invalidate(key);
            answers.invalidate(key);
            return true;
        }
    }

    /** Reads the instance's latest version and indexes it; on a database failure, retries later. */
    private void refresh(UUID uuid) {
        try {
            StoredInstance stored = store.instances().get(uuid);
            index(stored, true, indexDocuments ? document(stored, store.ec2Ids().instanceId(uuid)) : null);
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
        StringBuilder out = new StringBuilder(trees.render(prefix)).append(answers.render(prefix));
        ServiceMetrics.single(out, prefix + "_index_instances", "gauge", "Instances indexed (served) now.", byUuid.size());
        ServiceMetrics.single(out, prefix + "_index_document_bytes", "gauge",
                "Heap of the compressed instance documents the index keeps (metadata-index-documents).",
                documentBytes.get());
        ServiceMetrics.single(out, prefix + "_tree_store_reads_total", "counter",
                "Trees built from a store read because the index held no document for the version served.",
                storeBuilds.sum());
        return out.toString();
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
     * @param add      whether an instance not in the index is added (from the listing and the feed, not from a
     *                 request, which may have read an instance the feed has deleted since)
     * @param document the version's compressed document, or null (documents not indexed)
     */
    private void index(StoredInstance stored, boolean add, IndexedDocument document) {
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
                if (current.version() < stored.version() || current.document() == null && document != null) {
                    put(key, current, new Indexed(stored.version(), current.addresses(), current.projectId(), document));
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
            put(key, current, new Indexed(stored.version(), addresses, projectId, document));
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
                documentBytes.addAndGet(-entry.documentBytes());
                for (InetAddress address : entry.addresses()) {
                    byAddress.remove(address, key); // only if still this instance's
                }
            }
            trees.invalidate(key);
            answers.invalidate(key);
        }
    }

    /** Replaces an instance's entry (under {@link #writeLock}), keeping {@link #documentBytes} up to date. */
    private void put(String key, Indexed current, Indexed next) {
        byUuid.put(key, next);
        documentBytes.addAndGet(next.documentBytes() - (current == null ? 0 : current.documentBytes()));
    }

    /**
     * The EC2 ids of an instance from the store's allocations (allocated at create, so these are reads):
     * {@code i-%08x}, and {@code ami-}, {@code aki-}, {@code ari-%08x} of its image references.
     */
    private static Ec2Ids ec2Ids(Instance instance, long instanceId, java.util.function.ToLongFunction<String> imageIds) {
        return new Ec2Ids(String.format("i-%08x", instanceId),
                instance.imageId().map(ref -> String.format("ami-%08x", imageIds.applyAsLong(ref))),
                instance.kernelId().map(ref -> String.format("aki-%08x", imageIds.applyAsLong(ref))),
                instance.ramdiskId().map(ref -> String.format("ari-%08x", imageIds.applyAsLong(ref))));
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
