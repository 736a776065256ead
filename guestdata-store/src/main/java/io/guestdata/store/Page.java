package io.guestdata.store;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One page of a listing.
 *
 * @param items      at most the requested number of items, in the listing's stable order
 * @param nextCursor where the next page starts ({@link PageRequest#after}); empty on the last page
 */
public record Page<T>(List<T> items, Optional<String> nextCursor) {
    public Page {
        items = List.copyOf(items);
        Objects.requireNonNull(nextCursor, "nextCursor");
    }
}
