package io.guestdata.inject;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.random.RandomGenerator;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.guestdata.core.Instance;
import io.guestdata.core.InjectedFile;
import io.guestdata.core.KeyPair;
import io.guestdata.core.metadata.InterfacesTemplate;
import io.guestdata.core.metadata.PythonJson;
import io.guestdata.inject.GuestOperation.Append;
import io.guestdata.inject.GuestOperation.MakeDirectories;
import io.guestdata.inject.GuestOperation.Replace;
import io.guestdata.inject.GuestOperation.SetMode;
import io.guestdata.inject.GuestOperation.SetOwner;
import io.guestdata.inject.PlannedTree.Node;
import io.guestdata.inject.fs.AccessPolicy;
import io.guestdata.inject.fs.FileType;
import io.guestdata.inject.fs.GuestAccounts;
import io.guestdata.inject.fs.GuestFilesystem;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.fs.GuestPath;
import io.guestdata.inject.fs.InodeAttribute;

/**
 * Computes every write of an injection and checks every precondition, reading the guest only:
 * the plan is complete before the first byte is written (nova-compat.md §7 for what Nova writes).
 *
 * <p>Checks, per write: every directory on the way exists as a real directory (a symlink is
 * refused, whatever it points to) or is created by the plan; the target is a regular file with a
 * single link, or missing; owners by name resolve in the guest's own {@code /etc/passwd} and
 * {@code /etc/group}; for the password, {@code root} is in passwd and shadow (Nova's errors);
 * and, over the whole plan, the free blocks and inodes cover every write, counted generously.
 */
final class InjectionPlanner {

    /** Nova's comment line before each injected key ({@code _inject_key_into_fs}). */
    static final String KEY_COMMENT = "# The following ssh key was injected by Nova";
    /** Nova's SELinux lines ({@code _setup_selinux_for_keys}); the path really is relative. */
    static final String SELINUX_COMMENT = "# Added by Nova to ensure injected ssh keys have the right context";
    static final String RESTORECON = "restorecon -RF root/.ssh 2>/dev/null || :";

    static final GuestPath SSH_DIR = GuestPath.of("/root/.ssh");
    static final GuestPath AUTHORIZED_KEYS = SSH_DIR.child("authorized_keys");
    static final GuestPath SELINUX = GuestPath.of("/etc/selinux");
    static final GuestPath RC_LOCAL = GuestPath.of("/etc/rc.local");
    static final GuestPath RC_D = GuestPath.of("/etc/rc.d");
    static final GuestPath NETWORK_DIR = GuestPath.of("/etc/network");
    static final GuestPath INTERFACES = NETWORK_DIR.child("interfaces");
    static final GuestPath META_JS = GuestPath.of("/meta.js");
    static final GuestPath PASSWD = GuestPath.of("/etc/passwd");
    static final GuestPath GROUP = GuestPath.of("/etc/group");
    static final GuestPath SHADOW = GuestPath.of("/etc/shadow");

    /** Largest passwd, group or shadow read. */
    static final int ACCOUNT_FILE_LIMIT = 16 << 20;
    /** The unit space is counted in: the largest common ext4 block size, so also generous for 1 KiB blocks. */
    static final long BLOCK = 4096;

    private final GuestFilesystem fs;
    private final Instance instance;
    private final InjectionRequest request;
    private final RandomGenerator random;
    private final PlannedTree tree;
    private GuestAccounts accounts;
    private String accountsProblem;

    InjectionPlanner(GuestFilesystem fs, Instance instance, InjectionRequest request, RandomGenerator random) {
        this.fs = fs;
        this.instance = instance;
        this.request = request;
        this.random = random;
        this.tree = new PlannedTree(fs);
    }

    /**
     * Why an item has nothing to inject for this instance, or empty when it has data.
     * Nova injects each item only when its data is non-empty (nova-compat.md §7).
     */
    static Optional<String> noData(InjectionItem item, Instance instance, boolean lxc) {
        return switch (item) {
            case KEY -> instance.keys().stream().anyMatch(InjectionPlanner::isSsh) ? Optional.empty()
                    : Optional.of(instance.keys().isEmpty() ? "the instance has no key"
                            : "the instance has no SSH key (x509 key pairs are not SSH keys)");
            case NET -> instance.networkData().isEmpty() ? Optional.of("the instance has no network_data")
                    : InterfacesTemplate.render(instance.networkData().get(), lxc).isPresent() ? Optional.empty()
                    : Optional.of("network_data has no static interface (an ipv4/ipv6 network with an address on a"
                            + " link without DHCP); Nova writes /etc/network/interfaces only for those");
            case METADATA -> instance.metadata().isEmpty() ? Optional.of("the instance has no metadata") : Optional.empty();
            case PASSWORD -> instance.adminPass().filter(p -> !p.isEmpty()).isPresent() ? Optional.empty()
                    : Optional.of("the instance has no admin password");
            case FILES -> instance.files().isEmpty() ? Optional.of("the instance has no files") : Optional.empty();
        };
    }

    private static boolean isSsh(KeyPair k) {
        return "ssh".equals(k.type());
    }

    /** The plan. Reads the guest; writes nothing. */
    InjectionPlan plan() throws GuestFsException {
        loadAccounts();
        List<PlannedItem> items = new ArrayList<>();
        for (InjectionItem item : InjectionItem.values()) {
            if (!request.items().contains(item)) {
                continue;
            }
            Optional<String> none = noData(item, instance, request.lxc());
            if (none.isPresent()) {
                items.add(request.explicit()
                        ? PlannedItem.refused(item, item.label() + " was requested (--only) but " + none.get())
                        : PlannedItem.skipped(item, none.get()));
                continue;
            }
            Map<GuestPath, Node> before = tree.snapshot();
            PlannedItem planned = planItem(item);
            if (planned.isRefused()) {
                tree.restore(before);
            }
            items.add(planned);
        }
        return new InjectionPlan(checkSpace(items));
    }

    private PlannedItem planItem(InjectionItem item) {
        List<PlannedWrite> rows = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        try {
            switch (item) {
                case KEY -> planKey(rows, notes);
                case NET -> planNet(rows);
                case METADATA -> planMetadata(rows);
                case PASSWORD -> planPassword(rows);
                case FILES -> planFiles(rows);
            }
        } catch (PlanRefusal r) {
            rows.add(new PlannedWrite(item, r.action(), r.path(), OptionalLong.empty(), 0, UNKNOWN_OWNER, List.of(), 0,
                    0, "", Optional.of(r.getMessage())));
        }
        return new PlannedItem(item, rows, Optional.empty(), Optional.empty(), notes);
    }

    /** Placeholder owner of a refused row (the report shows no owner for it). */
    static final Owner UNKNOWN_OWNER = new Owner("?", "?", -1, -1);

    // --- key -------------------------------------------------------------------------------

    private void planKey(List<PlannedWrite> rows, List<String> notes) throws PlanRefusal {
        StringBuilder content = new StringBuilder();
        int count = 0;
        for (KeyPair key : instance.keys()) {
            if (isSsh(key)) {
                content.append('\n').append(KEY_COMMENT).append('\n').append(key.publicKey().strip()).append('\n');
                count++;
            } else {
                notes.add("key pair '" + key.name() + "' is " + key.type() + ", not an SSH key: not injected");
            }
        }
        planDirectory(InjectionItem.KEY, SSH_DIR, 0700, true, rows);
        planFileWrite(InjectionItem.KEY, "append", AUTHORIZED_KEYS, content.toString().getBytes(StandardCharsets.UTF_8),
                OptionalInt.of(0600), false, rows, count + " key" + (count == 1 ? "" : "s") + " with Nova's comment line");
        planSelinux(rows);
    }

    /** Nova's {@code _setup_selinux_for_keys}: only when {@code /etc/selinux} exists. */
    private void planSelinux(List<PlannedWrite> rows) throws PlanRefusal {
        String action = "append";
        if (!tree.exists(SELINUX, action)) {
            return;
        }
        GuestPath target = RC_LOCAL;
        String how = "SELinux guest: restorecon for /root/.ssh at boot";
        Optional<Node> rc = tree.lstat(RC_LOCAL, action);
        if (rc.isPresent() && rc.get().type() == FileType.SYMLINK) {
            // RHEL/CentOS ship /etc/rc.local -> rc.d/rc.local. That one link is followed (the guest
            // reads the file through it, and Nova's libguestfs writes through it); any other target
            // is refused like every symlink.
            String link = rc.get().symlinkTarget().orElse("");
            GuestPath resolved = link.startsWith("/") ? GuestPath.of(link) : GuestPath.of(RC_LOCAL.parent() + "/" + link);
            GuestPath rhel = RC_D.child("rc.local");
            if (!resolved.equals(rhel)) {
                throw new PlanRefusal(RC_LOCAL, action, RC_LOCAL + " is a symlink to " + link + "; guestdata follows it"
                        + " only to " + rhel + " (the RHEL layout) and writes no other path through a symlink");
            }
            if (tree.lstat(resolved, action).isPresent()) {
                target = resolved;
                how += "; /etc/rc.local is a symlink to " + link + ", so " + resolved + " is appended to, as the guest reads it";
            } else if (tree.exists(RC_D, action)) {
                target = rhel;
                how += "; /etc/rc.local is a dangling symlink, so " + target + " is created, as Nova does";
            } else {
                throw new PlanRefusal(RC_LOCAL, action, RC_LOCAL + " is a dangling symlink to " + link
                        + " and " + RC_D + " does not exist; fix rc.local in the image");
            }
        } else if (rc.isEmpty() && tree.exists(RC_D, action)) {
            target = RC_D.child("rc.local");
        }
        boolean isNew = existingFile(target, action).isEmpty();
        String content = (isNew ? "#!/bin/sh" : "") + "\n" + SELINUX_COMMENT + "\n" + RESTORECON + "\n";
        planFileWrite(InjectionItem.KEY, action, target, content.getBytes(StandardCharsets.UTF_8), OptionalInt.of(0700),
                false, rows, how);
    }

    // --- net -------------------------------------------------------------------------------

    private void planNet(List<PlannedWrite> rows) throws PlanRefusal {
        var networkData = instance.networkData().orElseThrow();
        String text = InterfacesTemplate.render(networkData, request.lxc()).orElseThrow();
        planDirectory(InjectionItem.NET, NETWORK_DIR, 0744, true, rows);
        planFileWrite(InjectionItem.NET, "replace", INTERFACES, text.getBytes(StandardCharsets.UTF_8), OptionalInt.empty(),
                false, rows, "Nova's interfaces template");
        List<StaticInterface> interfaces = StaticInterface.of(networkData);
        for (NativeNetworkConfig format : nativeFormats()) {
            for (NativeNetworkConfig.File file : format.render(interfaces, instance.uuid())) {
                planFileWrite(InjectionItem.NET, "replace", file.path(), file.content(), OptionalInt.of(format.mode()),
                        true, rows, format.label() + " configuration (the guest uses " + format.label() + ")");
            }
        }
    }

    /**
     * The native formats the guest uses: netplan alone when {@code /etc/netplan} exists (it
     * generates the networkd or NetworkManager configuration itself at boot); otherwise
     * NetworkManager when its connection directory exists, and systemd-networkd when
     * {@code /etc/systemd/network} exists and the service is enabled.
     */
    private List<NativeNetworkConfig> nativeFormats() throws PlanRefusal {
        List<NativeNetworkConfig> used = new ArrayList<>();
        if (present(NativeNetworkConfig.NETPLAN.directory())) {
            return List.of(NativeNetworkConfig.NETPLAN);
        }
        if (present(NativeNetworkConfig.NETWORK_MANAGER.directory())) {
            used.add(NativeNetworkConfig.NETWORK_MANAGER);
        }
        if (present(NativeNetworkConfig.NETWORKD.directory()) && networkdEnabled()) {
            used.add(NativeNetworkConfig.NETWORKD);
        }
        return used;
    }

    /** A directory, or a symlink (whose write is then refused, so the item says why), is present. */
    private boolean present(GuestPath dir) throws PlanRefusal {
        Optional<Node> n = tree.lstat(dir, "replace");
        return n.isPresent() && (n.get().type() == FileType.DIRECTORY || n.get().type() == FileType.SYMLINK);
    }

    private boolean networkdEnabled() throws PlanRefusal {
        for (GuestPath link : NativeNetworkConfig.NETWORKD_ENABLED) {
            try {
                if (fs.exists(link, AccessPolicy.DEFAULT)) {
                    return true;
                }
            } catch (GuestFsException e) {
                throw new PlanRefusal(link, "replace", "cannot tell whether systemd-networkd is enabled: " + e.getMessage());
            }
        }
        return false;
    }

    // --- metadata --------------------------------------------------------------------------

    private void planMetadata(List<PlannedWrite> rows) throws PlanRefusal {
        ObjectNode meta = JsonNodeFactory.instance.objectNode();
        instance.metadata().forEach(meta::put);
        planFileWrite(InjectionItem.METADATA, "replace", META_JS, PythonJson.dumpsUtf8(meta), OptionalInt.empty(), false,
                rows, "json.dumps(metadata), " + instance.metadata().size() + " item"
                        + (instance.metadata().size() == 1 ? "" : "s"));
    }

    // --- admin password --------------------------------------------------------------------

    private void planPassword(List<PlannedWrite> rows) throws PlanRefusal {
        String action = "replace";
        byte[] passwd = read(PASSWD, AccessPolicy.DEFAULT, SHADOW, action);
        try {
            ShadowFile.requireUser(passwd, "root");
        } catch (ShadowFile.Refusal r) {
            throw new PlanRefusal(SHADOW, action, r.getMessage());
        }
        if (existingFile(SHADOW, action).isEmpty()) {
            throw new PlanRefusal(SHADOW, action, SHADOW + " does not exist; Nova reads it and fails the same way");
        }
        byte[] shadow = read(SHADOW, AccessPolicy.STRICT, SHADOW, action);
        String hash = request.passwordHash().hash(instance.adminPass().orElseThrow(), random);
        byte[] updated;
        try {
            updated = ShadowFile.withPassword(shadow, "root", hash);
        } catch (ShadowFile.Refusal r) {
            throw new PlanRefusal(SHADOW, action, r.getMessage());
        }
        planFileWrite(InjectionItem.PASSWORD, action, SHADOW, updated, OptionalInt.empty(), false, rows,
                "root's password field set to a " + (request.passwordHash() == PasswordHash.SHA512
                        ? "SHA-512 crypt ($6$)" : "MD5 crypt ($1$, as Nova)") + " hash; every other byte kept");
    }

    // --- files -----------------------------------------------------------------------------

    private void planFiles(List<PlannedWrite> rows) throws PlanRefusal {
        for (InjectedFile file : instance.files()) {
            GuestPath path;
            try {
                path = GuestPath.of(file.path());
            } catch (IllegalArgumentException e) {
                throw new PlanRefusal(GuestPath.ROOT, "replace", "file path " + file.path() + ": " + e.getMessage());
            }
            if (path.isRoot()) {
                throw new PlanRefusal(path, "replace", "file path " + file.path() + " names the root directory");
            }
            GuestPath dir = path.parent();
            // Nova: if dirname is not "/" and does not exist, mkdir -p it, chown root:root, chmod 0744.
            if (!dir.isRoot() && !missingDirectories(dir, "mkdir").isEmpty()) {
                planDirectory(InjectionItem.FILES, dir, 0744, false, rows);
            }
            planFileWrite(InjectionItem.FILES, "replace", path, file.contents(), OptionalInt.empty(), false, rows,
                    "personality file");
        }
    }

    // --- shared planning -------------------------------------------------------------------

    /**
     * Nova's {@code make_path} then {@code set_ownership}/{@code set_permissions} on the leaf:
     * missing ancestors are created 0755 root:root (libguestfs' {@code mkdir_p} with umask 022),
     * the leaf {@code leafMode} root:root; with {@code forceLeaf} an existing leaf is also
     * chown'ed and chmod'ed, as Nova does for {@code /root/.ssh} and {@code /etc/network}.
     */
    private void planDirectory(InjectionItem item, GuestPath dir, int leafMode, boolean forceLeaf, List<PlannedWrite> rows)
            throws PlanRefusal {
        List<GuestPath> missing = missingDirectories(dir, "mkdir");
        if (!missing.isEmpty()) {
            requireEntriesMayBeAdded(missing.getFirst(), "mkdir");
            Owner root = rootOwner(dir, "mkdir");
            for (GuestPath d : missing) {
                int mode = d.equals(dir) ? leafMode : 0755;
                rows.add(new PlannedWrite(item, "mkdir", d, OptionalLong.empty(), mode, root,
                        List.of(new MakeDirectories(d, mode, root)), 4 * BLOCK, 1,
                        d.equals(dir) ? "new directory" : "new directory (mkdir -p)", Optional.empty()));
                tree.put(d, new Node(FileType.DIRECTORY, mode, root.uid(), root.gid(), 0, 2, Optional.empty(), true));
            }
        } else if (forceLeaf) {
            Owner root = rootOwner(dir, "chown+chmod");
            Node existing = tree.lstat(dir, "chown+chmod").orElseThrow();
            refuseAttributes(dir, "chown+chmod", existing, EnumSet.of(InodeAttribute.IMMUTABLE,
                    InodeAttribute.APPEND_ONLY), "its owner and mode cannot be set");
            rows.add(new PlannedWrite(item, "chown+chmod", dir, OptionalLong.empty(), leafMode, root,
                    List.of(new SetOwner(dir, root), new SetMode(dir, leafMode)), 0, 0,
                    "existing directory (was " + String.format("%04o", existing.mode()) + " "
                            + ownerOf(existing.uid(), existing.gid()) + "): owner and mode set as Nova does",
                    Optional.empty()));
            tree.put(dir, existing.withModeAndOwner(leafMode, root));
        }
    }

    /**
     * A file append or replace. A new file is created 0644 and owned by the guest's root:root
     * (then {@code mode}, if given); an existing file keeps its mode and owner unless
     * {@code mode} / {@code ownerRoot} say otherwise.
     */
    private void planFileWrite(InjectionItem item, String action, GuestPath file, byte[] content, OptionalInt mode,
                               boolean ownerRoot, List<PlannedWrite> rows, String what) throws PlanRefusal {
        if (!missingDirectories(file.parent(), action).isEmpty()) {
            throw new PlanRefusal(file, action, file.parent() + " does not exist");
        }
        Optional<Node> existing = existingFile(file, action);
        boolean append = action.equals("append");
        List<GuestOperation> ops = new ArrayList<>();
        ops.add(append ? new Append(file, content) : new Replace(file, content));
        int finalMode;
        Owner owner;
        long space;
        long newSize;
        String detail;
        if (existing.isEmpty()) {
            requireEntriesMayBeAdded(file, action);
            owner = rootOwner(file, action);
            finalMode = mode.orElse(0644);
            if (owner.uid() != 0 || owner.gid() != 0) {
                ops.add(new SetOwner(file, owner));
            }
            if (finalMode != 0644) {
                ops.add(new SetMode(file, finalMode));
            }
            newSize = content.length;
            space = roundUp(content.length) + 4 * BLOCK;
            detail = what + "; new file";
        } else {
            Node n = existing.get();
            Owner current = ownerOf(n.uid(), n.gid());
            owner = current;
            finalMode = n.mode();
            if (ownerRoot) {
                owner = rootOwner(file, action);
                ops.add(new SetOwner(file, owner));
            }
            if (mode.isPresent()) {
                finalMode = mode.getAsInt();
                ops.add(new SetMode(file, finalMode));
            }
            if (append) {
                newSize = n.size() + content.length;
                space = roundUp(content.length) + 3 * BLOCK;
                detail = what + "; appended to the existing " + n.size() + "-byte file";
            } else {
                newSize = content.length;
                space = Math.max(0, roundUp(content.length) - n.size() / BLOCK * BLOCK) + 2 * BLOCK;
                detail = what + "; replaces the existing " + n.size() + "-byte file";
            }
            if (!mode.isPresent() && !ownerRoot) {
                detail += ", whose mode and owner are kept";
            }
        }
        if (existing.isPresent()) {
            requireFileWritable(file, action, existing.get(), ops);
        }
        rows.add(new PlannedWrite(item, action, file, OptionalLong.of(content.length), finalMode, owner, ops, space,
                existing.isEmpty() ? 1 : 0, detail, Optional.empty()));
        tree.put(file, new Node(FileType.REGULAR, finalMode, owner.uid(), owner.gid(), newSize, 1, Optional.empty(),
                existing.isEmpty() || existing.get().created(),
                existing.map(Node::attributes).orElse(Set.of())));
    }

    /**
     * The directories of {@code dir} (itself included) that are missing, outermost first; empty
     * when it exists.
     *
     * @throws PlanRefusal a component is a symlink or not a directory
     */
    private List<GuestPath> missingDirectories(GuestPath dir, String action) throws PlanRefusal {
        List<GuestPath> prefixes = new ArrayList<>();
        for (GuestPath p = dir; !p.isRoot(); p = p.parent()) {
            prefixes.addFirst(p);
        }
        for (int i = 0; i < prefixes.size(); i++) {
            GuestPath p = prefixes.get(i);
            Optional<Node> node = tree.lstat(p, action);
            if (node.isEmpty()) {
                return List.copyOf(prefixes.subList(i, prefixes.size()));
            }
            if (node.get().type() == FileType.SYMLINK) {
                throw new PlanRefusal(p, action, symlinkRefusal(p, node.get()));
            }
            if (node.get().type() != FileType.DIRECTORY) {
                throw new PlanRefusal(p, action, p + " is " + describe(node.get().type()) + ", not a directory");
            }
        }
        return List.of();
    }

    /** The target of a write: empty if missing, else a regular file with one link. */
    private Optional<Node> existingFile(GuestPath file, String action) throws PlanRefusal {
        Optional<Node> node = tree.lstat(file, action);
        if (node.isEmpty()) {
            return node;
        }
        Node n = node.get();
        switch (n.type()) {
            case REGULAR -> {
                if (n.links() > 1) {
                    throw new PlanRefusal(file, action, file + " has " + n.links()
                            + " hard links; writing it would change the file under its other names too");
                }
                return node;
            }
            case SYMLINK -> throw new PlanRefusal(file, action, symlinkRefusal(file, n));
            default -> throw new PlanRefusal(file, action, file + " is " + describe(n.type()) + ", not a regular file");
        }
    }

    /**
     * The inode flags of an existing file against every operation planned on it, as Linux applies
     * them: immutable refuses everything; append-only allows only an append (an O_APPEND write), not
     * a rewrite and not the chmod/chown Nova does after appending to authorized_keys or rc.local
     * ({@code notify_change} answers EPERM); encrypted, fs-verity and inline-data content is not
     * written by guestdata at all. Refused here, at plan time, so no item is left half done.
     */
    private static void requireFileWritable(GuestPath file, String action, Node node, List<GuestOperation> ops)
            throws PlanRefusal {
        refuseAttributes(file, action, node, EnumSet.of(InodeAttribute.IMMUTABLE, InodeAttribute.ENCRYPTED,
                InodeAttribute.VERITY, InodeAttribute.INLINE_DATA), "it cannot be written");
        if (node.attributes().contains(InodeAttribute.APPEND_ONLY)) {
            if (!action.equals("append")) {
                throw new PlanRefusal(file, action, file + " is append-only (chattr +a): it may only grow by appends,"
                        + " and this " + action + " would rewrite it");
            }
            for (GuestOperation op : ops) {
                if (op instanceof SetMode || op instanceof SetOwner) {
                    throw new PlanRefusal(file, action, file + " is append-only (chattr +a): appending is allowed, but"
                            + " the " + (op instanceof SetMode ? "chmod" : "chown") + " that follows it is not (Linux"
                            + " refuses attribute changes of an append-only inode with EPERM)");
                }
            }
        }
    }

    /**
     * A new entry (file or directory) in {@code path}'s parent: the parent must not be immutable,
     * append-only (guestdata's writes may rewrite a directory block, not only add to it),
     * encrypted, case-insensitive or inline-data. A parent the plan creates has no flags.
     */
    private void requireEntriesMayBeAdded(GuestPath path, String action) throws PlanRefusal {
        GuestPath parent = path.parent();
        Optional<Node> dir = tree.lstat(parent, action);
        if (dir.isPresent()) {
            refuseAttributes(parent, action, dir.get(), EnumSet.of(InodeAttribute.IMMUTABLE, InodeAttribute.APPEND_ONLY,
                    InodeAttribute.ENCRYPTED, InodeAttribute.CASEFOLD, InodeAttribute.INLINE_DATA),
                    "no entry can be added to it for " + path);
        }
    }

    private static void refuseAttributes(GuestPath path, String action, Node node, Set<InodeAttribute> refused,
                                         String consequence) throws PlanRefusal {
        for (InodeAttribute a : node.attributes()) {
            if (refused.contains(a)) {
                throw new PlanRefusal(path, action, path + " is " + describe(a) + " (lsattr '" + a.letter() + "'): "
                        + consequence);
            }
        }
    }

    private static String describe(InodeAttribute a) {
        return switch (a) {
            case IMMUTABLE -> "immutable (chattr +i)";
            case APPEND_ONLY -> "append-only (chattr +a)";
            case ENCRYPTED -> "encrypted (fscrypt)";
            case VERITY -> "fs-verity protected";
            case INLINE_DATA -> "stored inline in its inode (inline_data)";
            case CASEFOLD -> "case-insensitive (casefold)";
        };
    }

    private static String symlinkRefusal(GuestPath path, Node node) {
        return path + " is a symlink to " + node.symlinkTarget().orElse("?")
                + "; guestdata writes no path through a symlink (Nova would follow it inside the guest)";
    }

    private static String describe(FileType type) {
        return switch (type) {
            case REGULAR -> "a regular file";
            case DIRECTORY -> "a directory";
            case SYMLINK -> "a symlink";
            case CHARACTER_DEVICE -> "a character device";
            case BLOCK_DEVICE -> "a block device";
            case FIFO -> "a fifo";
            case SOCKET -> "a socket";
            case UNKNOWN -> "an inode of unknown type";
        };
    }

    private byte[] read(GuestPath path, AccessPolicy policy, GuestPath row, String action) throws PlanRefusal {
        try {
            return fs.read(path, ACCOUNT_FILE_LIMIT, policy);
        } catch (GuestFsException e) {
            throw new PlanRefusal(row, action, "cannot read " + path + ": " + e.getMessage());
        }
    }

    // --- owners ----------------------------------------------------------------------------

    private void loadAccounts() {
        try {
            byte[] passwd = fs.read(PASSWD, ACCOUNT_FILE_LIMIT, AccessPolicy.DEFAULT);
            byte[] group = fs.read(GROUP, ACCOUNT_FILE_LIMIT, AccessPolicy.DEFAULT);
            accounts = GuestAccounts.parse(passwd, group);
        } catch (GuestFsException e) {
            accounts = GuestAccounts.parse(new byte[0], new byte[0]);
            accountsProblem = e.getMessage();
        }
    }

    /** root:root as the guest's /etc/passwd and /etc/group define them (Nova resolves them through Augeas). */
    private Owner rootOwner(GuestPath path, String action) throws PlanRefusal {
        var uid = accounts.uid("root");
        var gid = accounts.gid("root");
        if (uid.isEmpty() || gid.isEmpty()) {
            throw new PlanRefusal(path, action, "cannot resolve the owner root:root in the guest: "
                    + (accountsProblem != null ? accountsProblem
                    : uid.isEmpty() ? "its /etc/passwd has no user root" : "its /etc/group has no group root"));
        }
        return new Owner("root", "root", uid.getAsInt(), gid.getAsInt());
    }

    /** Names for ids, as the guest's files give them (the first entry with the id), else the ids. */
    private Owner ownerOf(int uid, int gid) {
        String user = accounts.users().values().stream().filter(u -> u.uid() == uid).map(GuestAccounts.User::name)
                .findFirst().orElse(Integer.toUnsignedString(uid));
        String group = accounts.groups().entrySet().stream().filter(g -> g.getValue() == gid).map(Map.Entry::getKey)
                .findFirst().orElse(Integer.toUnsignedString(gid));
        return new Owner(user, group, uid, gid);
    }

    // --- space -----------------------------------------------------------------------------

    /**
     * Refuses, in order, the first write that would not fit: the free bytes (blocks reserved for
     * root not counted) and free inodes must cover every write of every item before it. Items
     * already refused do not count.
     */
    private List<PlannedItem> checkSpace(List<PlannedItem> items) throws GuestFsException {
        long free = fs.freeBytes();
        OptionalLong freeInodes = fs.freeInodes();
        long used = 0;
        long usedInodes = 0;
        List<PlannedItem> checked = new ArrayList<>();
        for (PlannedItem item : items) {
            if (item.isRefused() || item.skipped().isPresent()) {
                checked.add(item);
                continue;
            }
            long u = used;
            long ui = usedInodes;
            boolean over = false;
            List<PlannedWrite> rows = new ArrayList<>();
            for (PlannedWrite w : item.writes()) {
                u += w.spaceBytes();
                ui += w.inodes();
                if (!over && u > free) {
                    w = w.refused("not enough free space: the writes planned up to this one need up to " + u
                            + " bytes (counted in 4 KiB blocks with room for directory and mapping blocks), and "
                            + free + " bytes are free (blocks reserved for root not counted)");
                    over = true;
                } else if (!over && freeInodes.isPresent() && ui > freeInodes.getAsLong()) {
                    w = w.refused("not enough free inodes: the writes planned up to this one create " + ui
                            + " files and directories, and " + freeInodes.getAsLong() + " inodes are free");
                    over = true;
                }
                rows.add(w);
            }
            if (!over) {
                used = u;
                usedInodes = ui;
            }
            checked.add(item.withWrites(rows));
        }
        return checked;
    }

    private static long roundUp(long bytes) {
        return (bytes + BLOCK - 1) / BLOCK * BLOCK;
    }
}
