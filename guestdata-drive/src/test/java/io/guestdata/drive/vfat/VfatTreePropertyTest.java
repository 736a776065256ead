package io.guestdata.drive.vfat;

import io.guestdata.testkit.ToolTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Random trees in, the real tools' reading out: fsck.fat clean, blkid/minfo/mdir fine, and
 * {@code mcopy -s} extracts exactly the input (names and bytes). Names mix lower and upper case,
 * long names, several periods, spaces, Unicode in and outside the BMP; directories 1 to 6 deep;
 * files of 0 to 200 KiB including empty ones and ones of exactly a cluster; sometimes a directory
 * (or the root) with so many entries that it spans several clusters (or outgrows 512 root slots);
 * volumes from FAT12 to FAT32.
 */
@ToolTest
class VfatTreePropertyTest {
    private static final String ASCII = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private static final String PUNCTUATION = " ..--__+,;=[]!#$%&'()@^`{}~";
    private static final String[] UNICODE = {"é", "ß", "Δ", "日", "本", "ж", "ğ", "Å", "€", "ﬁ"};
    private static final String[] OUTSIDE_BMP = {"😀", "𝄞", "𐐷", "🐧"};
    private static final long[] MINIMUM_SIZES = {0, 1 << 20, 64L << 20, 64L << 20, 64L << 20, (2L << 30) + 4096};
    /** Host limits of the extraction directory: NAME_MAX 255 bytes, PATH_MAX 4096 bytes. */
    private static final int NAME_MAX = 255;
    private static final int PATH_BUDGET = 3000;

    record Case(Map<String, byte[]> files, long minimumSize) {
        @Override
        public String toString() {
            return files.size() + " files, minimum " + minimumSize + ": " + files.keySet();
        }
    }

    @Provide
    Arbitrary<Case> trees() {
        return Arbitraries.randomValue(VfatTreePropertyTest::generate);
    }

    @Property(tries = 30)
    void extractedTreeEqualsInput(@ForAll("trees") Case c) throws Exception {
        Path dir = Files.createTempDirectory("vfat-property");
        try {
            Path image = dir.resolve("drive.img");
            FatOptions options = FatOptions.configDrive(Instant.parse("2030-01-02T03:04:05Z"))
                    .withMinimumSizeBytes(c.minimumSize());
            new VfatWriter(options).write(VfatWriterTest.imageFiles(c.files()), image);
            Map<String, String> blkid = VfatWriterTest.verify(image, FatTools.asMtoolsShows(c.files()), dir.resolve("out"));
            Statistics.label("type").collect(blkid.get("VERSION"));
            Statistics.label("files").collect(c.files().size() < 10 ? "<10" : c.files().size() < 50 ? "<50" : ">=50");
            Statistics.label("depth").collect(c.files().keySet().stream()
                    .mapToLong(p -> p.chars().filter(ch -> ch == '/').count() + 1).max().orElse(0));
            Statistics.label("non-BMP").collect(c.files().keySet().stream().anyMatch(p -> p.codePoints().anyMatch(cp -> cp > 0xFFFF)));
            try (FatImageReader reader = new FatImageReader(image)) {
                VfatWriterTest.assertSameFiles(c.files(), reader.files());
            }
        } finally {
            delete(dir);
        }
    }

    static Case generate(Random r) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        int depth = 1 + r.nextInt(6);
        boolean[] wideUsed = {false};
        directory(r, "", 1, depth, files, wideUsed);
        return new Case(files, MINIMUM_SIZES[r.nextInt(MINIMUM_SIZES.length)]);
    }

    /** Fills one directory; every directory ends up with at least one file below it. */
    private static void directory(Random r, String prefix, int level, int depth, Map<String, byte[]> files,
            boolean[] wideUsed) {
        boolean wide = !wideUsed[0] && r.nextInt(4) == 0;
        wideUsed[0] |= wide;
        int entries = wide ? 40 + r.nextInt(110) : 1 + r.nextInt(5);
        Set<String> keys = new HashSet<>();
        Set<String> shown = new HashSet<>();
        for (int i = 0; i < entries; i++) {
            String name = uniqueName(r, prefix, keys, shown);
            // The first entry of every directory above the chosen depth is a directory, so the tree
            // is exactly that deep; others are directories now and then.
            if (level < depth && (i == 0 || !wide && r.nextInt(4) == 0)) {
                directory(r, prefix + name + "/", level + 1, depth, files, wideUsed);
            } else {
                files.put(prefix + name, content(r, wide));
            }
        }
    }

    private static String uniqueName(Random r, String prefix, Set<String> keys, Set<String> shown) {
        while (true) {
            String name = name(r, prefix.getBytes(StandardCharsets.UTF_8).length > PATH_BUDGET / 2);
            if (prefix.getBytes(StandardCharsets.UTF_8).length + name.getBytes(StandardCharsets.UTF_8).length
                    > PATH_BUDGET) {
                continue;
            }
            if (keys.add(NameLimits.matchKey(name))) {
                if (shown.add(FatTools.asMtoolsShows(name))) {
                    return name;
                }
                keys.remove(NameLimits.matchKey(name));
            }
        }
    }

    static String name(Random r, boolean shortOnly) {
        int style = shortOnly ? r.nextInt(2) : r.nextInt(7);
        StringBuilder s = new StringBuilder();
        switch (style) {
            case 0 -> { // 8.3, lower, upper or digits: stored as short entries with case bits
                String alphabet = r.nextBoolean() ? "abcdefghijklmnopqrstuvwxyz0123456789_-" : "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
                append(r, s, alphabet, 1 + r.nextInt(8));
                if (r.nextBoolean()) {
                    s.append('.');
                    append(r, s, alphabet, 1 + r.nextInt(3));
                }
            }
            case 1 -> append(r, s, ASCII + ".-_", 1 + r.nextInt(14)); // short, mixed case, maybe several dots
            case 2 -> append(r, s, ASCII + PUNCTUATION, 10 + r.nextInt(50));
            case 3 -> append(r, s, ASCII + PUNCTUATION, 100 + r.nextInt(156)); // long: up to 255 units
            case 4 -> { // BMP Unicode mixed with ASCII
                int n = 1 + r.nextInt(30);
                for (int i = 0; i < n; i++) {
                    s.append(r.nextInt(3) == 0 ? UNICODE[r.nextInt(UNICODE.length)] : pick(r, ASCII + PUNCTUATION));
                }
            }
            case 5 -> { // outside the BMP: surrogate pairs, some straddling the 13-unit long entries
                int n = 1 + r.nextInt(40);
                for (int i = 0; i < n; i++) {
                    s.append(r.nextInt(4) == 0 ? OUTSIDE_BMP[r.nextInt(OUTSIDE_BMP.length)] : pick(r, ASCII + ". "));
                }
            }
            default -> { // leading periods and spaces, several extensions
                s.append(r.nextBoolean() ? "." : " ");
                append(r, s, ASCII, 1 + r.nextInt(6));
                s.append('.');
                append(r, s, ASCII, 1 + r.nextInt(4));
                s.append(".tar.gz");
            }
        }
        String name = s.toString();
        while (name.length() > LongNameEntry.MAX_NAME_UNITS || name.getBytes(StandardCharsets.UTF_8).length > NAME_MAX) {
            name = name.substring(0, name.length() - 1);
            if (Character.isHighSurrogate(name.charAt(name.length() - 1))) {
                name = name.substring(0, name.length() - 1);
            }
        }
        // FAT cannot hold a trailing period or space; "." and ".." are not names.
        name = name.replaceAll("[. ]+$", "");
        return name.isEmpty() ? "n" : name;
    }

    private static void append(Random r, StringBuilder s, String alphabet, int n) {
        for (int i = 0; i < n; i++) {
            s.append(pick(r, alphabet));
        }
    }

    private static char pick(Random r, String alphabet) {
        return alphabet.charAt(r.nextInt(alphabet.length()));
    }

    private static byte[] content(Random r, boolean small) {
        int size = switch (r.nextInt(small ? 3 : 8)) {
            case 0 -> 0;
            case 1 -> 1 + r.nextInt(100);
            case 2 -> 2048 - 1 + r.nextInt(3); // one cluster at 64 MiB, and one byte either side
            case 3 -> 4096;
            case 4 -> 512 * (1 + r.nextInt(8));
            default -> r.nextInt(200 * 1024 + 1);
        };
        byte[] b = new byte[size];
        r.nextBytes(b);
        return b;
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

}
