package io.guestdata.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.core.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Key pairs with Nova's rules (nova-compat.md §8): names, types, fingerprints, duplicates, quota. */
class KeyPairsTest {

    private static final String OWNER = "user-1";

    @BackendTest
    void anSshKeyPairIsStoredWithNovasFingerprint(Backend backend) {
        Store store = backend.open();
        StoredKeyPair created = store.keyPairs().create(OWNER, "mykey", "ssh", Keys.ALICE + "\n");

        assertEquals(new KeyPair("mykey", "ssh", Keys.ALICE, Keys.ALICE_MD5), created.keyPair());
        assertEquals(created, store.keyPairs().get(OWNER, "mykey"));
        assertEquals(Optional.of(created.keyPair()), store.keyPairs().resolver(OWNER).find("mykey"));
        assertEquals(Optional.empty(), store.keyPairs().resolver("someone-else").find("mykey"));
    }

    @BackendTest
    void anX509KeyPairIsACertificateFingerprintedBySha1OfItsDer(Backend backend) {
        Store store = backend.open();
        StoredKeyPair created = store.keyPairs().create(OWNER, "cert", "x509", Keys.CERTIFICATE);

        assertEquals("x509", created.keyPair().type());
        assertEquals(Keys.CERTIFICATE_SHA1, created.keyPair().fingerprint());
        assertEquals(Keys.CERTIFICATE.strip(), store.keyPairs().get(OWNER, "cert").keyPair().publicKey());
        assertEquals("public_key", assertThrows(StoreException.Invalid.class,
                () -> store.keyPairs().create(OWNER, "notcert", "x509", Keys.ALICE)).field());
        assertEquals("public_key", assertThrows(StoreException.Invalid.class, () -> store.keyPairs()
                .create(OWNER, "broken", "x509", Keys.CERTIFICATE.replace("MIIBiTCC", "MIIBiTCD"))).field());
    }

    @BackendTest
    void namesFollowNovas292Rule(Backend backend) {
        Store store = backend.open();
        for (String good : List.of("a", "my key", "user@host.example", "A-b_c.d@e", "x".repeat(255))) {
            assertEquals(good, store.keyPairs().create(OWNER, good, "ssh", Keys.ALICE).name());
        }
        for (String bad : List.of("", " leading", "trailing ", "tab\tname", "slash/name", "é", "x".repeat(256))) {
            StoreException.Invalid invalid = assertThrows(StoreException.Invalid.class,
                    () -> store.keyPairs().create(OWNER, bad, "ssh", Keys.ALICE), bad);
            assertEquals("name", invalid.field());
        }
        assertTrue(assertThrows(StoreException.Invalid.class, () -> store.keyPairs().create(OWNER, "a/b", "ssh", Keys.ALICE))
                .getMessage().contains("Only expected characters: [@._- 0123456789abc"));
    }

    @BackendTest
    void typeAndKeyAreChecked(Backend backend) {
        Store store = backend.open();
        assertEquals("type", assertThrows(StoreException.Invalid.class,
                () -> store.keyPairs().create(OWNER, "k", "rsa", Keys.ALICE)).field());
        assertEquals("public_key", assertThrows(StoreException.Invalid.class,
                () -> store.keyPairs().create(OWNER, "k", "ssh", "")).field());
        StoreException.Invalid invalid = assertThrows(StoreException.Invalid.class,
                () -> store.keyPairs().create(OWNER, "k", "ssh", "ssh-ed25519 AAAA"));
        assertEquals("public_key", invalid.field());
        assertTrue(invalid.getMessage().startsWith("Keypair data is invalid: "), invalid.getMessage());
        assertEquals("owner", assertThrows(StoreException.Invalid.class,
                () -> store.keyPairs().create("", "k", "ssh", Keys.ALICE)).field());
        assertEquals(List.of(), store.keyPairs().list(OWNER));
    }

    @BackendTest
    void aDuplicateNameIsAConflictForTheSameOwnerOnly(Backend backend) {
        Store store = backend.open();
        store.keyPairs().create(OWNER, "mykey", "ssh", Keys.ALICE);

        StoreException.Conflict conflict = assertThrows(StoreException.Conflict.class,
                () -> store.keyPairs().create(OWNER, "mykey", "ssh", Keys.BOB));

        assertEquals(StoreException.Conflict.Reason.KEY_PAIR_EXISTS, conflict.reason());
        assertEquals("Key pair 'mykey' already exists.", conflict.getMessage());
        assertEquals(Keys.ALICE, store.keyPairs().get(OWNER, "mykey").keyPair().publicKey());
        assertEquals(Keys.BOB, store.keyPairs().create("user-2", "mykey", "ssh", Keys.BOB).keyPair().publicKey());
    }

    @BackendTest
    void listIsByNameAndDeleteRemoves(Backend backend) {
        Store store = backend.open();
        store.keyPairs().create(OWNER, "b", "ssh", Keys.BOB);
        store.keyPairs().create(OWNER, "a", "ssh", Keys.ALICE);
        store.keyPairs().create(OWNER, "C", "ssh", Keys.CAROL);
        store.keyPairs().create("user-2", "z", "ssh", Keys.CAROL);

        assertEquals(List.of("C", "a", "b"), store.keyPairs().list(OWNER).stream().map(StoredKeyPair::name).toList());
        store.keyPairs().delete(OWNER, "a");
        assertEquals(List.of("C", "b"), store.keyPairs().list(OWNER).stream().map(StoredKeyPair::name).toList());
        assertThrows(StoreException.NotFound.class, () -> store.keyPairs().delete(OWNER, "a"));
        assertThrows(StoreException.NotFound.class, () -> store.keyPairs().get(OWNER, "a"));
        assertThrows(StoreException.NotFound.class, () -> store.keyPairs().delete(OWNER, "z"));
    }

    @BackendTest
    void theHundredAndFirstKeyPairOfAnOwnerIsOverQuota(Backend backend) {
        Store store = backend.open();
        for (int i = 0; i < KeyPairs.NOVA_QUOTA; i++) {
            store.keyPairs().create(OWNER, "key" + i, "ssh", Keys.ALICE);
        }

        StoreException.QuotaExceeded exceeded = assertThrows(StoreException.QuotaExceeded.class,
                () -> store.keyPairs().create(OWNER, "key100", "ssh", Keys.ALICE));
        assertEquals("Quota exceeded, too many key pairs.", exceeded.getMessage());
        assertEquals(100, exceeded.limit());
        // Nova checks the quota before the name: a duplicate at the quota is 403, not 409.
        assertThrows(StoreException.QuotaExceeded.class, () -> store.keyPairs().create(OWNER, "key5", "ssh", Keys.ALICE));
        // Per owner; and a delete makes room.
        store.keyPairs().create("user-2", "key100", "ssh", Keys.ALICE);
        store.keyPairs().delete(OWNER, "key0");
        store.keyPairs().create(OWNER, "key100", "ssh", Keys.ALICE);
        assertEquals(KeyPairs.NOVA_QUOTA, store.keyPairs().list(OWNER).size());
    }

    @BackendTest
    void theQuotaHoldsUnderConcurrentImportsFromTwoStores(Backend backend) throws Exception {
        Store first = backend.open(StoreOptions.defaults().withKeyPairQuota(10));
        Store second = backend.open(StoreOptions.defaults().withKeyPairQuota(10));
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Boolean>> outcomes = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            for (int i = 0; i < 40; i++) {
                Store store = i % 2 == 0 ? first : second;
                String name = "key" + i;
                outcomes.add(pool.submit(() -> {
                    start.await();
                    try {
                        store.keyPairs().create(OWNER, name, "ssh", Keys.ALICE);
                        return true;
                    } catch (StoreException.QuotaExceeded e) {
                        return false;
                    }
                }));
            }
            start.countDown();
            long created = 0;
            for (Future<Boolean> outcome : outcomes) {
                created += outcome.get() ? 1 : 0;
            }
            assertEquals(10, created);
        }
        assertEquals(10, first.keyPairs().list(OWNER).size());
        assertEquals(10, backend.count("SELECT pairs FROM key_pair_counts WHERE owner = '" + OWNER + "'"));
    }

    @BackendTest
    void anUnlimitedQuotaIsMinusOne(Backend backend) {
        Store store = backend.open(StoreOptions.defaults().withKeyPairQuota(-1));
        for (int i = 0; i < KeyPairs.NOVA_QUOTA + 5; i++) {
            store.keyPairs().create(OWNER, "key" + i, "ssh", Keys.ALICE);
        }
        assertEquals(KeyPairs.NOVA_QUOTA + 5, store.keyPairs().list(OWNER).size());
    }
}
