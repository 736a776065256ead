package io.guestdata.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Optional;
import java.util.UUID;

/** The guest-set password (nova-compat.md §3): set once, 409 on a second set, at most 1020 characters, cleared. */
class PasswordsTest {

    @BackendTest
    void aPasswordIsSetOnceUntilCleared(Backend backend) {
        Store store = backend.open();
        UUID uuid = store.instances().create(Documents.instance().bytes()).uuid();
        assertEquals(Optional.empty(), store.passwords().get(uuid));

        store.passwords().set(uuid, "encrypted-by-the-guest");
        assertEquals(Optional.of("encrypted-by-the-guest"), store.passwords().get(uuid));
        StoreException.Conflict conflict = assertThrows(StoreException.Conflict.class,
                () -> store.passwords().set(uuid, "another"));
        assertEquals(StoreException.Conflict.Reason.PASSWORD_ALREADY_SET, conflict.reason());
        assertEquals(Optional.of("encrypted-by-the-guest"), store.passwords().get(uuid));

        store.passwords().clear(uuid);
        assertEquals(Optional.empty(), store.passwords().get(uuid));
        store.passwords().clear(uuid); // clearing nothing is fine
        store.passwords().set(uuid, "another");
        assertEquals(Optional.of("another"), store.passwords().get(uuid));
    }

    @BackendTest
    void atMost1020CharactersAndTheConflictComesFirst(Backend backend) {
        Store store = backend.open();
        UUID uuid = store.instances().create(Documents.instance().bytes()).uuid();

        StoreException.Invalid tooLong = assertThrows(StoreException.Invalid.class,
                () -> store.passwords().set(uuid, "x".repeat(1021)));
        assertEquals("password", tooLong.field());
        assertEquals("password.length", tooLong.rule());
        assertEquals(Optional.empty(), store.passwords().get(uuid));

        // Characters, not bytes or UTF-16 units: 1020 astral characters are 4080 UTF-8 bytes.
        String astral = "\uD83D\uDD11".repeat(Passwords.MAX_LENGTH);
        store.passwords().set(uuid, astral);
        assertEquals(Optional.of(astral), store.passwords().get(uuid));

        // Nova answers 409 before it looks at the size.
        assertThrows(StoreException.Conflict.class, () -> store.passwords().set(uuid, "x".repeat(5000)));
    }

    @BackendTest
    void anyTextRoundTripsAndTheEmptyPasswordIsNone(Backend backend) {
        Store store = backend.open();
        UUID uuid = store.instances().create(Documents.instance().bytes()).uuid();

        store.passwords().set(uuid, "");
        assertEquals(Optional.empty(), store.passwords().get(uuid));

        String text = "nul\u0000 tab\t newline\n é 日本 \uD83D\uDD11";
        store.passwords().set(uuid, text);
        assertEquals(Optional.of(text), store.passwords().get(uuid));

        UUID other = store.instances().create(Documents.instance().bytes()).uuid();
        assertEquals("password.text", assertThrows(StoreException.Invalid.class,
                () -> store.passwords().set(other, "lone \uD83D surrogate")).rule());
    }

    @BackendTest
    void anUnknownOrDeletedInstanceHasNoPassword(Backend backend) throws Exception {
        Store store = backend.open();
        UUID unknown = UUID.randomUUID();
        assertThrows(StoreException.NotFound.class, () -> store.passwords().get(unknown));
        assertThrows(StoreException.NotFound.class, () -> store.passwords().set(unknown, "x"));
        assertThrows(StoreException.NotFound.class, () -> store.passwords().clear(unknown));

        UUID uuid = store.instances().create(Documents.instance().bytes()).uuid();
        store.passwords().set(uuid, "secret");
        store.instances().delete(uuid);
        assertThrows(StoreException.NotFound.class, () -> store.passwords().get(uuid));
        assertThrows(StoreException.NotFound.class, () -> store.passwords().set(uuid, "x"));
        assertEquals(0, backend.count("SELECT COUNT(*) FROM instance_passwords"), "a delete clears the password");
    }

    @BackendTest
    void anotherStoreSeesTheSetAndTheClear(Backend backend) {
        Store guestFacing = backend.open();
        Store management = backend.open();
        UUID uuid = management.instances().create(Documents.instance().bytes()).uuid();
        guestFacing.passwords().set(uuid, "secret");
        assertEquals(Optional.of("secret"), management.passwords().get(uuid));
        management.passwords().clear(uuid);
        assertEquals(Optional.empty(), guestFacing.passwords().get(uuid));
    }
}
