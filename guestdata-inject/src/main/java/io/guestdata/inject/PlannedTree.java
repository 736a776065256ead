package io.guestdata.inject;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.guestdata.inject.fs.AccessPolicy;
import io.guestdata.inject.fs.FileStat;
import io.guestdata.inject.fs.FileType;
import io.guestdata.inject.fs.GuestFilesystem;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.fs.GuestPath;
import io.guestdata.inject.fs.InodeAttribute;

/**
 * The guest tree as it will be after the writes planned so far: the guest's own entries (read
 * with {@link AccessPolicy#STRICT}, so a symlink is reported as itself) overlaid with the
 * directories and files the plan creates or changes. Nothing here writes.
 */
final class PlannedTree {

    /**
     * What a path is, or will be.
     *
     * @param created whether the plan creates it (everything below a created directory is missing)
     */
    record Node(FileType type, int mode, int uid, int gid, long size, int links, Optional<String> symlinkTarget,
                boolean created, Set<InodeAttribute> attributes) {

        /** A node the plan creates: no restricting attributes. */
        Node(FileType type, int mode, int uid, int gid, long size, int links, Optional<String> symlinkTarget,
             boolean created) {
            this(type, mode, uid, gid, size, links, symlinkTarget, created, Set.of());
        }

        Node withModeAndOwner(int newMode, Owner owner) {
            return new Node(type, newMode, owner.uid(), owner.gid(), size, links, symlinkTarget, created, attributes);
        }
    }

    private final GuestFilesystem fs;
    private Map<GuestPath, Node> planned = new HashMap<>();

    PlannedTree(GuestFilesystem fs) {
        this.fs = fs;
    }

    /**
     * lstat through the plan; empty when the path does not (and will not) exist.
     *
     * @param action for a refusal: what was being planned
     */
    Optional<Node> lstat(GuestPath path, String action) throws PlanRefusal {
        Node node = planned.get(path);
        if (node != null) {
            return Optional.of(node);
        }
        for (GuestPath a = path.parent(); !a.isRoot(); a = a.parent()) {
            Node above = planned.get(a);
            if (above != null && above.created()) {
                return Optional.empty();
            }
        }
        try {
            FileStat st = fs.stat(path, AccessPolicy.STRICT);
            return Optional.of(new Node(st.type(), st.mode(), st.uid(), st.gid(), st.size(), st.linkCount(),
                    st.symlinkTarget(), false, st.attributes()));
        } catch (GuestFsException e) {
            if (e.kind() == GuestFsException.Kind.NOT_FOUND) {
                return Optional.empty();
            }
            throw new PlanRefusal(path, action, e.getMessage());
        }
    }

    /** Whether anything (of any type, a dangling symlink too) is at the path. */
    boolean exists(GuestPath path, String action) throws PlanRefusal {
        return lstat(path, action).isPresent();
    }

    void put(GuestPath path, Node node) {
        planned.put(path, node);
    }

    /** The planned state, to restore when an item is refused as a whole. */
    Map<GuestPath, Node> snapshot() {
        return new HashMap<>(planned);
    }

    void restore(Map<GuestPath, Node> snapshot) {
        planned = new HashMap<>(snapshot);
    }
}
