package io.guestdata.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.core.KeyPair;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Instance CRUD, versions, soft delete, paging and key_name resolution, on both backends. */
class InstancesTest {

    @BackendTest
    void createStoresTheDocumentByteForByteAndParsesIt(Backend backend) {
        Store store = backend.open();
        UUID uuid = UUID.randomUUID();
        // Odd spacing, a JSON unicode escape and a non-ASCII character: the stored bytes are these bytes, not a re-serialization.
        String json = "{ \"uuid\":\"" + uuid + "\",\n\t\"name\" : \"Caf\\u00e9 \u00dcbung\",  \"metadata\": {\"k\": \"v\"} }";
        byte[] document = json.getBytes(StandardCharsets.UTF_8);

        StoredInstance created = store.instances().create(document);

        assertEquals(1, created.version());
        assertEquals("Café Übung", created.instance().name());
        StoredInstance read = store.instances().get(uuid);
        assertArrayEquals(document, read.document());
        assertEquals(json, read.documentText());
        assertEquals(created.instance(), read.instance());
        assertEquals(created.createdAt(), read.createdAt());
        assertEquals(1, read.version());
    }

    @BackendTest
    void aSecondCreateWithTheSameUuidIsAConflict(Backend backend) {
        Store store = backend.open();
        Documents doc = Documents.instance();
        store.instances().create(doc.bytes());

        StoreException.Conflict conflict = assertThrows(StoreException.Conflict.class,
                () -> store.instances().create(doc.name("other").bytes()));

        assertEquals(StoreException.Conflict.Reason.INSTANCE_EXISTS, conflict.reason());
        assertEquals("test", store.instances().get(doc.uuid()).instance().name());
    }

    @BackendTest
    void updateAddsAVersionAndKeepsEveryEarlierOne(Backend backend) {
        Store store = backend.open();
        Documents doc = Documents.instance();
        store.instances().create(doc.bytes());

        StoredInstance second = store.instances().update(doc.uuid(), 1, doc.name("second").bytes());
        StoredInstance third = store.instances().update(doc.uuid(), 2, doc.name("third").bytes());

        assertEquals(2, second.version());
        assertEquals(3, third.version());
        assertEquals("third", store.instances().get(doc.uuid()).instance().name());
        assertEquals("test", store.instances().get(doc.uuid(), 1).instance().name());
        assertEquals("second", store.instances().get(doc.uuid(), 2).instance().name());
        assertEquals(List.of(1L, 2L, 3L), store.instances().versions(doc.uuid()).stream()
                .map(InstanceVersion::version).toList());
        assertThrows(StoreException.NotFound.class, () -> store.instances().get(doc.uuid(), 4));
    }

    @BackendTest
    void updateFromAStaleVersionIsAConflictNamingTheCurrentVersion(Backend backend) {
        Store store = backend.open();
        Documents doc = Documents.instance();
        store.instances().create(doc.bytes());
        store.instances().update(doc.uuid(), 1, doc.name("second").bytes());

        StoreException.Conflict conflict = assertThrows(StoreException.Conflict.class,
                () -> store.instances().update(doc.uuid(), 1, doc.name("lost update").bytes()));

        assertEquals(StoreException.Conflict.Reason.VERSION_MISMATCH, conflict.reason());
        assertEquals(2, conflict.currentVersion().getAsLong());
        assertEquals("second", store.instances().get(doc.uuid()).instance().name());
    }

    @BackendTest
    void concurrentUpdatesFromTheSameVersionLetExactlyOneWin(Backend backend) throws Exception {
        Store first = backend.open();
        Store second = backend.open();
        Documents doc = Documents.instance();
        first.instances().create(doc.bytes());
        int writers = 6;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Boolean>> outcomes = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(writers)) {
            for (int i = 0; i < writers; i++) {
                Store store = i % 2 == 0 ? first : second;
                byte[] update = Documents.instance(doc.uuid()).name("writer " + i).bytes();
                outcomes.add(pool.submit(() -> {
                    start.await();
                    try {
                        store.instances().update(doc.uuid(), 1, update);
                        return true;
                    } catch (StoreException.Conflict e) {
                        assertEquals(StoreException.Conflict.Reason.VERSION_MISMATCH, e.reason());
                        return false;
                    }
                }));
            }
            start.countDown();
            long wins = 0;
            for (Future<Boolean> outcome : outcomes) {
                wins += outcome.get() ? 1 : 0;
            }
            assertEquals(1, wins);
        }
        assertEquals(2, first.instances().get(doc.uuid()).version());
        assertEquals(2, first.instances().versions(doc.uuid()).size());
    }

    @BackendTest
    void updateOfAnUnknownInstanceIsNotFoundAndAnotherUuidIsInvalid(Backend backend) {
        Store store = backend.open();
        Documents doc = Documents.instance();
        assertThrows(StoreException.NotFound.class, () -> store.instances().update(doc.uuid(), 1, doc.bytes()));
        store.instances().create(doc.bytes());

        StoreException.Invalid invalid = assertThrows(StoreException.Invalid.class,
                () -> store.instances().update(doc.uuid(), 1, Documents.instance().bytes()));

        assertEquals("/uuid", invalid.field());
        assertEquals(1, store.instances().get(doc.uuid()).version());
    }

    @BackendTest
    void anInvalidDocumentIsRefusedWithEveryErrorAndNothingIsStored(Backend backend) throws Exception {
        Store store = backend.open();
        UUID uuid = UUID.randomUUID();
        byte[] document = ("{\"uuid\": \"" + uuid + "\", \"name\": \"\", \"colour\": \"red\"}").getBytes(StandardCharsets.UTF_8);

        StoreException.Invalid invalid = assertThrows(StoreException.Invalid.class,
                () -> store.instances().create(document));

        assertEquals(2, invalid.documentErrors().size());
        assertEquals(Set.of("/name", "/colour"), Set.of(invalid.documentErrors().get(0).pointer(),
                invalid.documentErrors().get(1).pointer()));
        assertThrows(StoreException.NotFound.class, () -> store.instances().get(uuid));
        assertEquals(0, backend.count("SELECT COUNT(*) FROM instances"));
        assertThrows(StoreException.Invalid.class,
                () -> store.instances().create("not json".getBytes(StandardCharsets.UTF_8)));
    }

    @BackendTest
    void deleteIsSoftAndTheUuidStaysTakenUntilPurged(Backend backend) throws Exception {
        Instant[] now = {Instant.parse("2026-01-01T00:00:00Z")};
        Clock clock = new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now[0];
            }
        };
        Store store = backend.open(StoreOptions.defaults().withClock(clock));
        Documents doc = Documents.instance();
        store.instances().create(doc.bytes());
        store.instances().update(doc.uuid(), 1, doc.name("second").bytes());

        store.instances().delete(doc.uuid());

        assertThrows(StoreException.NotFound.class, () -> store.instances().get(doc.uuid()));
        assertThrows(StoreException.NotFound.class, () -> store.instances().get(doc.uuid(), 1));
        assertThrows(StoreException.NotFound.class, () -> store.instances().versions(doc.uuid()));
        assertThrows(StoreException.NotFound.class, () -> store.instances().delete(doc.uuid()));
        StoreException.Conflict conflict = assertThrows(StoreException.Conflict.class,
                () -> store.instances().create(doc.bytes()));
        assertEquals(StoreException.Conflict.Reason.INSTANCE_DELETED, conflict.reason());
        assertEquals(2, backend.count("SELECT COUNT(*) FROM instance_versions"), "versions are kept");

        assertEquals(0, store.instances().purgeDeleted(now[0]), "deleted at 'now', not before it");
        now[0] = now[0].plusSeconds(60);
        assertEquals(1, store.instances().purgeDeleted(now[0]));

        assertEquals(0, backend.count("SELECT COUNT(*) FROM instance_versions"));
        assertEquals(1, store.instances().create(doc.bytes()).version());
    }

    @BackendTest
    void deleteAtAnExpectedVersion(Backend backend) {
        Store store = backend.open();
        Documents doc = Documents.instance();
        store.instances().create(doc.bytes());
        store.instances().update(doc.uuid(), 1, doc.name("second").bytes());

        StoreException.Conflict conflict = assertThrows(StoreException.Conflict.class,
                () -> store.instances().delete(doc.uuid(), 1));
        assertEquals(2, conflict.currentVersion().getAsLong());
        store.instances().delete(doc.uuid(), 2);
        assertThrows(StoreException.NotFound.class, () -> store.instances().get(doc.uuid()));
    }

    @BackendTest
    void listPagesThroughLiveInstancesInCreationOrder(Backend backend) {
        Store store = backend.open();
        List<UUID> created = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            Documents doc = Documents.instance().name("n" + i).project(i % 2 == 0 ? "even" : "odd");
            store.instances().create(doc.bytes());
            created.add(doc.uuid());
        }
        // An update does not move an instance; a deleted one disappears.
        store.instances().update(created.get(3), 1, Documents.instance(created.get(3)).name("moved?").project("odd").bytes());
        store.instances().delete(created.get(7));
        List<UUID> expected = new ArrayList<>(created);
        expected.remove(7);

        List<UUID> seen = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        Optional<PageRequest> request = Optional.of(PageRequest.first(10));
        while (request.isPresent()) {
            Page<StoredInstance> page = store.instances().list(request.get());
            page.items().forEach(item -> seen.add(item.uuid()));
            sizes.add(page.items().size());
            request = request.get().next(page);
        }

        assertEquals(expected, seen);
        assertEquals(List.of(10, 10, 4), sizes);
        assertEquals("moved?", store.instances().list(PageRequest.first(5)).items().get(3).instance().name());
        assertEquals(2, store.instances().list(PageRequest.first(5)).items().get(3).version());
        Page<StoredInstance> even = store.instances().list(PageRequest.first(100).inProject("even"));
        assertEquals(13, even.items().size());
        assertTrue(even.items().stream().allMatch(i -> i.instance().projectId().equals(Optional.of("even"))));
        assertTrue(even.nextCursor().isEmpty());
    }

    @BackendTest
    void aPageBoundaryStaysPutWhenInstancesAreCreatedOrDeletedBetweenRequests(Backend backend) {
        Store store = backend.open();
        List<UUID> created = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            created.add(store.instances().create(Documents.instance().bytes()).uuid());
        }
        Page<StoredInstance> first = store.instances().list(PageRequest.first(3));
        store.instances().delete(created.get(0));
        UUID late = store.instances().create(Documents.instance().bytes()).uuid();

        Page<StoredInstance> second = store.instances().list(PageRequest.after(first.nextCursor().orElseThrow(), 10));

        assertEquals(List.of(created.get(3), created.get(4), created.get(5), late),
                second.items().stream().map(StoredInstance::uuid).toList());
    }

    @BackendTest
    void listRefusesABadLimitOrCursor(Backend backend) {
        Store store = backend.open();
        assertEquals("limit", assertThrows(StoreException.Invalid.class,
                () -> store.instances().list(PageRequest.first(0))).field());
        assertEquals("limit", assertThrows(StoreException.Invalid.class,
                () -> store.instances().list(PageRequest.first(PageRequest.MAX_LIMIT + 1))).field());
        assertEquals("cursor", assertThrows(StoreException.Invalid.class,
                () -> store.instances().list(PageRequest.after("bogus!", 10))).field());
        assertEquals("cursor", assertThrows(StoreException.Invalid.class,
                () -> store.instances().list(PageRequest.after("c2VxOi0x", 10))).field()); // "seq:-1"
        assertTrue(store.instances().list(PageRequest.first(PageRequest.MAX_LIMIT)).items().isEmpty());
    }

    @BackendTest
    void keyNameResolvesAtCreateAndTheVersionKeepsTheKey(Backend backend) {
        Store store = backend.open();
        store.keyPairs().create(KeyPairs.DEFAULT_OWNER, "mykey", "ssh", Keys.ALICE);
        Documents doc = Documents.instance().keyName("mykey");
        store.instances().create(doc.bytes());

        // Nova copies the key into the instance: deleting or replacing the key pair changes no stored version.
        store.keyPairs().delete(KeyPairs.DEFAULT_OWNER, "mykey");
        assertEquals(List.of(Keys.ALICE), publicKeys(store.instances().get(doc.uuid())));
        store.keyPairs().create(KeyPairs.DEFAULT_OWNER, "mykey", "ssh", Keys.BOB);
        assertEquals(List.of(Keys.ALICE), publicKeys(store.instances().get(doc.uuid(), 1)));

        // A new version resolves key_name again: the owner's current pair wins…
        store.instances().update(doc.uuid(), 1, doc.name("v2").bytes());
        assertEquals(List.of(Keys.BOB), publicKeys(store.instances().get(doc.uuid())));
        assertEquals(List.of(Keys.ALICE), publicKeys(store.instances().get(doc.uuid(), 1)));

        // …and when the owner no longer has the pair, the key the previous version carried is kept.
        store.keyPairs().delete(KeyPairs.DEFAULT_OWNER, "mykey");
        store.instances().update(doc.uuid(), 2, doc.name("v3").bytes());
        assertEquals(List.of(Keys.BOB), publicKeys(store.instances().get(doc.uuid())));
    }

    @BackendTest
    void keyNameResolvesAgainstTheGivenOwnerOnly(Backend backend) {
        Store store = backend.open();
        store.keyPairs().create("alice", "mykey", "ssh", Keys.ALICE);
        store.keyPairs().create("bob", "mykey", "ssh", Keys.BOB);

        StoredInstance forBob = store.instances().create(Documents.instance().keyName("mykey").bytes(), "bob");
        assertEquals(List.of(Keys.BOB), publicKeys(forBob));

        StoreException.Invalid unknown = assertThrows(StoreException.Invalid.class,
                () -> store.instances().create(Documents.instance().keyName("mykey").bytes()));
        assertEquals("/key_name", unknown.field());
        assertEquals("Invalid key_name provided.", unknown.documentErrors().getFirst().message());
    }

    @BackendTest
    void aStoreSeesWritesMadeThroughAnotherStore(Backend backend) {
        Store writer = backend.open();
        Store reader = backend.open();
        Documents doc = Documents.instance();
        writer.instances().create(doc.bytes());
        assertEquals(1, reader.instances().get(doc.uuid()).version());
        writer.instances().update(doc.uuid(), 1, doc.name("x").bytes());
        assertEquals("x", reader.instances().get(doc.uuid()).instance().name());
        Set<UUID> listed = new HashSet<>();
        reader.instances().list(PageRequest.first(10)).items().forEach(i -> listed.add(i.uuid()));
        assertEquals(Set.of(doc.uuid()), listed);
        assertFalse(reader.instances().list(PageRequest.first(10)).nextCursor().isPresent());
    }

    private static List<String> publicKeys(StoredInstance stored) {
        return stored.instance().keys().stream().map(KeyPair::publicKey).toList();
    }
}
