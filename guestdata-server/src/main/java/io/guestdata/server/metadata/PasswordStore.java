package io.guestdata.server.metadata;

import java.util.Optional;
import java.util.UUID;

/**
 * Where the password a guest posts to {@code /openstack/<v>/password} is kept (Nova: the instance's
 * {@code system_metadata} keys {@code password_0..3}, nova-compat.md §3). The guest posts it once (encrypted
 * with its public key, as {@code nova get-password} expects); the operator reads and clears it through the
 * management API. The store will implement it; {@link io.guestdata.server.metadata.dev.InMemoryPasswordStore} serves tests and development.
 */
public interface PasswordStore {
    /** The stored password; empty when none (an empty string is "none", as in Nova). */
    Optional<String> get(UUID instance);

    /**
     * Stores {@code password} unless one is stored, atomically.
     *
     * @return false when a password was already stored (the guest gets 409)
     */
    boolean setIfAbsent(UUID instance, String password);

    /** Forgets the password (Nova's {@code DELETE /servers/{id}/os-server-password}). */
    void clear(UUID instance);

    /** How many operations failed because the backing store did (for {@code guestdata_store_errors_total}). */
    default long storeErrors() {
        return 0;
    }
}
