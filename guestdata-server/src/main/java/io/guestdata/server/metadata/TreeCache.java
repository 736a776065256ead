package io.guestdata.server.metadata;

import io.guestdata.core.metadata.MetadataTree;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * At most {@code capacity} built {@link MetadataTree}s, one per instance, each for a version: what
 * {@link StoreInstanceDirectory} serves from, so that a node holds the trees of the instances being asked about
 * rather than of every instance it knows.
 *
 * <p>A hit is one map read and a flag write, no lock: the request path stays as cheap as a map of every tree.
 * A miss claims the instance's slot under a lock and builds the tree outside it; requests for the same instance
 * and version that arrive meanwhile wait for that one build instead of starting their own (a boot storm of one
 * instance's many requests reads the store once). A failed build is not kept: the next request tries again.
 *
 * <p>Eviction is CLOCK ({@link ClockRing}): when a new slot would exceed the capacity, the hand evicts the first
 * slot not hit since it last passed. A tree still being built can be evicted; the requests waiting for it still get
 * it.
 */
final class TreeCache {

    /** Builds the tree of an instance's version; {@code null} when the instance no longer exists. */
    @FunctionalInterface
    interface Builder {
        MetadataTree build(String uuid);
    }

    private static final class Slot extends ClockRing.Slot {
        final String uuid;
        final long version;
        final CompletableFuture<MetadataTree> tree = new CompletableFuture<>();

        Slot(String uuid, long version) {
            this.uuid = uuid;
            this.version = version;
        }
    }

    private final int capacity;
    private final ConcurrentHashMap<String, Slot> slots;
    private final Object lock = new Object();
    /** Guarded by {@link #lock}, as are changes of {@link #slots}. */
    private final ClockRing<Slot> ring = new ClockRing<>();
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder evictions = new LongAdder();
    private final LongAdder builds = new LongAdder();
    private final LongAdder buildNanos = new LongAdder();

    /** @param capacity how many trees are kept at most (≥ 1) */
    TreeCache(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("a tree cache holds at least 1 tree, not " + capacity);
        }
        this.capacity = capacity;
        this.slots = new ConcurrentHashMap<>(Math.min(capacity, 1 << 16));
    }

    /**
     * The tree of {@code uuid} at {@code version} or later: the kept one, or the one {@code builder} builds now
     * (once, however many requests ask at the same time).
     *
     * @return empty when the builder found no such instance
     * @throws RuntimeException what the builder threw (each waiting request gets it)
     */
    Optional<MetadataTree> get(String uuid, long version, Builder builder) {
        Slot slot = slots.get(uuid);
        if (slot != null && slot.version >= version) {
            slot.hit();
            hits.increment();
            return await(slot);
        }
        misses.increment();
        Claim claim = claim(uuid, version);
        if (claim.build()) {
            build(claim.slot(), builder);
        }
        return await(claim.slot());
    }

    /** Forgets an instance's tree (its instance changed or was deleted). */
    void invalidate(String uuid) {
        synchronized (lock) {
            Slot slot = slots.remove(uuid);
            if (slot != null) {
                ring.unlink(slot);
            }
        }
    }

    /** How many trees are kept (or being built). */
    int size() {
        synchronized (lock) {
            return ring.size();
        }
    }

    /**
     * The cache's counters in the Prometheus text format: requests that found their instance's tree (hits) and
     * that did not (misses: they built it, or waited for the build another request started), trees built and the
     * time spent building them (the store read included), trees evicted to make room, trees kept now.
     */
    String render(String prefix) {
        StringBuilder out = new StringBuilder(1024);
        ServiceMetrics.header(out, prefix + "_tree_cache_requests_total", "counter",
                "Requests for an instance's tree, by whether the cache held it.");
        out.append(prefix).append("_tree_cache_requests_total{result=\"hit\"} ").append(hits.sum()).append('\n');
        out.append(prefix).append("_tree_cache_requests_total{result=\"miss\"} ").append(misses.sum()).append('\n');
        ServiceMetrics.header(out, prefix + "_tree_builds_total", "counter",
                "Trees built on a miss (from the index's document, or the instance read from the store), failed builds "
                        + "excluded.");
        out.append(prefix).append("_tree_builds_total ").append(builds.sum()).append('\n');
        ServiceMetrics.header(out, prefix + "_tree_build_seconds_total", "counter",
                "Time spent building trees (document inflated and parsed, or store read, included); divided by the builds,"
                        + " the cost of a miss.");
        out.append(prefix).append("_tree_build_seconds_total ").append(buildNanos.sum() / 1e9).append('\n');
        ServiceMetrics.header(out, prefix + "_tree_cache_evictions_total", "counter", "Trees evicted to make room for another.");
        out.append(prefix).append("_tree_cache_evictions_total ").append(evictions.sum()).append('\n');
        ServiceMetrics.header(out, prefix + "_tree_cache_entries", "gauge", "Trees kept (or being built) now.");
        out.append(prefix).append("_tree_cache_entries ").append(size()).append('\n');
        ServiceMetrics.header(out, prefix + "_tree_cache_capacity", "gauge", "The most trees kept (metadata-cache-entries).");
        out.append(prefix).append("_tree_cache_capacity ").append(capacity).append('\n');
        return out.toString();
    }

    /** @param build whether the caller is the one to build the slot's tree */
    private record Claim(Slot slot, boolean build) {
    }

    /** The slot for the version: one being built or built, or a new one the caller builds. */
    private Claim claim(String uuid, long version) {
        synchronized (lock) {
            Slot current = slots.get(uuid);
            if (current != null && current.version >= version) {
                return new Claim(current, false);
            }
            if (current != null) {
                ring.unlink(current); // an older version's
            }
            makeRoom();
            Slot mine = new Slot(uuid, version);
            slots.put(uuid, mine);
            ring.link(mine);
            return new Claim(mine, true);
        }
    }

    private void build(Slot slot, Builder builder) {
        MetadataTree tree;
        long start = System.nanoTime();
        try {
            tree = builder.build(slot.uuid);
        } catch (RuntimeException | Error e) {
            forget(slot); // not kept: the next request builds again
            slot.tree.completeExceptionally(e);
            return;
        }
        builds.increment();
        buildNanos.add(System.nanoTime() - start);
        if (tree == null) {
            forget(slot);
        }
        slot.tree.complete(tree);
    }

    private Optional<MetadataTree> await(Slot slot) {
        return Optional.ofNullable(ClockRing.await(slot.tree));
    }

    private void forget(Slot slot) {
        synchronized (lock) {
            if (slots.remove(slot.uuid, slot)) {
                ring.unlink(slot);
            }
        }
    }

    /** Evicts until a new slot fits (before it is linked: a new slot is never its own victim). */
    private void makeRoom() {
        while (ring.size() >= capacity) {
            Slot victim = ring.victim();
            ring.unlink(victim);
            slots.remove(victim.uuid, victim);
            evictions.increment();
        }
    }
}
