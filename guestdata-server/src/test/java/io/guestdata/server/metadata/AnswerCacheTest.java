package io.guestdata.server.metadata;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.core.metadata.MetadataAnswer;
import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.core.metadata.MetadataPath;
import io.guestdata.core.metadata.MetadataTree;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The answer cache alone, with answers from real trees: budget, CLOCK eviction, versions, one build per key. */
class AnswerCacheTest {
    private static final String META_DATA = "/openstack/latest/meta_data.json";
    private static final String USER_DATA = "/openstack/latest/user_data";
    private final MetadataTree tree;

    AnswerCacheTest() throws Exception {
        tree = MetadataTree.build(Fixtures.instance("full"), MetadataOptions.defaults());
    }

    private Optional<MetadataAnswer> answer(String path) {
        return tree.answer(MetadataPath.of(path), false);
    }

    /** What one kept answer is charged: its heap, its slot and path, its instance's entry. */
    private long charge(String path) {
        return answer(path).orElseThrow().heapBytes() + AnswerCache.SLOT_BYTES
                + MetadataAnswer.arrayBytes(path.length()) + AnswerCache.INSTANCE_BYTES;
    }

    @Test
    void theBudgetIsNeverExceededOnceABuildCompletesAndTheOldestUnusedAnswerGoes() {
        long one = charge(META_DATA);
        AnswerCache cache = new AnswerCache(3 * one + one / 2); // three instances' meta_data.json, not four
        List<String> u = TreeCacheTest.uuids(5);
        AtomicInteger builds = new AtomicInteger();
        AnswerCache.Builder builder = () -> {
            builds.incrementAndGet();
            return answer(META_DATA);
        };
        for (int i = 0; i < 3; i++) {
            cache.get(u.get(i), 1, META_DATA, builder);
        }
        assertEquals(3 * one, cache.bytes(), "each answer charged its heap, its key and its entry");
        cache.get(u.get(0), 1, META_DATA, builder); // a hit: u0 gets a second chance
        assertEquals(3, builds.get());
        cache.get(u.get(3), 1, META_DATA, builder); // evicts u1, the oldest not used since
        assertEquals(3, cache.size());
        assertTrue(cache.bytes() <= 3 * one + one / 2, cache.bytes() + " bytes");
        cache.get(u.get(0), 1, META_DATA, builder);
        cache.get(u.get(2), 1, META_DATA, builder);
        assertEquals(4, builds.get(), "u0 and u2 were kept");
        cache.get(u.get(1), 1, META_DATA, builder);
        assertEquals(5, builds.get(), "u1 was evicted");
        for (int i = 0; i < 200; i++) {
            cache.get(u.get(i % 5), 1, META_DATA, builder);
            assertTrue(cache.bytes() <= 3 * one + one / 2, cache.bytes() + " bytes");
        }
        String text = cache.render("p");
        assertTrue(text.contains("\np_answer_cache_budget_bytes " + (3 * one + one / 2) + "\n"), text);
        assertTrue(text.contains("\np_answer_cache_bytes " + cache.bytes() + "\n"), text);
        assertTrue(text.contains("\np_answer_cache_entries 3\n"), text);
        assertTrue(text.contains("# TYPE p_answer_cache_evictions_total counter\n"), text);
        assertFalse(text.contains("\np_answer_cache_evictions_total 0\n"), text);
    }

    @Test
    void theCountersSayHitsMissesAndBuilds() {
        AnswerCache cache = new AnswerCache(1 << 20);
        String u = UUID.randomUUID().toString();
        cache.get(u, 1, META_DATA, () -> answer(META_DATA)); // miss
        cache.get(u, 1, META_DATA, () -> answer(META_DATA)); // hit
        cache.get(u, 1, USER_DATA, () -> answer(USER_DATA)); // miss
        cache.get(u, 2, USER_DATA, () -> answer(USER_DATA)); // a newer version: miss, the older version's dropped
        assertEquals(1, cache.size());
        assertEquals(charge(USER_DATA), cache.bytes());
        String text = cache.render("p");
        assertTrue(text.contains("\np_answer_cache_requests_total{result=\"hit\"} 1\n"), text);
        assertTrue(text.contains("\np_answer_cache_requests_total{result=\"miss\"} 3\n"), text);
        assertTrue(text.contains("\np_answer_builds_total 3\n"), text);
        assertTrue(text.contains("# TYPE p_answer_build_seconds_total counter\n"), text);
    }

    @Test
    void aKeptMetaDataJsonGetsAFreshSeedEveryTimeAndAFixedAnswerIsTheSameBytes() {
        AnswerCache cache = new AnswerCache(1 << 20);
        String u = UUID.randomUUID().toString();
        byte[] first = cache.get(u, 1, META_DATA, () -> answer(META_DATA)).orElseThrow().found().body();
        byte[] second = cache.get(u, 1, META_DATA, () -> {
            throw new AssertionError("a hit builds nothing");
        }).orElseThrow().found().body();
        assertEquals(first.length, second.length);
        assertNotEquals(new String(first), new String(second), "random_seed is drawn per request, as Nova's");
        assertEquals(Fixtures.maskSeed(new String(first)), Fixtures.maskSeed(new String(second)));
        byte[] userData = cache.get(u, 1, USER_DATA, () -> answer(USER_DATA)).orElseThrow().found().body();
        assertArrayEquals(userData, cache.get(u, 1, USER_DATA, () -> Optional.empty()).orElseThrow().found().body());
    }

    @Test
    void invalidationDropsEveryAnswerOfTheInstanceAtOnceAndOnlyThose() {
        AnswerCache cache = new AnswerCache(1 << 20);
        List<String> u = TreeCacheTest.uuids(2);
        for (String id : u) {
            cache.get(id, 1, META_DATA, () -> answer(META_DATA));
            cache.get(id, 1, USER_DATA, () -> answer(USER_DATA));
        }
        long both = cache.bytes();
        cache.invalidate(u.get(0));
        assertEquals(2, cache.size());
        assertEquals(both / 2, cache.bytes());
        AtomicInteger builds = new AtomicInteger();
        cache.get(u.get(0), 1, META_DATA, () -> {
            builds.incrementAndGet();
            return answer(META_DATA);
        });
        cache.get(u.get(1), 1, META_DATA, () -> {
            builds.incrementAndGet();
            return answer(META_DATA);
        });
        assertEquals(1, builds.get(), "the invalidated instance's answer was built again, the other's kept");
        cache.invalidate(u.get(0));
        cache.invalidate(u.get(1));
        assertEquals(0, cache.size());
        assertEquals(0, cache.bytes());
    }

    @Test
    void aRequestForAnOlderVersionThanTheKeptOneIsAnsweredButNotKept() {
        AnswerCache cache = new AnswerCache(1 << 20);
        String u = UUID.randomUUID().toString();
        Optional<MetadataAnswer> newer = cache.get(u, 5, USER_DATA, () -> answer(USER_DATA));
        AtomicInteger builds = new AtomicInteger();
        for (int i = 0; i < 2; i++) {
            cache.get(u, 4, USER_DATA, () -> {
                builds.incrementAndGet();
                return answer(USER_DATA);
            });
        }
        assertEquals(2, builds.get(), "never served from, nor kept under, the newer version");
        assertSame(newer.orElseThrow(), cache.get(u, 5, USER_DATA, Optional::empty).orElseThrow());
    }

    @Test
    void whatIsNotAnAnswerToKeepAndFailedBuildsAreNotKept() {
        AnswerCache cache = new AnswerCache(1 << 20);
        String u = UUID.randomUUID().toString();
        assertTrue(cache.get(u, 1, "/openstack/latest/password", () -> tree.answer(
                MetadataPath.of("/openstack/latest/password"), false)).isEmpty());
        assertEquals(0, cache.size());
        assertEquals(0, cache.bytes());
        assertThrows(IllegalStateException.class, () -> cache.get(u, 1, META_DATA, () -> {
            throw new IllegalStateException("store down");
        }));
        assertEquals(0, cache.size());
        assertTrue(cache.get(u, 1, META_DATA, () -> answer(META_DATA)).isPresent(), "the next request builds again");
    }

    @Test
    void aZeroBudgetKeepsNothing() {
        AnswerCache cache = new AnswerCache(0);
        String u = UUID.randomUUID().toString();
        AtomicInteger builds = new AtomicInteger();
        for (int i = 0; i < 3; i++) {
            assertTrue(cache.get(u, 1, META_DATA, () -> {
                builds.incrementAndGet();
                return answer(META_DATA);
            }).isPresent());
        }
        assertEquals(3, builds.get());
        assertEquals(0, cache.bytes());
        assertThrows(IllegalArgumentException.class, () -> new AnswerCache(-1));
    }

    @Test
    void concurrentMissesForOneAnswerBuildOnce() throws Exception {
        AnswerCache cache = new AnswerCache(1 << 20);
        String u = UUID.randomUUID().toString();
        AtomicInteger builds = new AtomicInteger();
        CountDownLatch building = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Optional<MetadataAnswer>>> results = new ArrayList<>();
            results.add(pool.submit(() -> cache.get(u, 1, USER_DATA, () -> {
                builds.incrementAndGet();
                building.countDown();
                try {
                    assertTrue(release.await(10, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return answer(USER_DATA);
            })));
            assertTrue(building.await(10, TimeUnit.SECONDS));
            for (int i = 0; i < 7; i++) {
                results.add(pool.submit(() -> cache.get(u, 1, USER_DATA, () -> {
                    builds.incrementAndGet();
                    return answer(USER_DATA);
                })));
            }
            Thread.sleep(100); // let the seven reach the slot being built
            release.countDown();
            MetadataAnswer first = results.getFirst().get(10, TimeUnit.SECONDS).orElseThrow();
            for (Future<Optional<MetadataAnswer>> result : results) {
                assertSame(first, result.get(10, TimeUnit.SECONDS).orElseThrow());
            }
            assertEquals(1, builds.get(), "one build for eight concurrent requests");
        } finally {
            pool.shutdownNow();
        }
    }
}
