package io.guestdata.server.metadata;

import io.guestdata.store.Passwords;
import io.guestdata.store.StoreException;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * The guest-posted password in the store ({@link Passwords}): set once, atomically in the database, so
 * with several nodes on one database exactly one POST wins and every other node answers 409 at once.
 * Read live on every request (no cache).
 */
public final class StorePasswordStore implements PasswordStore {
    private final Passwords passwords;
    private final java.util.concurrent.atomic.LongAdder errors = new java.util.concurrent.atomic.LongAdder();

    public StorePasswordStore(Passwords passwords) {
        this.passwords = Objects.requireNonNull(passwords, "passwords");
    }

    @Override
    public Optional<String> get(UUID instance) {
        try {
            return passwords.get(instance);
        } catch (StoreException.NotFound e) {
            return Optional.empty(); // deleted since it was identified
        } catch (StoreException.DatabaseError e) {
            errors.increment();
            throw e;
        }
    }

    @Override
    public boolean setIfAbsent(UUID instance, String password) {
        try {
            passwords.set(instance, password);
            return true;
        } catch (StoreException.Conflict e) {
            if (e.reason() == StoreException.Conflict.Reason.PASSWORD_ALREADY_SET) {
                return false;
            }
            throw e;
        } catch (StoreException.DatabaseError e) {
            errors.increment();
            throw e;
        }
    }

    @Override
    public long storeErrors() {
        return errors.sum();
    }

    @Override
    public void clear(UUID instance) {
        try {
            passwords.clear(instance);
        } catch (StoreException.NotFound e) {
            // nothing to clear
        } catch (StoreException.DatabaseError e) {
            errors.increment();
            throw e;
        }
    }
}
