package io.guestdata.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A failure inside a write transaction leaves no trace: not the rows written before the failure, not
 * an EC2 id, not a change, not a step of the change counter. Failures are provoked at the last
 * statement of the transaction (a trigger on the change log) and in the middle (an address conflict).
 */
class RollbackTest {

    /** Every table a write touches, counted. */
    private static final List<String> COUNTS = List.of("SELECT COUNT(*) FROM instances",
            "SELECT COUNT(*) FROM instance_versions", "SELECT COUNT(*) FROM instance_addresses",
            "SELECT COUNT(*) FROM instance_passwords", "SELECT COUNT(*) FROM ec2_instance_ids",
            "SELECT COUNT(*) FROM ec2_image_ids", "SELECT COUNT(*) FROM changes",
            "SELECT last_seq FROM change_counter", "SELECT COALESCE(SUM(current_version), 0) FROM instances");

    @BackendTest
    void aFailureAtTheLastStatementUndoesTheWholeWrite(Backend backend) throws Exception {
        Store store = backend.open();
        Documents existing = Documents.instance().address("10.1.0.1");
        store.instances().create(existing.bytes());
        List<Long> before = counts(backend);
        failChangeLogInserts(backend);

        Documents doc = Documents.instance().address("10.1.0.2").image("fresh-image");
        StoreException.DatabaseError create = assertThrows(StoreException.DatabaseError.class,
                () -> store.instances().create(doc.bytes()));
        assertFalse(create.isTransient());
        assertThrows(StoreException.DatabaseError.class,
                () -> store.instances().update(existing.uuid(), 1, existing.name("v2").address("10.1.0.3").bytes()));
        assertThrows(StoreException.DatabaseError.class, () -> store.passwords().set(existing.uuid(), "secret"));
        assertThrows(StoreException.DatabaseError.class, () -> store.instances().delete(existing.uuid()));

        assertEquals(before, counts(backend));
        assertThrows(StoreException.NotFound.class, () -> store.instances().get(doc.uuid()));
        assertEquals(1, store.instances().get(existing.uuid()).version());
        assertEquals(Optional.of(existing.uuid()), store.instances().findByAddress("10.1.0.1").map(StoredInstance::uuid));
        assertEquals(Optional.empty(), store.passwords().get(existing.uuid()));

        // The store is healthy afterwards: the connections were rolled back and reused.
        backend.execute("DROP TRIGGER fail_change_log" + (backend.kind() == Backend.Kind.POSTGRESQL ? " ON changes" : ""));
        store.instances().create(doc.bytes());
        assertEquals(before.get(6) + 1, backend.count("SELECT COUNT(*) FROM changes"));
    }

    @BackendTest
    void aConflictInTheMiddleUndoesWhatCameBefore(Backend backend) throws Exception {
        Store store = backend.open();
        Documents owner = Documents.instance().address("10.2.0.1");
        store.instances().create(owner.bytes());
        List<Long> before = counts(backend);

        // Instance row, version row, one address, then the conflicting address.
        UUID uuid = UUID.randomUUID();
        assertThrows(StoreException.Conflict.class, () -> store.instances().create(
                Documents.instance(uuid).address("10.2.0.0").address("10.2.0.1").image("another-image").bytes()));

        assertEquals(before, counts(backend));
        assertThrows(StoreException.NotFound.class, () -> store.instances().get(uuid));
        assertEquals(Optional.empty(), store.instances().findByAddress("10.2.0.0"));
        assertEquals(1, store.ec2Ids().instanceId(owner.uuid()), "no EC2 id was taken by the failed write");
    }

    @BackendTest
    void aRefusedKeyPairLeavesTheCountAsItWas(Backend backend) throws Exception {
        Store store = backend.open(StoreOptions.defaults().withKeyPairQuota(2));
        store.keyPairs().create("u", "a", "ssh", Keys.ALICE);
        assertThrows(StoreException.Conflict.class, () -> store.keyPairs().create("u", "a", "ssh", Keys.BOB));
        assertEquals(1, backend.count("SELECT pairs FROM key_pair_counts WHERE owner = 'u'"));
        store.keyPairs().create("u", "b", "ssh", Keys.BOB);
        assertThrows(StoreException.QuotaExceeded.class, () -> store.keyPairs().create("u", "c", "ssh", Keys.CAROL));
        assertEquals(2, backend.count("SELECT pairs FROM key_pair_counts WHERE owner = 'u'"));
    }

    /** Makes every insert into the change log, the last statement of every instance write, fail. */
    private static void failChangeLogInserts(Backend backend) throws Exception {
        if (backend.kind() == Backend.Kind.SQLITE) {
            backend.execute("CREATE TRIGGER fail_change_log BEFORE INSERT ON changes BEGIN "
                    + "SELECT RAISE(ABORT, 'injected failure'); END");
        } else {
            backend.execute("CREATE FUNCTION fail_change_log() RETURNS trigger LANGUAGE plpgsql AS "
                    + "$$ BEGIN RAISE EXCEPTION 'injected failure'; END $$");
            backend.execute("CREATE TRIGGER fail_change_log BEFORE INSERT ON changes "
                    + "FOR EACH ROW EXECUTE FUNCTION fail_change_log()");
        }
    }

    private static List<Long> counts(Backend backend) throws Exception {
        List<Long> counts = new java.util.ArrayList<>();
        for (String sql : COUNTS) {
            counts.add(backend.count(sql));
        }
        return counts;
    }
}
