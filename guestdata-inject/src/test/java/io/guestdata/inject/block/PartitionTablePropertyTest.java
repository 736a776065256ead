package io.guestdata.inject.block;

import io.guestdata.testkit.ToolTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Random valid MBR and GPT layouts written by sfdisk: our list must equal sfdisk --json's. */
@ToolTest
class PartitionTablePropertyTest {
    /** A partition to ask sfdisk for: a gap before it and a size, both in MiB, and a type. */
    record Spec(int gapMib, int sizeMib, String type, String name) {}

    /** A layout: GPT, or MBR with some primaries and optionally an extended partition of logicals. */
    record Layout(boolean gpt, List<Spec> primaries, List<Spec> logicals) {
        String script() {
            StringBuilder s = new StringBuilder("label: ").append(gpt ? "gpt" : "dos").append('\n');
            long cursor = 2048;
            for (Spec p : primaries) {
                cursor += p.gapMib() * 2048L;
                s.append("start=").append(cursor).append(", size=").append(p.sizeMib() * 2048L)
                        .append(", type=").append(p.type());
                if (gpt && !p.name().isEmpty()) {
                    s.append(", name=\"").append(p.name()).append('"');
                }
                s.append('\n');
                cursor += p.sizeMib() * 2048L;
            }
            if (!logicals.isEmpty()) {
                long extended = logicals.stream().mapToLong(l -> (l.sizeMib() + 1) * 2048L).sum();
                s.append("start=").append(cursor).append(", size=").append(extended).append(", type=5\n");
                for (Spec l : logicals) {
                    s.append("size=").append(l.sizeMib() * 2048L).append(", type=").append(l.type()).append('\n');
                }
            }
            return s.toString();
        }
    }

    @Property(tries = 20)
    void ourReadingEqualsSfdisks(@ForAll("layouts") Layout layout) throws IOException {
        Path dir = Files.createTempDirectory("guestdata-ptprop-");
        try {
            Path img = Tools.rawImage(dir, "disk.img", 256);
            Tools.sfdisk(img, layout.script());
            try (RawImage disk = RawImage.openReadOnly(img)) {
                PartitionTable table = PartitionTable.read(disk);
                Tools.assertSameAsSfdisk(Tools.sfdiskJson(img), table);
                if (!table.notes().isEmpty()) {
                    throw new AssertionError("unexpected notes " + table.notes() + " for\n" + layout.script());
                }
            }
        } finally {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    @Provide
    Arbitrary<Layout> layouts() {
        Arbitrary<String> mbrType = Arbitraries.of("83", "82", "c", "7", "8e", "fd", "ef");
        Arbitrary<String> gptType = Arbitraries.of(
                "0FC63DAF-8483-4772-8E79-3D69D8477DE4", "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F",
                "C12A7328-F81F-11D2-BA4B-00A0C93EC93B", "E6D6D379-F507-44C2-A23C-238F2A3DF928",
                "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7", "933AC7E1-2EB4-4F13-B844-0E14E2AEF915");
        Arbitrary<String> name = Arbitraries.strings().withCharRange('a', 'z').withChars(' ', '-', '_', 'A', 'Z')
                .ofMinLength(0).ofMaxLength(20).map(String::strip);
        Arbitrary<Integer> gap = Arbitraries.integers().between(0, 3);
        Arbitrary<Integer> size = Arbitraries.integers().between(1, 12);
        Arbitrary<Spec> gptSpec = Combinators.combine(gap, size, gptType, name).as(Spec::new);
        Arbitrary<Spec> mbrSpec = Combinators.combine(gap, size, mbrType, Arbitraries.just("")).as(Spec::new);
        Arbitrary<Layout> gpt = gptSpec.list().ofMinSize(1).ofMaxSize(12)
                .map(ps -> new Layout(true, ps, List.of()));
        Arbitrary<Layout> mbrPrimaries = mbrSpec.list().ofMinSize(1).ofMaxSize(4)
                .map(ps -> new Layout(false, ps, List.of()));
        Arbitrary<Layout> mbrLogicals = Combinators.combine(mbrSpec.list().ofMinSize(0).ofMaxSize(3),
                mbrSpec.list().ofMinSize(1).ofMaxSize(5)).as((ps, ls) -> new Layout(false, ps, ls));
        return Arbitraries.oneOf(gpt, mbrPrimaries, mbrLogicals);
    }
}
