package io.guestdata.store;

/** A change feed subscription; closing it stops delivery (a delivery in progress completes). */
public interface Subscription extends AutoCloseable {
    @Override
    void close();
}
