package io.guestdata.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@link Instances#createAll}: several creates in one transaction, each exactly as {@link Instances#create}
 * would store it (versions, addresses, EC2 ids, one change each), all or nothing.
 */
class BatchCreateTest {

    @BackendTest
    void aBatchStoresEachDocumentAsSingleCreatesDo(Backend backend) throws Exception {
        Store store = backend.open();
        BlockingQueue<Change> changes = new LinkedBlockingQueue<>();
        store.subscribe(changes::add);
        Documents before = Documents.instance().address("10.1.0.1").image("img-a");
        store.instances().create(before.bytes());
        List<Documents> batch = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            batch.add(Documents.instance().name("batch-" + i).address("10.1.1." + i)
                    .image(i % 2 == 0 ? "img-a" : "img-b").keyName("k"));
        }
        store.keyPairs().create(KeyPairs.DEFAULT_OWNER, "k", "ssh", Keys.ALICE);

        List<StoredInstance> created = store.instances().createAll(batch.stream().map(Documents::bytes).toList());
        Documents after = Documents.instance().address("10.1.2.1").image("img-c");
        store.instances().create(after.bytes());

        assertEquals(batch.stream().map(Documents::uuid).toList(), created.stream().map(StoredInstance::uuid).toList());
        for (int i = 0; i < batch.size(); i++) {
            StoredInstance stored = created.get(i);
            assertEquals(1, stored.version());
            assertArrayEquals(batch.get(i).bytes(), stored.document(), "stored exactly as given");
            assertEquals(stored, store.instances().get(stored.uuid()));
            assertEquals(stored.uuid(), store.instances().findByAddress("10.1.1." + i).orElseThrow().uuid());
            assertEquals("k", stored.instance().keys().getFirst().name(), "key_name resolved as create does");
            // EC2 ids allocated in the transaction, in list order, between the creates around the batch
            assertEquals(2 + i, store.ec2Ids().instanceId(stored.uuid()));
        }
        assertEquals(1, store.ec2Ids().instanceId(before.uuid()));
        assertEquals(7, store.ec2Ids().instanceId(after.uuid()));
        assertEquals(3, backend.count("SELECT COUNT(*) FROM ec2_image_ids"), "image ids allocated at create, once each");
        assertEquals(3, java.util.Set.of(store.ec2Ids().imageId("img-a"), store.ec2Ids().imageId("img-b"),
                store.ec2Ids().imageId("img-c")).size());

        List<Change> received = ChangeFeedTest.take(changes, 7);
        assertNull(changes.poll(300, TimeUnit.MILLISECONDS), "nothing else");
        List<UUID> expected = new ArrayList<>();
        expected.add(before.uuid());
        batch.forEach(d -> expected.add(d.uuid()));
        expected.add(after.uuid());
        assertEquals(expected, received.stream().map(Change::instance).toList(), "one change each, in list order");
        assertTrue(received.stream().allMatch(c -> c.kind() == Change.Kind.CREATED && c.version() == 1));
        for (int i = 1; i < received.size(); i++) {
            assertEquals(received.get(i - 1).sequence() + 1, received.get(i).sequence(), "no gap");
        }
        assertEquals(received.getLast().sequence(), store.lastChangeSequence());
    }

    @BackendTest
    void anInvalidDocumentRollsBackTheWholeBatchAndIsNamed(Backend backend) throws Exception {
        Store store = backend.open();
        long sequence = store.lastChangeSequence();
        List<byte[]> batch = List.of(Documents.instance().address("10.2.0.1").image("img-x").bytes(),
                Documents.instance().address("10.2.0.2").bytes(),
                Documents.instance().address("10.2.0.300").bytes());

        StoreException.Invalid invalid = assertThrows(StoreException.Invalid.class,
                () -> store.instances().createAll(batch));

        assertEquals("/network_data/networks/0/ip_address", invalid.field());
        assertTrue(invalid.getMessage().startsWith("documents[2] of 3: "), invalid.getMessage());
        assertEquals("/network_data/networks/0/ip_address", invalid.documentErrors().getFirst().pointer());
        assertNothingStored(backend, store, sequence);
        assertTrue(store.instances().findByAddress("10.2.0.1").isEmpty());
    }

    @BackendTest
    void twoDocumentsOfABatchCannotShareAnAddressOrAUuid(Backend backend) throws Exception {
        Store store = backend.open();
        long sequence = store.lastChangeSequence();
        Documents first = Documents.instance().address("10.3.0.1");
        Documents second = Documents.instance().address("10.3.0.2").address("10.3.0.1");

        StoreException.Conflict address = assertThrows(StoreException.Conflict.class,
                () -> store.instances().createAll(List.of(first.bytes(), second.bytes())));
        assertEquals(StoreException.Conflict.Reason.ADDRESS_IN_USE, address.reason());
        assertEquals(first.uuid(), address.otherInstance().orElseThrow());
        assertEquals("10.3.0.1", address.address().orElseThrow());
        assertTrue(address.getMessage().startsWith("documents[1] of 2: fixed address 10.3.0.1"), address.getMessage());

        StoreException.Conflict uuid = assertThrows(StoreException.Conflict.class,
                () -> store.instances().createAll(List.of(first.bytes(), first.name("again").bytes())));
        assertEquals(StoreException.Conflict.Reason.INSTANCE_EXISTS, uuid.reason());
        assertNothingStored(backend, store, sequence);

        // and a stored instance's address, as for a single create
        store.instances().create(first.bytes());
        StoreException.Conflict stored = assertThrows(StoreException.Conflict.class,
                () -> store.instances().createAll(List.of(Documents.instance().bytes(),
                        Documents.instance().address("10.3.0.1").bytes())));
        assertEquals(first.uuid(), stored.otherInstance().orElseThrow());
        assertEquals(1, backend.count("SELECT COUNT(*) FROM instances"));
    }

    @BackendTest
    void aBatchIsAtMostMaxBatchDocumentsAndMayBeEmpty(Backend backend) throws Exception {
        Store store = backend.open();
        long sequence = store.lastChangeSequence();
        byte[] document = Documents.instance().bytes();

        StoreException.Invalid tooMany = assertThrows(StoreException.Invalid.class,
                () -> store.instances().createAll(Collections.nCopies(Instances.MAX_BATCH + 1, document)));
        assertEquals("documents", tooMany.field());
        assertEquals("batch.size", tooMany.rule());
        assertEquals(List.of(), store.instances().createAll(List.of()));
        assertThrows(StoreException.Invalid.class, () -> store.instances().createAll(
                List.of("not json".getBytes(StandardCharsets.UTF_8))));
        assertNothingStored(backend, store, sequence);
    }

    private static void assertNothingStored(Backend backend, Store store, long sequence) throws Exception {
        assertEquals(0, backend.count("SELECT COUNT(*) FROM instances"));
        assertEquals(0, backend.count("SELECT COUNT(*) FROM instance_versions"));
        assertEquals(0, backend.count("SELECT COUNT(*) FROM instance_addresses"));
        assertEquals(0, backend.count("SELECT COUNT(*) FROM ec2_instance_ids"));
        assertEquals(0, backend.count("SELECT COUNT(*) FROM ec2_image_ids"));
        assertEquals(0, backend.count("SELECT COUNT(*) FROM changes"));
        assertEquals(sequence, store.lastChangeSequence(), "no change published");
    }
}
