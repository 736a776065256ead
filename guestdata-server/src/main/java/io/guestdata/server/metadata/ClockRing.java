package io.guestdata.server.metadata;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The CLOCK ring (second chance, an approximation of least-recently-used) that {@link TreeCache} and
 * {@link AnswerCache} evict from: slots stand in a ring in the order they were added; a hit marks its slot; the hand
 * (the ring's head) passes over marked slots, unmarking them and moving them to the tail, and stops at the first
 * unmarked one, the victim. Not thread-safe: its owner holds its own lock around every call but {@link Slot#hit}.
 *
 * @param <S> the owner's slot type
 */
final class ClockRing<S extends ClockRing.Slot> {
    /** A place in the ring. */
    abstract static class Slot {
        private volatile boolean referenced;
        private Slot previous;
        private Slot next;
        private boolean linked;

        /** Marks the slot used; written only when it changes, so a hit does not dirty a shared cache line. */
        final void hit() {
            if (!referenced) {
                referenced = true;
            }
        }

        /** Whether the slot is in its ring (under the owner's lock). */
        final boolean linked() {
            return linked;
        }
    }

    private Slot head;
    private Slot tail;
    private int size;

    /** Adds a slot at the tail, unmarked. */
    void link(S slot) {
        append(slot);
    }

    /** Takes a slot out of the ring; nothing when it is not in it. */
    void unlink(Slot slot) {
        if (!slot.linked) {
            return;
        }
        if (slot.previous == null) {
            head = slot.next;
        } else {
            slot.previous.next = slot.next;
        }
        if (slot.next == null) {
            tail = slot.previous;
        } else {
            slot.next.previous = slot.previous;
        }
        slot.previous = null;
        slot.next = null;
        slot.linked = false;
        size--;
    }

    /** The slot to evict (still in the ring: the owner unlinks it), after giving marked ones a second chance. */
    @SuppressWarnings("unchecked")
    S victim() {
        while (head != null && head.referenced) {
            Slot hand = head;
            hand.referenced = false;
            unlink(hand);
            append(hand);
        }
        return (S) head;
    }

    /** How many slots are in the ring. */
    int size() {
        return size;
    }

    private void append(Slot slot) {
        slot.previous = tail;
        slot.next = null;
        if (tail == null) {
            head = slot;
        } else {
            tail.next = slot;
        }
        tail = slot;
        slot.linked = true;
        size++;
    }

    /** The value of a slot's build: what it completed with, or what it failed with, rethrown as it was thrown. */
    static <T> T await(CompletableFuture<T> built) {
        try {
            return built.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }
}
