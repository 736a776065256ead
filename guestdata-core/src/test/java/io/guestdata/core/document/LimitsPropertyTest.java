package io.guestdata.core.document;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Random metadata maps and file lists around the limits: a document is accepted exactly when every
 * count and length is within its limit, and each limit broken is reported under its rule.
 */
class LimitsPropertyTest {

    private static final String KEY_CHARS = "aZ09-_:. ";

    /** A metadata entry to build: the key's length and the value's length. */
    record Entry(int keyLength, int valueLength) {
    }

    /** A file to build: the path's and the base64 text's length in characters. */
    record FileSpec(int pathLength, int contentsLength) {
    }

    @Provide
    Arbitrary<Entry> entry() {
        Arbitrary<Integer> keyLength = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, Arbitraries.integers().between(1, 12)),
                net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(253, 257)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(0)));
        Arbitrary<Integer> valueLength = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, Arbitraries.integers().between(0, 12)),
                net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(253, 257)));
        return Combinators.combine(keyLength, valueLength).as(Entry::new);
    }

    @Provide
    Arbitrary<Integer> metadataLimit() {
        return Arbitraries.oneOf(Arbitraries.just(128), Arbitraries.integers().between(-1, 6));
    }

    /** Distinct keys where possible: a base-36 serial number, then filler up to the length asked for. */
    private static Map<String, String> metadata(List<Entry> entries) {
        Map<String, String> metadata = new LinkedHashMap<>();
        for (int i = 0; i < entries.size(); i++) {
            String serial = Integer.toString(i, 36);
            StringBuilder key = new StringBuilder(serial);
            while (key.length() < entries.get(i).keyLength()) {
                key.append(KEY_CHARS.charAt(key.length() % KEY_CHARS.length()));
            }
            key.setLength(entries.get(i).keyLength());
            metadata.putIfAbsent(key.toString(), "v".repeat(entries.get(i).valueLength()));
        }
        return metadata;
    }

    @Property(tries = 300)
    void metadataIsAcceptedIffWithinLimits(@ForAll("metadataLimit") int limit,
                                           @ForAll @Size(max = 8) List<@From("entry") Entry> entries,
                                           @ForAll @IntRange(min = 0, max = 135) int padding) {
        // padding: extra short entries, so that counts near Nova's 128 are reached too
        List<Entry> all = new java.util.ArrayList<>(entries);
        int extra = limit == 128 ? padding : padding % 8;
        for (int i = 0; i < extra; i++) {
            all.add(new Entry(4, 1));
        }
        Map<String, String> metadata = metadata(all);
        ObjectNode doc = Fixtures.minimal();
        ObjectNode node = doc.putObject("metadata");
        metadata.forEach(node::put);

        Set<String> expected = new TreeSet<>();
        if (limit != -1 && metadata.size() > limit) {
            expected.add("metadata.count");
        }
        metadata.forEach((key, value) -> {
            if (key.isEmpty() || key.length() > 255) {
                expected.add("metadata.key.length");
            }
            if (value.length() > 255) {
                expected.add("metadata.value.length");
            }
        });
        assertEquals(expected, rulesOf(new Limits(5, 255, 10240, limit, 65535), doc));
    }

    @Provide
    Arbitrary<FileSpec> fileSpec() {
        Arbitrary<Integer> delta = Arbitraries.integers().between(-3, 2);
        return Combinators.combine(delta, delta).as(FileSpec::new);
    }

    @Property(tries = 300)
    void filesAreAcceptedIffWithinLimits(@ForAll @IntRange(min = -1, max = 6) int filesLimit,
                                         @ForAll @IntRange(min = 4, max = 300) int pathLimit,
                                         @ForAll @IntRange(min = 0, max = 40) int contentsLimit,
                                         @ForAll @Size(max = 8) List<@From("fileSpec") FileSpec> deltas,
                                         @ForAll boolean novasContentLimit) {
        int contentLimit = novasContentLimit ? 10240 : contentsLimit;
        ObjectNode doc = Fixtures.minimal();
        ArrayNode files = doc.putArray("files");
        Set<String> expected = new TreeSet<>();
        if (filesLimit != -1 && deltas.size() > filesLimit) {
            expected.add("files.count");
        }
        for (int i = 0; i < deltas.size(); i++) {
            String serial = "/" + i + "-";
            int pathLength = Math.max(serial.length(), pathLimit + deltas.get(i).pathLength());
            String path = serial + "p".repeat(pathLength - serial.length());
            int contentsLength = Math.max(0, contentLimit + deltas.get(i).contentsLength());
            // whole base64 groups, then spaces (discarded by the decoder) up to the length wanted
            String contents = "YWJj".repeat(contentsLength / 4) + " ".repeat(contentsLength % 4);
            files.addObject().put("path", path).put("contents", contents);
            if (pathLength > pathLimit) {
                expected.add("files.path.length");
            }
            if (contentsLength > contentLimit) {
                expected.add("files.contents.length");
            }
        }
        assertEquals(expected, rulesOf(new Limits(filesLimit, pathLimit, contentLimit, 128, 65535), doc));
    }

    @Property(tries = 100)
    void userDataIsAcceptedIffWithinItsLimit(@ForAll @IntRange(min = 0, max = 70_000) int limit,
                                             @ForAll @IntRange(min = -2, max = 2) int delta) {
        int length = Math.max(0, limit + delta);
        ObjectNode doc = Fixtures.minimal();
        doc.put("user_data", "YWJj".repeat(length / 4) + "\n".repeat(length % 4));
        Set<String> expected = length > limit ? Set.of("user_data.length") : Set.of();
        assertEquals(expected, rulesOf(new Limits(5, 255, 10240, 128, limit), doc));
    }

    private static Set<String> rulesOf(Limits limits, ObjectNode doc) {
        try {
            Fixtures.parser(limits).parse(doc);
            return Set.of();
        } catch (InvalidDocumentException e) {
            Set<String> rules = new TreeSet<>();
            e.errors().forEach(error -> rules.add(error.rule()));
            return rules;
        }
    }
}
