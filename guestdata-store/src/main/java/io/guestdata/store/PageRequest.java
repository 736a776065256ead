package io.guestdata.store;

import java.util.Objects;
import java.util.Optional;

/**
 * Which page of instances to list. Instances are listed in creation order, which never changes
 * (updates do not move an instance); a cursor names the last instance of the previous page, so
 * instances created or deleted between two requests neither repeat nor shift the pages.
 *
 * @param projectId only instances of this project, when given
 * @param cursor    {@link Page#nextCursor()} of the previous page; empty for the first page
 * @param limit     1..{@value #MAX_LIMIT} items
 */
public record PageRequest(Optional<String> projectId, Optional<String> cursor, int limit) {

    /** The largest page a store returns. */
    public static final int MAX_LIMIT = 1000;
    /** The page size when the caller has no preference. */
    public static final int DEFAULT_LIMIT = 100;

    public PageRequest {
        Objects.requireNonNull(projectId, "projectId");
        Objects.requireNonNull(cursor, "cursor");
    }

    public static PageRequest first(int limit) {
        return new PageRequest(Optional.empty(), Optional.empty(), limit);
    }

    public static PageRequest after(String cursor, int limit) {
        return new PageRequest(Optional.empty(), Optional.of(cursor), limit);
    }

    public PageRequest inProject(String project) {
        return new PageRequest(Optional.of(project), cursor, limit);
    }

    /** The request for the page after {@code page}, or empty when {@code page} was the last. */
    public Optional<PageRequest> next(Page<?> page) {
        return page.nextCursor().map(c -> new PageRequest(projectId, Optional.of(c), limit));
    }
}
