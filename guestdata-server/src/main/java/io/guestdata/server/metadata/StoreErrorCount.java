package io.guestdata.server.metadata;

/**
 * A service on the API listener that works on the store and counts the operations that failed (the management
 * API): its count is part of {@code guestdata_store_errors_total} on the management listener, with the
 * directory's and the password store's.
 */
public interface StoreErrorCount {
    /** How many store operations failed (the database failed: {@code StoreException.DatabaseError}). */
    long storeErrors();
}
