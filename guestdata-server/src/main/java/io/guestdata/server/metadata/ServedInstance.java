package io.guestdata.server.metadata;

import io.guestdata.core.metadata.MetadataAnswer;
import io.guestdata.core.metadata.MetadataPath;
import io.guestdata.core.metadata.MetadataTree;
import java.util.Objects;
import java.util.Optional;

/**
 * The instance a request was identified as, as its {@link InstanceDirectory} serves it now: what identification
 * needs (the uuid, the project) without building anything, and its answers and tree on demand. A store-backed
 * directory answers from its index and its {@link AnswerCache}, and builds the tree only when an answer is
 * missing there.
 */
interface ServedInstance {
    /** The canonical (lowercase) uuid. */
    String uuid();

    /** The owning project ({@code X-Tenant-ID} must name it in instance-id mode); empty when it has none. */
    Optional<String> projectId();

    /** The tree; empty when the instance no longer exists (deleted since it was identified). */
    Optional<MetadataTree> tree();

    /**
     * The answer to {@code path} when it is the same for every request to this version of the instance
     * ({@link MetadataTree#answer}): kept, or built now; empty when it is not (the caller asks the tree).
     */
    Optional<MetadataAnswer> answer(MetadataPath path, boolean dynamicVendorData);

    /** An instance whose tree is at hand (the in-memory directory): answers come from the tree, nothing is kept. */
    static ServedInstance of(MetadataTree tree) {
        return new Built(tree);
    }

    /** A served instance holding its tree. */
    record Built(MetadataTree built) implements ServedInstance {
        public Built {
            Objects.requireNonNull(built, "built");
        }

        @Override
        public String uuid() {
            return built.instance().uuid().toString();
        }

        @Override
        public Optional<String> projectId() {
            return built.instance().projectId();
        }

        @Override
        public Optional<MetadataTree> tree() {
            return Optional.of(built);
        }

        @Override
        public Optional<MetadataAnswer> answer(MetadataPath path, boolean dynamicVendorData) {
            return built.answer(path, dynamicVendorData);
        }
    }
}
