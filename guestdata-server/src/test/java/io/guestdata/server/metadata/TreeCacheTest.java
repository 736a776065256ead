package io.guestdata.server.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.core.metadata.MetadataTree;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link TreeCache}: bounded, second-chance eviction, one build per miss however many ask, failures not kept. */
class TreeCacheTest {
    private final Map<String, AtomicInteger> builds = new ConcurrentHashMap<>();

    private MetadataTree tree(String uuid) {
        builds.computeIfAbsent(uuid, k -> new AtomicInteger()).incrementAndGet();
        try {
            return MetadataTree.build(Fixtures.parse("{\"uuid\": \"" + uuid + "\", \"name\": \"n\"}"),
                    MetadataOptions.defaults());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private int builds(String uuid) {
        return builds.getOrDefault(uuid, new AtomicInteger()).get();
    }

    static List<String> uuids(int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(UUID.randomUUID().toString());
        }
        return out;
    }

    @Test
    void theCountersSayHitsMissesBuildsAndEvictions() {
        TreeCache cache = new TreeCache(2);
        List<String> u = uuids(3);
        cache.get(u.get(0), 1, this::tree); // miss, build
        cache.get(u.get(0), 1, this::tree); // hit
        cache.get(u.get(1), 1, this::tree); // miss, build
        cache.get(u.get(2), 1, this::tree); // miss, build, evicts u1 (u0 was referenced: its second chance)
        cache.get(u.get(0), 2, this::tree); // a newer version: miss, build, in place of the older
        String text = cache.render("p");
        assertTrue(text.contains("\np_tree_cache_requests_total{result=\"hit\"} 1\n"), text);
        assertTrue(text.contains("\np_tree_cache_requests_total{result=\"miss\"} 4\n"), text);
        assertTrue(text.contains("\np_tree_builds_total 4\n"), text);
        assertTrue(text.contains("\np_tree_cache_evictions_total 1\n"), text);
        assertTrue(text.contains("\np_tree_cache_entries 2\n"), text);
        assertTrue(text.contains("\np_tree_cache_capacity 2\n"), text);
        assertTrue(text.contains("# TYPE p_tree_build_seconds_total counter\n"), text);
    }

    @Test
    void aHitIsTheKeptTreeAndTheCapacityIsNeverExceeded() {
        TreeCache cache = new TreeCache(3);
        List<String> u = uuids(10);
        MetadataTree first = cache.get(u.get(0), 1, this::tree).orElseThrow();
        assertSame(first, cache.get(u.get(0), 1, this::tree).orElseThrow());
        assertEquals(1, builds(u.get(0)));
        for (String uuid : u) {
            assertEquals(uuid, cache.get(uuid, 1, this::tree).orElseThrow().instance().uuid().toString());
            assertTrue(cache.size() <= 3, "size " + cache.size());
        }
        assertEquals(3, cache.size());
        MetadataTree again = cache.get(u.get(0), 1, this::tree).orElseThrow();
        assertNotSame(first, again, "evicted, built again");
        assertEquals(2, builds(u.get(0)));
    }

    @Test
    void aTreeHitSinceTheHandPassedGetsASecondChance() {
        TreeCache cache = new TreeCache(3);
        List<String> u = uuids(4);
        MetadataTree a = cache.get(u.get(0), 1, this::tree).orElseThrow();
        MetadataTree b = cache.get(u.get(1), 1, this::tree).orElseThrow();
        cache.get(u.get(2), 1, this::tree);
        cache.get(u.get(0), 1, this::tree); // a is used again
        cache.get(u.get(3), 1, this::tree); // over capacity: the oldest unused one (b) goes, not a

        assertSame(a, cache.get(u.get(0), 1, this::tree).orElseThrow());
        assertNotSame(b, cache.get(u.get(1), 1, this::tree).orElseThrow());
        assertEquals(1, builds(u.get(0)));
        assertEquals(2, builds(u.get(1)));
    }

    @Test
    void aNewTreeIsKeptWhenEveryOtherOneWasHit() {
        TreeCache cache = new TreeCache(3);
        List<String> u = uuids(4);
        for (int round = 0; round < 2; round++) {
            for (String uuid : u.subList(0, 3)) {
                cache.get(uuid, 1, this::tree);
            }
        }
        MetadataTree d = cache.get(u.get(3), 1, this::tree).orElseThrow();
        assertSame(d, cache.get(u.get(3), 1, this::tree).orElseThrow(), "not evicted by its own arrival");
        assertEquals(3, cache.size());
    }

    @Test
    void aNewerVersionIsBuiltAndAnOlderRequestTakesTheNewerTree() {
        TreeCache cache = new TreeCache(4);
        String u = UUID.randomUUID().toString();
        MetadataTree v1 = cache.get(u, 1, this::tree).orElseThrow();
        MetadataTree v2 = cache.get(u, 2, this::tree).orElseThrow();
        assertNotSame(v1, v2);
        assertSame(v2, cache.get(u, 1, this::tree).orElseThrow(), "a request that read the index before the change");
        assertEquals(1, cache.size(), "the older version's slot is gone");
        cache.invalidate(u);
        assertEquals(0, cache.size());
        assertNotSame(v2, cache.get(u, 2, this::tree).orElseThrow());
        assertEquals(3, builds(u));
    }

    @Test
    void concurrentMissesForOneInstanceBuildOnce() throws Exception {
        TreeCache cache = new TreeCache(4);
        String u = UUID.randomUUID().toString();
        CountDownLatch building = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        TreeCache.Builder slow = uuid -> {
            calls.incrementAndGet();
            building.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return tree(uuid);
        };
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<MetadataTree>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                results.add(pool.submit(() -> cache.get(u, 1, slow).orElseThrow()));
            }
            assertTrue(building.await(5, TimeUnit.SECONDS));
            Thread.sleep(200); // the other seven are waiting now, or will find the slot when they come
            release.countDown();
            MetadataTree first = results.getFirst().get(5, TimeUnit.SECONDS);
            for (Future<MetadataTree> result : results) {
                assertSame(first, result.get(5, TimeUnit.SECONDS));
            }
            assertEquals(1, calls.get());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFailedOrEmptyBuildIsNotKept() {
        TreeCache cache = new TreeCache(4);
        String u = UUID.randomUUID().toString();
        IllegalStateException failure = new IllegalStateException("store down");
        assertSame(failure, assertThrows(IllegalStateException.class, () -> cache.get(u, 1, uuid -> {
            throw failure;
        })));
        assertEquals(0, cache.size());
        assertTrue(cache.get(u, 1, uuid -> null).isEmpty(), "no such instance");
        assertEquals(0, cache.size());
        assertEquals(u, cache.get(u, 1, this::tree).orElseThrow().instance().uuid().toString());
        assertEquals(1, cache.size());
        assertThrows(IllegalArgumentException.class, () -> new TreeCache(0));
    }
}
