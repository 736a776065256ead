package io.guestdata.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Stored instances, each a series of versions of its instance document.
 *
 * <p>A document is parsed with {@code InstanceDocumentParser} (the store's limits) inside the
 * write's transaction, so its {@code key_name} resolves against the key pairs of
 * {@code keyOwner} as they are at that moment. The resolved key pair is kept with the version
 * (Nova copies {@code key_data} into the instance at create): deleting or replacing the key pair
 * later changes no stored version.
 *
 * <p>Each instance's fixed addresses (the {@code ip_address} values of its {@code network_data}
 * networks) are kept in an index with one owner per address: a write that would give an address
 * to a second instance is refused with {@link StoreException.Conflict.Reason#ADDRESS_IN_USE}, so
 * {@link #findByAddress} is never ambiguous.
 *
 * <p>Delete is soft: the instance disappears from every read, its addresses are released and its
 * password is cleared, but its versions stay (an audit trail) and its uuid stays taken, as in Nova;
 * {@link #purgeDeleted} removes deleted instances for good.
 */
public interface Instances {

    /**
     * Stores version 1 of a new instance.
     *
     * @param document the instance document (UTF-8 JSON), stored exactly as given
     * @param keyOwner whose key pairs {@code key_name} resolves against ({@link KeyPairs})
     * @throws StoreException.Invalid  the document is refused (every error is in
     *                                 {@link StoreException.Invalid#documentErrors()})
     * @throws StoreException.Conflict {@code INSTANCE_EXISTS}, {@code INSTANCE_DELETED}, {@code ADDRESS_IN_USE}
     */
    StoredInstance create(byte[] document, String keyOwner);

    /** {@link #create(byte[], String)} with the {@linkplain KeyPairs#DEFAULT_OWNER default key owner}. */
    default StoredInstance create(byte[] document) {
        return create(document, KeyPairs.DEFAULT_OWNER);
    }

    /** The most documents {@link #createAll} takes at once. */
    int MAX_BATCH = 1000;

    /**
     * Stores version 1 of each of several new instances in one transaction: for a bulk load, where a
     * transaction per instance would spend most of its time committing (SQLite syncs every commit). Each
     * document is checked, stored and given its EC2 ids exactly as {@link #create(byte[], String)} does, and
     * each gets its own {@link Change.Kind#CREATED} change, in list order; the changes are published together
     * when the transaction commits. The batch is stored whole or not at all: when one document is refused,
     * nothing of the batch is stored, and the exception is the one {@code create} would have thrown for that
     * document, its message naming the document's position ({@link StoreException#inBatch}).
     *
     * @param documents at most {@value #MAX_BATCH} instance documents (UTF-8 JSON), each stored exactly as given;
     *                  two documents of one batch may not share a uuid or a fixed address
     * @return the stored instances, in the order of {@code documents}
     * @throws StoreException.Invalid  a document is refused, or the batch has more than {@value #MAX_BATCH}
     *                                 documents ({@code documents}, rule {@code batch.size})
     * @throws StoreException.Conflict {@code INSTANCE_EXISTS}, {@code INSTANCE_DELETED}, {@code ADDRESS_IN_USE}
     *                                 (also against an earlier document of the same batch)
     */
    List<StoredInstance> createAll(List<byte[]> documents, String keyOwner);

    /** {@link #createAll(List, String)} with the {@linkplain KeyPairs#DEFAULT_OWNER default key owner}. */
    default List<StoredInstance> createAll(List<byte[]> documents) {
        return createAll(documents, KeyPairs.DEFAULT_OWNER);
    }

    /**
     * The latest version.
     *
     * @throws StoreException.NotFound no such instance, or it was deleted
     */
    StoredInstance get(UUID uuid);

    /**
     * A given version.
     *
     * @throws StoreException.NotFound no such instance or version, or the instance was deleted
     */
    StoredInstance get(UUID uuid, long version);

    /**
     * Every version of the instance, oldest first.
     *
     * @throws StoreException.NotFound no such instance, or it was deleted
     */
    List<InstanceVersion> versions(UUID uuid);

    /**
     * Stores a new version, if the instance is still at {@code expectedVersion} (optimistic
     * concurrency: read, change, write back the version you read). {@code key_name} resolves
     * against {@code keyOwner}'s key pairs; when that owner has no pair of the name any more, the
     * key the previous version carried under that name is kept.
     *
     * @param document the new document; its {@code uuid} must be {@code uuid}
     * @throws StoreException.NotFound no such instance, or it was deleted
     * @throws StoreException.Conflict {@code VERSION_MISMATCH} (with the current version), {@code ADDRESS_IN_USE}
     * @throws StoreException.Invalid  the document is refused, or names another uuid ({@code /uuid})
     */
    StoredInstance update(UUID uuid, long expectedVersion, byte[] document, String keyOwner);

    /** {@link #update(UUID, long, byte[], String)} with the {@linkplain KeyPairs#DEFAULT_OWNER default key owner}. */
    default StoredInstance update(UUID uuid, long expectedVersion, byte[] document) {
        return update(uuid, expectedVersion, document, KeyPairs.DEFAULT_OWNER);
    }

    /**
     * Deletes the instance whatever its version (soft; see the class comment).
     *
     * @throws StoreException.NotFound no such instance, or already deleted
     */
    void delete(UUID uuid);

    /**
     * Deletes the instance if it is still at {@code expectedVersion}.
     *
     * @throws StoreException.NotFound no such instance, or already deleted
     * @throws StoreException.Conflict {@code VERSION_MISMATCH}
     */
    void delete(UUID uuid, long expectedVersion);

    /**
     * One page of live instances, latest versions, in creation order.
     *
     * @throws StoreException.Invalid {@code limit} out of 1..{@value PageRequest#MAX_LIMIT}, or a cursor this
     *                                store did not issue
     */
    Page<StoredInstance> list(PageRequest request);

    /**
     * The live instance that has {@code address} as a fixed address. The address is compared in
     * canonical form, so {@code 2001:DB8::0:1} finds {@code 2001:db8::1}, and an IPv4-mapped IPv6
     * address ({@code ::ffff:10.0.0.5}, as a dual-stack socket reports an IPv4 peer) finds its IPv4
     * address.
     *
     * @throws StoreException.Invalid {@code address} is not an IP literal
     */
    Optional<StoredInstance> findByAddress(String address);

    /**
     * Removes, for good, instances deleted before {@code deletedBefore}: their versions, and their
     * uuids become free again. Their EC2 ids stay allocated (they are never reused).
     *
     * @return how many instances were purged
     */
    int purgeDeleted(Instant deletedBefore);
}
