package io.guestdata.drive.iso9660;

import static io.guestdata.drive.iso9660.IsoTools.digests;
import static io.guestdata.drive.iso9660.IsoTools.expected;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.guestdata.drive.ImageFile;
import io.guestdata.testkit.ToolTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;

/**
 * Random trees in, the real readers' view out: xorriso's extraction and pycdlib's Rock Ridge view
 * must give every path and byte exactly; pycdlib's Joliet view must give the same files, with
 * exact paths wherever Joliet can hold the names (at most 64 UTF-16 units, none of
 * {@code * / : ; ? \} or control characters).
 */
@ToolTest
class Iso9660RoundTripPropertyTest {
    static final IsoOptions OPTIONS = new IsoOptions("config-2", "guestdata 0.1.0", Instant.parse("2025-03-04T05:06:07Z"),
            "GUESTDATA");

    /** Name pieces: ASCII both cases, digits, dots, spaces, punctuation Joliet forbids, Unicode incl. non-BMP. */
    static final List<String> TOKENS = List.of("a", "b", "z", "A", "Q", "Z", "0", "7", ".", ".", "-", "_", " ", "é", "ß",
            "Ж", "中", "日本", "ü", "😀", "𝄞", "🇩🇪", ":", ";", "?", "*", "\\", "~", "#", "%", "'", "\"", "!", "(", "]", "&",
            "+", ",", "=", "\t", "\n");

    record Spec(List<String> dirs, String name, int size) {
    }

    @Property(tries = 30, shrinking = ShrinkingMode.BOUNDED)
    void everyReaderSeesTheInputTree(@ForAll("trees") List<Spec> specs) throws Exception {
        List<ImageFile> files = files(specs);
        Path work = Files.createTempDirectory("iso-roundtrip");
        try {
            Path iso = work.resolve("image.iso");
            new Iso9660Writer(OPTIONS).write(files, iso);
            IsoStructure.check(iso);
            Path out = work.resolve("x");
            IsoTools.xorrisoExtract(iso, out);
            JsonNode read = IsoTools.pycdlib(iso, out);
            Map<String, IsoTools.Digest> want = expected(files);
            assertEquals(want, digests(read.get("extracted")), "xorriso (Rock Ridge) extraction");
            assertEquals(want, digests(read.get("rr")), "pycdlib Rock Ridge");
            Map<String, IsoTools.Digest> joliet = digests(read.get("joliet"));
            assertEquals(want.size(), joliet.size(), "Joliet holds every file");
            assertEquals(sortedValues(want), sortedValues(joliet), "Joliet contents");
            for (Map.Entry<String, IsoTools.Digest> e : want.entrySet()) {
                if (jolietCanHold(e.getKey())) {
                    assertEquals(e.getValue(), joliet.get(e.getKey()), "Joliet keeps " + e.getKey());
                }
            }
        } finally {
            IsoTools.deleteTree(work);
        }
    }

    static boolean jolietCanHold(String path) {
        for (String segment : path.split("/")) {
            if (!JolietIdentifiers.canHold(segment)) {
                return false;
            }
        }
        return true;
    }

    private static List<String> sortedValues(Map<String, IsoTools.Digest> m) {
        return m.values().stream().map(d -> d.size() + ":" + d.sha256()).sorted().toList();
    }

    /** Specs to files, dropping those that would duplicate a path or make a path both file and directory. */
    static List<ImageFile> files(List<Spec> specs) {
        Set<String> filePaths = new HashSet<>();
        Set<String> dirPaths = new HashSet<>();
        List<ImageFile> files = new ArrayList<>();
        outer:
        for (int i = 0; i < specs.size(); i++) {
            Spec s = specs.get(i);
            StringBuilder prefix = new StringBuilder();
            List<String> dirs = new ArrayList<>();
            for (String d : s.dirs()) {
                prefix.append(prefix.isEmpty() ? "" : "/").append(d);
                if (filePaths.contains(prefix.toString())) {
                    continue outer;
                }
                dirs.add(prefix.toString());
            }
            String path = prefix.isEmpty() ? s.name() : prefix + "/" + s.name();
            if (filePaths.contains(path) || dirPaths.contains(path)) {
                continue;
            }
            filePaths.add(path);
            dirPaths.addAll(dirs);
            files.add(new ImageFile(path, s.size(), new GeneratedContent(i, s.size())));
        }
        return files;
    }

    @Provide
    Arbitrary<List<Spec>> trees() {
        Arbitrary<Spec> spec = Combinators.combine(directoryName().list().ofMinSize(0).ofMaxSize(6), name(), size())
                .as(Spec::new);
        return spec.list().ofMinSize(1).ofMaxSize(25);
    }

    static Arbitrary<String> name() {
        Arbitrary<String> token = Arbitraries.of(TOKENS);
        Arbitrary<String> shortName = token.list().ofMinSize(1).ofMaxSize(12).map(l -> String.join("", l));
        Arbitrary<String> longName = token.list().ofMinSize(50).ofMaxSize(200).map(l -> String.join("", l))
                .map(Iso9660RoundTripPropertyTest::cutTo255Bytes);
        Arbitrary<String> dotted = Arbitraries.of("meta_data.json", "a.b.c.d", ".hidden", "trailing.", "..x", "...",
                "UPPER.TXT", "upper.txt", "Upper.Txt", "x".repeat(64), "y".repeat(65) + ".json", "ü".repeat(127));
        return Arbitraries.frequencyOf(Tuple.of(6, shortName), Tuple.of(2, longName), Tuple.of(2, dotted))
                .filter(n -> !n.equals(".") && !n.equals(".."));
    }

    static Arbitrary<String> directoryName() {
        Arbitrary<String> common = Arbitraries.of("a", "A", "dir", "Dir", "sub dir", "x.y", "über", "日本", "😀", "rr_moved",
                "openstack", "latest", "2012-08-10");
        return Arbitraries.frequencyOf(Tuple.of(4, common), Tuple.of(2, name()));
    }

    static Arbitrary<Integer> size() {
        return Arbitraries.frequencyOf(Tuple.of(2, Arbitraries.just(0)), Tuple.of(5, Arbitraries.integers().between(1, 4096)),
                Tuple.of(2, Arbitraries.integers().between(4097, 200 * 1024)));
    }

    static String cutTo255Bytes(String s) {
        StringBuilder sb = new StringBuilder();
        int bytes = 0;
        for (int cp : s.codePoints().toArray()) {
            String c = Character.toString(cp);
            int n = c.getBytes(StandardCharsets.UTF_8).length;
            if (bytes + n > FileTree.MAX_NAME_BYTES) {
                break;
            }
            sb.append(c);
            bytes += n;
        }
        return sb.toString();
    }
}
