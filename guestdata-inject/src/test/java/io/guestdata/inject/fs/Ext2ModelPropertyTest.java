package io.guestdata.inject.fs;

import io.guestdata.testkit.ToolTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Stream;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;

import io.guestdata.inject.fs.GuestFsException.Kind;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Random sequences of mkdir -p / replace / append / chmod / chown on random paths, against a
 * model. Each call must fail exactly when the model says (with the model's kind); after close,
 * {@code e2fsck -fn} is clean and {@code debugfs rdump} reads back exactly the model: the same
 * names, types, contents, modes and owners.
 */
@ToolTest
class Ext2ModelPropertyTest {

    /** What the model holds for a path. */
    record Node(boolean directory, byte[] content, int mode, int uid, int gid) {
        Node with(byte[] newContent) {
            return new Node(directory, newContent, mode, uid, gid);
        }

        @Override
        public String toString() {
            return (directory ? "dir" : "file[" + content.length + "]") + " " + Integer.toOctalString(mode)
                    + " " + uid + ":" + gid;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Node n && n.directory == directory && Arrays.equals(n.content, content)
                    && n.mode == mode && n.uid == uid && n.gid == gid;
        }

        @Override
        public int hashCode() {
            return Objects.hash(directory, Arrays.hashCode(content), mode, uid, gid);
        }
    }

    sealed interface Op {
        String path();
    }

    record Mkdir(String path, int mode, int uid, int gid) implements Op {
    }

    record Replace(String path, byte[] content) implements Op {
        @Override
        public String toString() {
            return "Replace[" + path + ", " + content.length + " bytes]";
        }
    }

    record Append(String path, byte[] content) implements Op {
        @Override
        public String toString() {
            return "Append[" + path + ", " + content.length + " bytes]";
        }
    }

    record Chmod(String path, int mode) implements Op {
        @Override
        public String toString() {
            return "Chmod[" + path + ", " + Integer.toOctalString(mode) + "]";
        }
    }

    record Chown(String path, int uid, int gid) implements Op {
    }

    @Provide
    Arbitrary<String> paths() {
        return Arbitraries.of("a", "b", "c").list().ofMinSize(1).ofMaxSize(3).map(l -> "/" + String.join("/", l));
    }

    @Provide
    Arbitrary<List<Op>> operations() {
        Arbitrary<String> path = paths();
        Arbitrary<Integer> mode = Arbitraries.integers().between(0, 0777);
        Arbitrary<Integer> id = Arbitraries.of(0, 1, 1000, 70000);
        Arbitrary<byte[]> content = Arbitraries.integers().between(0, 9000).flatMap(n ->
                Arbitraries.bytes().array(byte[].class).ofSize(n));
        Arbitrary<Op> op = Arbitraries.oneOf(
                Combinators.combine(path, mode, id, id).as(Mkdir::new),
                Combinators.combine(path, content).as(Replace::new),
                Combinators.combine(path, content).as(Append::new),
                Combinators.combine(path, mode).as(Chmod::new),
                Combinators.combine(path, id, id).as(Chown::new));
        return op.list().ofMinSize(1).ofMaxSize(30);
    }

    @Provide
    Arbitrary<List<String>> layouts() {
        return Arbitraries.of(
                List.of("-t", "ext2", "-b", "1024"),
                List.of("-t", "ext3", "-b", "1024"),
                List.of("-t", "ext4"),
                List.of("-t", "ext4", "-b", "1024", "-O", "^extent,^64bit"),
                List.of("-t", "ext4", "-I", "128", "-O", "^dir_index"));
    }

    @Property(tries = 25, shrinking = ShrinkingMode.BOUNDED)
    void debugfs_reads_back_the_model(@ForAll("operations") List<Op> ops, @ForAll("layouts") List<String> layout)
            throws Exception {
        Path dir = Files.createTempDirectory("ext2-model");
        try {
            Path img = Ext2Tools.mkfs(dir.resolve("m.img"), 16 * 1024, 0, null, layout.toArray(String[]::new));
            Map<String, Node> model = new TreeMap<>();
            try (Ext2Filesystem fs = Ext2Filesystem.open(img, 0, OpenMode.READ_WRITE)) {
                for (Op op : ops) {
                    Kind expected = apply(model, op);
                    Kind actual = null;
                    try {
                        run(fs, op);
                    } catch (GuestFsException e) {
                        actual = e.kind();
                    }
                    assertEquals(expected, actual, () -> op + " on model " + model);
                }
            }
            Ext2Tools.assertClean(img, 0);
            Path out = Files.createDirectory(dir.resolve("rdump"));
            Ext2Tools.runOk(List.of("debugfs", "-R", "rdump / " + out, img.toString()));
            assertEquals(model, readBack(out));
        } finally {
            deleteTree(dir);
        }
    }

    private static void run(Ext2Filesystem fs, Op op) throws GuestFsException {
        GuestPath p = GuestPath.of(op.path());
        switch (op) {
            case Mkdir m -> fs.makeDirectories(p, m.mode(), m.uid(), m.gid());
            case Replace r -> fs.replace(p, r.content());
            case Append a -> fs.append(p, a.content());
            case Chmod c -> fs.chmod(p, c.mode());
            case Chown c -> fs.chown(p, c.uid(), c.gid());
        }
    }

    /** Applies {@code op} to the model; returns the kind of failure the model predicts, or null. */
    private static Kind apply(Map<String, Node> model, Op op) {
        String[] names = op.path().substring(1).split("/");
        String prefix = "";
        for (int i = 0; i < names.length - 1; i++) {
            prefix += "/" + names[i];
            Node n = model.get(prefix);
            if (n == null) {
                if (op instanceof Mkdir) {
                    break;
                }
                return Kind.NOT_FOUND;
            }
            if (!n.directory()) {
                return Kind.NOT_A_DIRECTORY;
            }
        }
        String path = op.path();
        Node target = model.get(path);
        switch (op) {
            case Mkdir m -> {
                if (target != null) {
                    return target.directory() ? null : Kind.NOT_A_DIRECTORY;
                }
                String p = "";
                for (String name : names) {
                    p += "/" + name;
                    model.putIfAbsent(p, new Node(true, new byte[0], m.mode(), m.uid(), m.gid()));
                }
                return null;
            }
            case Replace r -> {
                if (target != null && target.directory()) {
                    return Kind.IS_A_DIRECTORY;
                }
                model.put(path, target == null ? new Node(false, r.content(), 0644, 0, 0) : target.with(r.content()));
                return null;
            }
            case Append a -> {
                if (target != null && target.directory()) {
                    return Kind.IS_A_DIRECTORY;
                }
                byte[] old = target == null ? new byte[0] : target.content();
                byte[] joined = Arrays.copyOf(old, old.length + a.content().length);
                System.arraycopy(a.content(), 0, joined, old.length, a.content().length);
                model.put(path, target == null ? new Node(false, joined, 0644, 0, 0) : target.with(joined));
                return null;
            }
            case Chmod c -> {
                if (target == null) {
                    return Kind.NOT_FOUND;
                }
                model.put(path, new Node(target.directory(), target.content(), c.mode(), target.uid(), target.gid()));
                return null;
            }
            case Chown c -> {
                if (target == null) {
                    return Kind.NOT_FOUND;
                }
                model.put(path, new Node(target.directory(), target.content(), target.mode(), c.uid(), c.gid()));
                return null;
            }
        }
    }

    /** The tree debugfs rdump wrote (mode, owner and content preserved), lost+found left out. */
    private static Map<String, Node> readBack(Path out) throws IOException {
        Map<String, Node> actual = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(out)) {
            for (Path p : walk.filter(p -> !p.equals(out)).toList()) {
                String rel = "/" + out.relativize(p).toString();
                if (rel.equals("/lost+found") || rel.startsWith("/lost+found/")) {
                    continue;
                }
                assertNull(actual.get(rel));
                int mode = (int) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
                int uid = (int) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
                int gid = (int) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS);
                boolean directory = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
                actual.put(rel, new Node(directory, directory ? new byte[0] : Files.readAllBytes(p), mode, uid, gid));
            }
        }
        return actual;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
