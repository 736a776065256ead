package io.guestdata.store;

import java.util.Optional;
import java.util.UUID;

/**
 * The password a guest posts to the metadata service ({@code /openstack/<ver>/password},
 * nova-compat.md §3): typically the administrator password encrypted with the instance's public key.
 * Nova keeps it in four 255-character slices of system metadata, so at most
 * {@value #MAX_LENGTH} characters; it can be set once, until the management API clears it.
 * An empty password is the same as none, as in Nova (which reads four empty slices as "no password").
 */
public interface Passwords {

    /** 4 × 255 characters (Nova's {@code password_0..3} slices). */
    int MAX_LENGTH = 1020;

    /**
     * The instance's password, if one is set.
     *
     * @throws StoreException.NotFound no such instance, or it was deleted
     */
    Optional<String> get(UUID instance);

    /**
     * Sets the password, once. As in Nova the "already set" check comes before the size check;
     * setting the empty string stores nothing.
     *
     * @throws StoreException.NotFound no such instance, or it was deleted
     * @throws StoreException.Conflict {@code PASSWORD_ALREADY_SET}
     * @throws StoreException.Invalid  longer than {@value #MAX_LENGTH} characters ({@code password.length}),
     *                                 or not valid Unicode text ({@code password.text})
     */
    void set(UUID instance, String password);

    /**
     * Forgets the password (Nova's {@code DELETE /servers/{id}/os-server-password}); the guest's
     * own password is not changed. Clearing when none is set is not an error.
     *
     * @throws StoreException.NotFound no such instance, or it was deleted
     */
    void clear(UUID instance);
}
