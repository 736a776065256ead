package io.guestdata.store.jdbc;

import io.guestdata.core.Instance;
import io.guestdata.core.KeyPair;
import io.guestdata.core.document.InstanceDocumentParser;
import io.guestdata.core.document.InvalidDocumentException;
import io.guestdata.core.document.KeyPairResolver;
import io.guestdata.core.document.Limits;
import io.guestdata.store.StoreException;
import io.guestdata.store.StoredInstance;
import java.util.Optional;
import java.util.UUID;

/**
 * Parses instance documents for the store. The parser of documents being written is built once with
 * the store's limits and shared; the key pairs {@code key_name} resolves against differ per call (the
 * owner's pairs inside the writing transaction), so its resolver reads them from a scoped value bound
 * around each parse. Documents read back are parsed by {@link StoredInstance#parse}, without limits.
 */
final class DocumentParsing {

    private static final ScopedValue<KeyPairResolver> KEY_PAIRS = ScopedValue.newInstance();

    private final InstanceDocumentParser forWrite;

    DocumentParsing(Limits limits) {
        KeyPairResolver scoped = name -> KEY_PAIRS.get().find(name);
        this.forWrite = new InstanceDocumentParser(limits, scoped);
    }

    /**
     * Parses a document being written.
     *
     * @throws StoreException.Invalid with every document error
     */
    Instance parseNew(byte[] document, KeyPairResolver keyPairs) {
        try {
            return ScopedValue.where(KEY_PAIRS, keyPairs).call(() -> forWrite.parse(document));
        } catch (InvalidDocumentException e) {
            throw StoreException.Invalid.document(e.errors(), e.getMessage());
        }
    }

    /** Parses a stored version, with the key pair kept with it ({@link StoredInstance#parse}). */
    Instance parseStored(UUID uuid, long version, byte[] document, Optional<KeyPair> keptKeyPair) {
        return StoredInstance.parse(uuid, version, document, keptKeyPair);
    }
}
