package io.guestdata.store;

import java.util.function.Consumer;

/**
 * Everything guestdata persists: instances with their versions, key pairs, guest-set passwords and
 * EC2 ids, plus a feed of instance changes. Open one with {@link Stores#open(String)}.
 *
 * <p>Every write is one database transaction: it is stored whole or not at all, including after a
 * crash or {@code kill -9} in the middle of it, and once the call returns it is durable. Several
 * stores (threads, processes, service nodes) may share one database; each sees the others' writes
 * as soon as they are committed, and its change feed delivers them.
 *
 * <p>Thread-safe. Errors are {@link StoreException}s.
 */
public interface Store extends AutoCloseable {

    Instances instances();

    KeyPairs keyPairs();

    Passwords passwords();

    Ec2IdMappings ec2Ids();

    /** The sequence number of the newest change committed to the database (0 when there is none). */
    long lastChangeSequence();

    /**
     * Delivers every instance change committed from now on, by any store on the same database, in
     * commit order, on the store's feed thread (one thread per store: a slow listener delays the
     * others). A listener that throws gets the next changes all the same; its exception goes to the
     * feed thread's uncaught-exception handler.
     */
    Subscription subscribe(Consumer<Change> listener);

    /**
     * Like {@link #subscribe(Consumer)}, starting after change {@code afterSequence}: read
     * {@link #lastChangeSequence()}, load what you need, then subscribe from that sequence and no
     * change is missed. The database keeps changes for the store's change retention
     * ({@link StoreOptions#changeRetention()}).
     */
    Subscription subscribe(long afterSequence, Consumer<Change> listener);

    /** Stops the change feed and closes every database connection. Idempotent. */
    @Override
    void close();
}
