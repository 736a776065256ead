package io.guestdata.store;

import io.guestdata.core.document.KeyPairResolver;
import java.util.List;

/**
 * Key pairs, with Nova's rules (nova-compat.md §8, microversion 2.92 and later).
 *
 * <p>Nova keeps key pairs per <em>user</em>: two users may each have a key pair called
 * {@code mykey}, and the quota of 100 counts per user. The instance document has no user, so the
 * store models the user as an {@code owner}: an opaque string (1 to 255 characters) that the caller
 * chooses, typically the authenticated user or project of the management API.
 * {@link #DEFAULT_OWNER} serves single-tenant deployments. Instance writes say which owner's key
 * pairs their {@code key_name} resolves against.
 *
 * <ul>
 *   <li>name: 1–255 characters, printable, no leading or trailing whitespace, only
 *       {@code @ . _ - space} and ASCII letters and digits;</li>
 *   <li>type: {@code ssh} (an OpenSSH public key line, checked field by field; fingerprint MD5 of the
 *       key blob) or {@code x509} (a PEM certificate; fingerprint SHA-1 of its DER);</li>
 *   <li>import only: the public key is required (2.92 dropped key generation);</li>
 *   <li>a duplicate name for the same owner is a {@link StoreException.Conflict} (409); the
 *       {@code (quota + 1)}th pair is {@link StoreException.QuotaExceeded} (403).</li>
 * </ul>
 */
public interface KeyPairs {

    /** The owner used when the caller has none. */
    String DEFAULT_OWNER = "default";

    /** Nova's default {@code [quota] key_pairs}. */
    int NOVA_QUOTA = 100;

    /**
     * Imports a key pair.
     *
     * @param type      {@code ssh} or {@code x509}
     * @param publicKey the public key (ssh) or PEM certificate (x509); trailing whitespace is dropped
     * @throws StoreException.Invalid       {@code owner}, {@code name}, {@code type} or {@code public_key}
     * @throws StoreException.Conflict      {@code KEY_PAIR_EXISTS}
     * @throws StoreException.QuotaExceeded the owner has the quota's number of key pairs already
     */
    StoredKeyPair create(String owner, String name, String type, String publicKey);

    /** @throws StoreException.NotFound the owner has no key pair of that name */
    StoredKeyPair get(String owner, String name);

    /** The owner's key pairs, by name (code point order); at most the quota's number. */
    List<StoredKeyPair> list(String owner);

    /** @throws StoreException.NotFound the owner has no key pair of that name */
    void delete(String owner, String name);

    /**
     * The owner's key pairs as the document parser looks them up. Each lookup reads the database,
     * so a pair imported through another node is found at once.
     */
    KeyPairResolver resolver(String owner);
}
