package io.guestdata.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** EC2 ids: allocated once, stable across restarts, unique under concurrent allocation, never reused. */
class Ec2IdsTest {

    @BackendTest
    void idsAreAllocatedAtCreateAndStayTheSameAcrossRestarts(Backend backend) {
        UUID uuid;
        long instanceId;
        long imageId;
        try (Store store = backend.open()) {
            Documents doc = Documents.instance().image("155d900f-4e14-4e4c-a73d-069cbf4541e6");
            uuid = store.instances().create(doc.bytes()).uuid();
            instanceId = store.ec2Ids().instanceId(uuid);
            imageId = store.ec2Ids().imageId("155d900f-4e14-4e4c-a73d-069cbf4541e6");
            assertEquals(1, instanceId, "the first instance is i-00000001, as in Nova");
            assertEquals(1, imageId);
        }
        try (Store reopened = backend.open()) {
            assertEquals(instanceId, reopened.ec2Ids().instanceId(uuid));
            assertEquals(imageId, reopened.ec2Ids().imageId("155d900f-4e14-4e4c-a73d-069cbf4541e6"));
            assertEquals(2, reopened.ec2Ids().imageId("another-image"));
            assertEquals(2, reopened.ec2Ids().instanceId(UUID.randomUUID()), "any uuid can get an id");
        }
    }

    @BackendTest
    void instanceIdsAreReadManyAtOnceWithoutAllocating(Backend backend) {
        try (Store store = backend.open()) {
            List<byte[]> documents = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                documents.add(Documents.instance().bytes());
            }
            List<UUID> created = store.instances().createAll(documents).stream().map(StoredInstance::uuid).toList();
            UUID unknown = UUID.randomUUID();
            List<UUID> asked = new ArrayList<>(created);
            asked.add(unknown);

            Map<UUID, Long> ids = store.ec2Ids().instanceIds(asked);

            assertEquals(Set.copyOf(created), ids.keySet(), "an instance without an id is absent");
            for (UUID uuid : created) {
                assertEquals(store.ec2Ids().instanceId(uuid), ids.get(uuid));
            }
            assertTrue(store.ec2Ids().instanceIds(List.of(unknown)).isEmpty(), "nothing was allocated");
            assertEquals(Map.of(), store.ec2Ids().instanceIds(List.of()));
            List<UUID> tooMany = new ArrayList<>();
            for (int i = 0; i <= Ec2IdMappings.MAX_READ; i++) {
                tooMany.add(UUID.randomUUID());
            }
            assertThrows(StoreException.Invalid.class, () -> store.ec2Ids().instanceIds(tooMany));
        }
    }

    @BackendTest
    void anIdIsNeverReusedEvenAfterPurge(Backend backend) {
        Store store = backend.open();
        UUID first = store.instances().create(Documents.instance().bytes()).uuid();
        long firstId = store.ec2Ids().instanceId(first);
        store.instances().delete(first);
        store.instances().purgeDeleted(Instant.now().plusSeconds(60));

        UUID second = store.instances().create(Documents.instance().bytes()).uuid();

        assertEquals(firstId, store.ec2Ids().instanceId(first), "the purged instance keeps its id");
        assertTrue(store.ec2Ids().instanceId(second) > firstId);
        assertThrows(StoreException.Invalid.class, () -> store.ec2Ids().imageId(""));
        assertThrows(StoreException.Invalid.class, () -> store.ec2Ids().imageId("x".repeat(256)));
    }

    @BackendTest
    void concurrentAllocationFromThreadsAndTwoStoresAgreesAndNeverCollides(Backend backend) throws Exception {
        Store first = backend.open();
        Store second = backend.open();
        List<UUID> uuids = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            uuids.add(UUID.randomUUID());
        }
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Map<UUID, Long>>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            for (int t = 0; t < 8; t++) {
                Store store = t % 2 == 0 ? first : second;
                List<UUID> order = new ArrayList<>(uuids);
                java.util.Collections.shuffle(order, new java.util.Random(t));
                results.add(pool.submit(() -> {
                    start.await();
                    Map<UUID, Long> seen = new HashMap<>();
                    for (UUID uuid : order) {
                        seen.put(uuid, store.ec2Ids().instanceId(uuid));
                    }
                    return seen;
                }));
            }
            start.countDown();
            Map<UUID, Long> agreed = results.getFirst().get();
            for (Future<Map<UUID, Long>> result : results) {
                assertEquals(agreed, result.get(), "every thread and store sees the same id per uuid");
            }
            Set<Long> distinct = new HashSet<>(agreed.values());
            assertEquals(uuids.size(), distinct.size(), "no two uuids share an id");
            assertEquals(uuids.size(), backend.count("SELECT COUNT(*) FROM ec2_instance_ids"));
            assertNotEquals(0L, distinct.stream().mapToLong(Long::longValue).min().orElseThrow());
        }
    }
}
