package io.guestdata.server.metadata;

import io.guestdata.core.metadata.MetadataAnswer;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Answers kept within a byte budget (the {@code metadata-cache-bytes} setting): for an instance's version and a
 * normalised request path, the {@link MetadataAnswer} its tree gives, so that a request for an answer kept here
 * needs neither the instance's tree nor the store. {@link StoreInstanceDirectory} keeps one per node; a booting
 * instance's first requests build its tree (kept a while in the {@link TreeCache}), every later request for the
 * same answer is a map read.
 *
 * <p>An answer depends on the instance's version and the normalised path only: the service's options and its
 * dynamic vendor data targets are fixed for its life, {@code Accept} shapes error bodies only (errors are never
 * kept), HEAD gets GET's headers, and what depends on the request or the clock is no {@link MetadataAnswer}
 * (the password endpoint, {@code local-ipv4} from the requester, dynamic {@code vendor_data2.json}, the dated
 * {@code /openstack} listing, 404s) and is never kept.
 *
 * <p>The answers of one instance stand together, for one version: a request for a newer version drops the older
 * one's, {@link #invalidate} drops an instance's at once (its change was applied or it was deleted), and a request
 * still holding an older version than the one kept is answered without keeping anything. A miss claims its slot
 * under a lock and builds outside it; requests for the same answer that arrive meanwhile wait for that one build.
 *
 * <p>Budget: each answer is charged the heap it keeps reachable ({@link MetadataAnswer#heapBytes}) plus its slot,
 * its path and its map entry ({@link #SLOT_BYTES}), and each instance with answers kept its entry
 * ({@link #INSTANCE_BYTES}); when the sum exceeds the budget, CLOCK eviction ({@link ClockRing}, as in
 * {@link TreeCache}) removes answers until it fits again. A budget of 0 keeps nothing.
 */
final class AnswerCache {
    /**
     * Per kept answer besides its own heap, on a 64-bit JVM with compressed references: the slot (48 bytes), its
     * future (24) and the future's {@link Optional} (16), the entry in its instance's map (32), the path's
     * {@link String} (24; its bytes are added per path).
     */
    static final int SLOT_BYTES = 144;
    /**
     * Per instance with answers kept: its entry object (32), its map (64) and that map's first table (32), its
     * entry in the instance map (32) and that map's table share (8), its uuid {@link String} (80).
     */
    static final int INSTANCE_BYTES = 248;

    /** Builds an answer: empty when the path's answer is not one to keep. */
    @FunctionalInterface
    interface Builder {
        Optional<MetadataAnswer> build();
    }

    /** One version of an instance: its answers by path. */
    private static final class Instance {
        final String uuid;
        final long version;
        final ConcurrentHashMap<String, Slot> byPath = new ConcurrentHashMap<>(2);

        Instance(String uuid, long version) {
            this.uuid = uuid;
            this.version = version;
        }
    }

    private static final class Slot extends ClockRing.Slot {
        final Instance instance;
        final String path;
        final CompletableFuture<Optional<MetadataAnswer>> answer = new CompletableFuture<>();
        /** What it is charged; guarded by the lock. */
        long charged;

        Slot(Instance instance, String path) {
            this.instance = instance;
            this.path = path;
        }
    }

    private final long budget;
    private final ConcurrentHashMap<String, Instance> instances = new ConcurrentHashMap<>();
    private final Object lock = new Object();
    /** Guarded by {@link #lock}, as are changes of the maps and {@link #held}. */
    private final ClockRing<Slot> ring = new ClockRing<>();
    private long held;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder evictions = new LongAdder();
    private final LongAdder builds = new LongAdder();
    private final LongAdder buildNanos = new LongAdder();

    /** @param budget the most bytes kept (≥ 0; 0 keeps nothing) */
    AnswerCache(long budget) {
        if (budget < 0) {
            throw new IllegalArgumentException("an answer cache's budget is at least 0 bytes, not " + budget);
        }
        this.budget = budget;
    }

    /**
     * The answer for {@code path} of {@code uuid} at {@code version}: the kept one, or the one {@code builder}
     * builds now (once, however many requests ask at the same time).
     *
     * @return empty when the answer is not one to keep (the caller answers from the tree)
     * @throws RuntimeException what the builder threw (each waiting request gets it)
     */
    Optional<MetadataAnswer> get(String uuid, long version, String path, Builder builder) {
        Instance kept = instances.get(uuid);
        if (kept != null && kept.version == version) {
            Slot slot = kept.byPath.get(path);
            if (slot != null) {
                slot.hit();
                hits.increment();
                return await(slot);
            }
        }
        misses.increment();
        if (budget == 0) {
            return timed(builder);
        }
        Claim claim = claim(uuid, version, path);
        if (claim == null) {
            return timed(builder); // the request knew an older version than the one kept: answered, not kept
        }
        if (claim.build()) {
            build(claim.slot(), builder);
        }
        return await(claim.slot());
    }

    /** Drops an instance's answers (it changed or was deleted): from now on they are built again. */
    void invalidate(String uuid) {
        synchronized (lock) {
            Instance kept = instances.remove(uuid);
            if (kept != null) {
                for (Slot slot : kept.byPath.values()) {
                    release(slot);
                }
                held -= INSTANCE_BYTES;
            }
        }
    }

    /** How many answers are kept (or being built). */
    int size() {
        synchronized (lock) {
            return ring.size();
        }
    }

    /** The bytes charged now (at most the budget once a build completes). */
    long bytes() {
        synchronized (lock) {
            return held;
        }
    }

    private Optional<MetadataAnswer> timed(Builder builder) {
        long start = System.nanoTime();
        Optional<MetadataAnswer> answer = builder.build();
        builds.increment();
        buildNanos.add(System.nanoTime() - start);
        return answer;
    }

    /**
     * The cache's counters in the Prometheus text format: requests that found their answer kept (hits) and that
     * did not (misses), answers built and the time spent building them (the tree's build included when it was not
     * cached), answers evicted to stay within the budget, answers and bytes kept now, the budget.
     */
    String render(String prefix) {
        StringBuilder out = new StringBuilder(1536);
        ServiceMetrics.header(out, prefix + "_answer_cache_requests_total", "counter",
                "Requests for an answer that can be kept, by whether the cache held it.");
        out.append(prefix).append("_answer_cache_requests_total{result=\"hit\"} ").append(hits.sum()).append('\n');
        out.append(prefix).append("_answer_cache_requests_total{result=\"miss\"} ").append(misses.sum()).append('\n');
        ServiceMetrics.header(out, prefix + "_answer_builds_total", "counter",
                "Answers built on a miss (from the instance's tree, built first when not cached), failed builds excluded.");
        out.append(prefix).append("_answer_builds_total ").append(builds.sum()).append('\n');
        ServiceMetrics.header(out, prefix + "_answer_build_seconds_total", "counter",
                "Time spent building answers (tree builds included); divided by the builds, the cost of a miss.");
        out.append(prefix).append("_answer_build_seconds_total ").append(buildNanos.sum() / 1e9).append('\n');
        ServiceMetrics.header(out, prefix + "_answer_cache_evictions_total", "counter",
                "Answers evicted to stay within the budget.");
        out.append(prefix).append("_answer_cache_evictions_total ").append(evictions.sum()).append('\n');
        ServiceMetrics.header(out, prefix + "_answer_cache_entries", "gauge", "Answers kept (or being built) now.");
        out.append(prefix).append("_answer_cache_entries ").append(size()).append('\n');
        ServiceMetrics.header(out, prefix + "_answer_cache_bytes", "gauge",
                "Heap charged for the answers kept now (answers, their keys and entries).");
        out.append(prefix).append("_answer_cache_bytes ").append(bytes()).append('\n');
        ServiceMetrics.header(out, prefix + "_answer_cache_budget_bytes", "gauge",
                "The most heap the answers may be charged (metadata-cache-bytes).");
        out.append(prefix).append("_answer_cache_budget_bytes ").append(budget).append('\n');
        return out.toString();
    }

    /** @param build whether the caller is the one to build the slot's answer */
    private record Claim(Slot slot, boolean build) {
    }

    /**
     * The slot for the answer: one being built or built, or a new one the caller builds; null when the instance's
     * answers kept are of a newer version than the request's.
     */
    private Claim claim(String uuid, long version, String path) {
        synchronized (lock) {
            Instance kept = instances.get(uuid);
            if (kept != null && kept.version > version) {
                return null;
            }
            if (kept != null && kept.version < version) {
                invalidate(uuid); // an older version's answers (its change not applied here, or applied meanwhile)
                kept = null;
            }
            if (kept == null) {
                kept = new Instance(uuid, version);
                instances.put(uuid, kept);
                held += INSTANCE_BYTES;
            }
            Slot current = kept.byPath.get(path);
            if (current != null) {
                return new Claim(current, false);
            }
            Slot mine = new Slot(kept, path);
            kept.byPath.put(path, mine);
            mine.charged = SLOT_BYTES + MetadataAnswer.arrayBytes(textBytes(path));
            held += mine.charged;
            ring.link(mine);
            return new Claim(mine, true);
        }
    }

    /** The bytes of a {@link String}'s array: one per character when all are Latin-1 (compact strings), else two. */
    private static long textBytes(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) > 0xff) {
                return 2L * text.length();
            }
        }
        return text.length();
    }

    private void build(Slot slot, Builder builder) {
        Optional<MetadataAnswer> answer;
        try {
            answer = timed(builder);
        } catch (RuntimeException | Error e) {
            forget(slot); // not kept: the next request builds again
            slot.answer.completeExceptionally(e);
            return;
        }
        synchronized (lock) {
            if (answer.isEmpty()) {
                forget(slot); // not an answer to keep: the next request asks the tree again
            } else if (slot.linked()) {
                long bytes = answer.get().heapBytes();
                slot.charged += bytes;
                held += bytes;
                makeRoom();
            }
        }
        slot.answer.complete(answer);
    }

    private Optional<MetadataAnswer> await(Slot slot) {
        return ClockRing.await(slot.answer);
    }

    /** Removes a slot that is in the ring, and its instance when it was the instance's last. Under the lock. */
    private void forget(Slot slot) {
        synchronized (lock) {
            if (!slot.linked()) {
                return;
            }
            Instance kept = slot.instance;
            kept.byPath.remove(slot.path, slot);
            release(slot);
            if (kept.byPath.isEmpty() && instances.remove(kept.uuid, kept)) {
                held -= INSTANCE_BYTES;
            }
        }
    }

    /** Takes a slot out of the ring and its charge off the total. Under the lock. */
    private void release(Slot slot) {
        if (slot.linked()) {
            ring.unlink(slot);
            held -= slot.charged;
        }
    }

    /** Evicts, CLOCK-wise, until the total is within the budget (the newest slot included, when it alone is over). */
    private void makeRoom() {
        while (held > budget) {
            Slot victim = ring.victim();
            if (victim == null) {
                return;
            }
            forget(victim);
            evictions.increment();
        }
    }
}
