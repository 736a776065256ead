package io.guestdata.server.metadata.dev;

import io.guestdata.server.metadata.PasswordStore;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/** A {@link PasswordStore} in memory: for tests and development; passwords are lost on restart. */
public final class InMemoryPasswordStore implements PasswordStore {
    private final Map<UUID, String> passwords = new ConcurrentHashMap<>();

    @Override
    public Optional<String> get(UUID instance) {
        return Optional.ofNullable(passwords.get(instance));
    }

    @Override
    public boolean setIfAbsent(UUID instance, String password) {
        if (password.isEmpty()) {
            return !passwords.containsKey(instance); // storing "" stores nothing, as Nova's empty chunks do
        }
        return passwords.putIfAbsent(instance, password) == null;
    }

    @Override
    public void clear(UUID instance) {
        passwords.remove(instance);
    }
}
