package io.guestdata.inject.fs;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/**
 * Resolves a {@link GuestPath} one name at a time, the way the guest kernel would, but never
 * outside the guest.
 *
 * <ul>
 *   <li>Each name is looked up in the directory reached so far ({@code ext2fs_lookup}); {@code ..}
 *       (only possible inside symlink targets, GuestPath has none) pops the walked stack and never
 *       reads the on-disk {@code ..} entry, so the root's parent is the root and a hostile {@code ..}
 *       entry cannot send the walk elsewhere.</li>
 *   <li>A symlink in a directory position is followed unless the policy is NO_FOLLOW: an absolute
 *       target restarts at the guest root, a relative one continues in the link's directory.
 *       More than {@value #MAX_SYMLINKS} links is ELOOP, as Linux.</li>
 *   <li>A symlink as the final name is returned as itself unless {@code followFinal}.</li>
 *   <li>A non-directory in a directory position is an error.</li>
 * </ul>
 * Names are bytes: symlink targets need not be UTF-8.
 *
 * <p>The walk knows nothing about the storage: a {@link Tree} answers lookups. {@link Ext2Filesystem}
 * answers them from libext2fs with inode numbers; the libguestfs backend
 * ({@code io.guestdata.inject.guestfs.GuestfsFilesystem}) answers them with {@code lstat} and
 * {@code readlink} calls into its appliance and numbers the entries it has seen. Either way the
 * same rules decide where a path leads, so both backends refuse the same paths.
 */
public final class PathResolver {

    /** Linux's MAXSYMLINKS since 4.2 (fs/namei.c): the 41st link is ELOOP. */
    public static final int MAX_SYMLINKS = 40;

    private static final byte[] DOT = {'.'};
    private static final byte[] DOT_DOT = {'.', '.'};

    /**
     * The directory tree being walked. Entries are named by a non-zero {@code int}: the inode
     * number for ext2/3/4, any number the tree hands out otherwise; 0 means "no such entry".
     */
    public interface Tree {
        int rootInode();

        /** The entry {@code name} in directory {@code dir}, or 0 if there is none. */
        int lookup(int dir, byte[] name) throws GuestFsException;

        FileType type(int inode) throws GuestFsException;

        byte[] readLink(int inode) throws GuestFsException;
    }

    /** Outcome of a resolution. */
    public sealed interface Resolution permits Found, Missing {
    }

    /**
     * The path names an existing entry.
     *
     * @param inode  its inode
     * @param type   its type (SYMLINK only when the final symlink was not followed)
     * @param parent the directory it was found in (the root for the root)
     * @param where  the physical guest path walked, symlinks resolved, for messages
     */
    public record Found(int inode, FileType type, int parent, String where) implements Resolution {
    }

    /**
     * A name is missing.
     *
     * @param parent         the deepest existing directory reached
     * @param parentWhere    its physical guest path
     * @param remaining      the missing name and every name after it
     * @param throughSymlink whether any remaining name came from a symlink target (a dangling link)
     */
    public record Missing(int parent, String parentWhere, List<byte[]> remaining, boolean throughSymlink)
            implements Resolution {

        /** The physical guest path of the first missing name, for messages. */
        public String missingWhere() {
            return join(parentWhere, remaining.getFirst());
        }
    }

    private record Step(int inode, String where) {
    }

    private record Pending(byte[] name, boolean fromLink) {
    }

    private final Tree tree;

    public PathResolver(Tree tree) {
        this.tree = tree;
    }

    /**
     * Walks {@code path} from the root.
     *
     * @param operation   names the caller's operation in errors
     * @param followFinal whether a symlink as the last name is followed (else it is Found itself)
     * @throws GuestFsException SYMLINK_REFUSED (NO_FOLLOW met a link), SYMLINK_LOOP, NOT_FOUND (a
     *                          link with an empty target), NOT_A_DIRECTORY, or whatever the tree throws
     */
    public Resolution resolve(String operation, GuestPath path, SymlinkPolicy policy, boolean followFinal)
            throws GuestFsException {
        Deque<Step> walked = new ArrayDeque<>();
        Step root = new Step(tree.rootInode(), "/");
        walked.push(root);
        Deque<Pending> pending = new ArrayDeque<>();
        for (String name : path.names()) {
            pending.addLast(new Pending(name.getBytes(StandardCharsets.UTF_8), false));
        }
        int links = 0;
        while (!pending.isEmpty()) {
            Pending next = pending.pollFirst();
            if (Arrays.equals(next.name(), DOT)) {
                continue;
            }
            if (Arrays.equals(next.name(), DOT_DOT)) {
                if (walked.size() > 1) {
                    walked.pop();
                }
                continue;
            }
            Step dir = walked.peek();
            String where = join(dir.where(), next.name());
            int inode = tree.lookup(dir.inode(), next.name());
            if (inode == 0) {
                List<byte[]> remaining = new ArrayList<>();
                boolean throughSymlink = next.fromLink();
                remaining.add(next.name());
                for (Pending rest : pending) {
                    remaining.add(rest.name());
                    throughSymlink |= rest.fromLink();
                }
                return new Missing(dir.inode(), dir.where(), List.copyOf(remaining), throughSymlink);
            }
            FileType type = tree.type(inode);
            boolean last = pending.isEmpty();
            if (type == FileType.SYMLINK) {
                if (last && !followFinal) {
                    return new Found(inode, type, dir.inode(), where);
                }
                byte[] target = tree.readLink(inode);
                String shown = new String(target, StandardCharsets.UTF_8);
                if (policy == SymlinkPolicy.NO_FOLLOW) {
                    throw new GuestFsException(GuestFsException.Kind.SYMLINK_REFUSED, operation, path,
                            where + " is a symlink to " + shown
                                    + "; policy NO_FOLLOW refuses symlinks in any component");
                }
                if (++links > MAX_SYMLINKS) {
                    throw new GuestFsException(GuestFsException.Kind.SYMLINK_LOOP, operation, path,
                            "too many levels of symbolic links (more than " + MAX_SYMLINKS + ", ELOOP) at "
                                    + where + " -> " + shown);
                }
                if (target.length == 0) {
                    throw new GuestFsException(GuestFsException.Kind.NOT_FOUND, operation, path,
                            "symlink " + where + " has an empty target");
                }
                if (target[0] == '/') {
                    walked.clear();
                    walked.push(root);
                }
                List<byte[]> names = split(target);
                for (int i = names.size() - 1; i >= 0; i--) {
                    pending.addFirst(new Pending(names.get(i), true));
                }
                continue;
            }
            if (last) {
                return new Found(inode, type, dir.inode(), where);
            }
            if (type != FileType.DIRECTORY) {
                throw new GuestFsException(GuestFsException.Kind.NOT_A_DIRECTORY, operation, path,
                        where + " is a " + describe(type) + ", not a directory");
            }
            walked.push(new Step(inode, where));
        }
        // Ended on the root or after a trailing "." / ".." of a symlink target: a directory.
        Step top = walked.pop();
        Step parent = walked.isEmpty() ? top : walked.peek();
        return new Found(top.inode(), FileType.DIRECTORY, parent.inode(), top.where());
    }

    /** Splits a symlink target on '/', dropping empty names (so "a//b/" is a, b). */
    static List<byte[]> split(byte[] target) {
        List<byte[]> names = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= target.length; i++) {
            if (i == target.length || target[i] == '/') {
                if (i > start) {
                    names.add(Arrays.copyOfRange(target, start, i));
                }
                start = i + 1;
            }
        }
        return names;
    }

    static String join(String dirWhere, byte[] name) {
        String n = new String(name, StandardCharsets.UTF_8);
        return dirWhere.equals("/") ? "/" + n : dirWhere + "/" + n;
    }

    /** "regular file", "directory", "symlink", … for messages. */
    public static String describe(FileType type) {
        return switch (type) {
            case REGULAR -> "regular file";
            case DIRECTORY -> "directory";
            case SYMLINK -> "symlink";
            case CHARACTER_DEVICE -> "character device";
            case BLOCK_DEVICE -> "block device";
            case FIFO -> "fifo";
            case SOCKET -> "socket";
            case UNKNOWN -> "file of unknown type";
        };
    }
}
