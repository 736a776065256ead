package io.guestdata.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** The fixed-address index the metadata service maps a request's source address with. */
class AddressIndexTest {

    @BackendTest
    void findsTheInstanceThatOwnsAnAddressInAnyTextForm(Backend backend) {
        Store store = backend.open();
        Documents doc = Documents.instance().address("10.0.0.5").address("2001:DB8:0:0::0:1");
        store.instances().create(doc.bytes());

        for (String form : List.of("10.0.0.5", "::ffff:10.0.0.5", "::FFFF:0a00:0005", "2001:db8::1",
                "2001:0db8:0000:0000:0000:0000:0000:0001", "2001:DB8::0:1")) {
            assertEquals(Optional.of(doc.uuid()), store.instances().findByAddress(form).map(StoredInstance::uuid), form);
        }
        assertEquals(Optional.empty(), store.instances().findByAddress("10.0.0.6"));
        assertEquals("address", assertThrows(StoreException.Invalid.class,
                () -> store.instances().findByAddress("metadata.example")).field());
        assertThrows(StoreException.Invalid.class, () -> store.instances().findByAddress("fe80::1%eth0"));
    }

    @BackendTest
    void anAddressOwnedByAnotherInstanceIsAConflictAndNothingOfTheWriteIsStored(Backend backend) throws Exception {
        Store store = backend.open();
        Documents first = Documents.instance().address("10.0.0.5");
        store.instances().create(first.bytes());
        Documents second = Documents.instance().address("10.0.0.9").address("10.0.0.5");

        StoreException.Conflict conflict = assertThrows(StoreException.Conflict.class,
                () -> store.instances().create(second.bytes()));

        assertEquals(StoreException.Conflict.Reason.ADDRESS_IN_USE, conflict.reason());
        assertEquals(Optional.of(first.uuid()), conflict.otherInstance());
        assertEquals(Optional.of("10.0.0.5"), conflict.address());
        assertThrows(StoreException.NotFound.class, () -> store.instances().get(second.uuid()));
        assertEquals(Optional.empty(), store.instances().findByAddress("10.0.0.9"));
        assertEquals(1, backend.count("SELECT COUNT(*) FROM instance_addresses"));
        assertEquals(Optional.of(first.uuid()), store.instances().findByAddress("10.0.0.5").map(StoredInstance::uuid));
    }

    @BackendTest
    void theSameAddressTwiceInOneInstanceIsOneEntry(Backend backend) throws Exception {
        Store store = backend.open();
        Documents doc = Documents.instance().address("2001:db8::7").address("2001:DB8:0::7");
        store.instances().create(doc.bytes());
        assertEquals(1, backend.count("SELECT COUNT(*) FROM instance_addresses"));
    }

    @BackendTest
    void anUpdateMovesTheInstanceToItsNewAddressesAndADeleteFreesThem(Backend backend) {
        Store store = backend.open();
        Documents doc = Documents.instance().address("10.0.0.5");
        store.instances().create(doc.bytes());

        store.instances().update(doc.uuid(), 1, Documents.instance(doc.uuid()).address("10.0.0.6").bytes());
        assertEquals(Optional.empty(), store.instances().findByAddress("10.0.0.5"));
        assertEquals(2, store.instances().findByAddress("10.0.0.6").orElseThrow().version());

        // The freed address can be taken by another instance; an update that would take it back conflicts.
        Documents other = Documents.instance().address("10.0.0.5");
        store.instances().create(other.bytes());
        StoreException.Conflict conflict = assertThrows(StoreException.Conflict.class, () -> store.instances()
                .update(doc.uuid(), 2, Documents.instance(doc.uuid()).address("10.0.0.5").bytes()));
        assertEquals(Optional.of(other.uuid()), conflict.otherInstance());
        assertEquals(2, store.instances().findByAddress("10.0.0.6").orElseThrow().version(), "rolled back");

        store.instances().delete(other.uuid());
        assertEquals(Optional.empty(), store.instances().findByAddress("10.0.0.5"));
        store.instances().update(doc.uuid(), 2, Documents.instance(doc.uuid()).address("10.0.0.5").bytes());
        assertEquals(Optional.of(doc.uuid()), store.instances().findByAddress("10.0.0.5").map(StoredInstance::uuid));
    }

    @BackendTest
    void concurrentCreatesClaimingOneAddressLetExactlyOneWin(Backend backend) throws Exception {
        Store first = backend.open();
        Store second = backend.open();
        int writers = 8;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<UUID>> outcomes = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(writers)) {
            for (int i = 0; i < writers; i++) {
                Store store = i % 2 == 0 ? first : second;
                // Each also claims an address of its own, in an order that differs from its neighbours'.
                Documents doc = i % 2 == 0
                        ? Documents.instance().address("192.0.2.1").address("192.0.2." + (100 + i))
                        : Documents.instance().address("192.0.2." + (100 + i)).address("192.0.2.1");
                outcomes.add(pool.submit(() -> {
                    start.await();
                    try {
                        return store.instances().create(doc.bytes()).uuid();
                    } catch (StoreException.Conflict e) {
                        assertEquals(StoreException.Conflict.Reason.ADDRESS_IN_USE, e.reason());
                        return null;
                    }
                }));
            }
            start.countDown();
            List<UUID> winners = new ArrayList<>();
            for (Future<UUID> outcome : outcomes) {
                UUID won = outcome.get();
                if (won != null) {
                    winners.add(won);
                }
            }
            assertEquals(1, winners.size());
            assertEquals(Optional.of(winners.getFirst()),
                    first.instances().findByAddress("192.0.2.1").map(StoredInstance::uuid));
            assertEquals(2, backend.count("SELECT COUNT(*) FROM instance_addresses"));
            assertTrue(backend.count("SELECT COUNT(*) FROM instances") == 1);
        }
    }
}
