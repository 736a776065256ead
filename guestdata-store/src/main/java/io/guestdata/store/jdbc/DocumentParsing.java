package io.guestdata.store.jdbc;

import io.guestdata.core.Instance;
import io.guestdata.core.KeyPair;
import io.guestdata.core.document.InstanceDocumentParser;
import io.guestdata.core.document.InvalidDocumentException;
import io.guestdata.core.document.KeyPairResolver;
import io.guestdata.core.document.Limits;
import io.guestdata.store.StoreException;
import java.util.Optional;
import java.util.UUID;

/**
 * Parses instance documents for the store. Two parsers are built once and shared: one with the
 * store's limits for documents being written, one without limits for documents read back (a
 * stored version was valid under the limits of its day; lowering a limit later must not make it
 * unreadable). The key pairs {@code key_name} resolves against differ per call (the owner's pairs
 * inside the writing transaction, the pair kept with a stored version), so the parsers' resolver
 * reads them from a scoped value bound around each parse.
 */
final class DocumentParsing {

    private static final ScopedValue<KeyPairResolver> KEY_PAIRS = ScopedValue.newInstance();
    private static final Limits NO_LIMITS = new Limits(-1, -1, -1, -1, -1);

    private final InstanceDocumentParser forWrite;
    private final InstanceDocumentParser forRead;

    DocumentParsing(Limits limits) {
        KeyPairResolver scoped = name -> KEY_PAIRS.get().find(name);
        this.forWrite = new InstanceDocumentParser(limits, scoped);
        this.forRead = new InstanceDocumentParser(NO_LIMITS, scoped);
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

    /**
     * Parses a stored version, with the key pair kept with it.
     *
     * @throws StoreException.DatabaseError when the stored document no longer parses (a rule changed
     *                                      in a way that needs a data migration)
     */
    Instance parseStored(UUID uuid, long version, byte[] document, Optional<KeyPair> keptKeyPair) {
        KeyPairResolver kept = keptKeyPair.map(KeyPairResolver::of).orElseGet(KeyPairResolver::none);
        try {
            return ScopedValue.where(KEY_PAIRS, kept).call(() -> forRead.parse(document));
        } catch (InvalidDocumentException e) {
            throw new StoreException.DatabaseError("stored version " + version + " of instance " + uuid
                    + " no longer parses: " + e.getMessage(), false, e);
        }
    }
}
