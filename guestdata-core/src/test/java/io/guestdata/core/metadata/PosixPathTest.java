package io.guestdata.core.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.guestdata.testkit.ToolTest;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link PosixPath#normpath} is Python's {@code posixpath.normpath}. */
@ToolTest
class PosixPathTest {

    @BeforeContainer
    static void needsPython() {
        Python.assumeAvailable();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "/latest/meta-data/|/latest/meta-data", "/latest/meta-data/../user-data|/latest/user-data",
            "/..|/", "/../..|/", "/a/./b/.|/a/b", "//a|//a", "///a|/a", "//|//", "///|/", "/|/",
            "/a//b///c/|/a/b/c", "a/../..|..", "../a|../a", "a/b/../../..|..", "/a/b/../../..|/", ".|."})
    void examples(String path, String expected) {
        assertEquals(expected, PosixPath.normpath(path));
    }

    @Property(tries = 10)
    void matchesPython(@ForAll @Size(min = 200, max = 200) List<@From("paths") String> paths) {
        List<String> python = Python.run(List.of("-c",
                "import posixpath,sys\nfor l in sys.stdin: print(posixpath.normpath(l[:-1]))"), paths);
        for (int i = 0; i < paths.size(); i++) {
            assertEquals(python.get(i), PosixPath.normpath(paths.get(i)), paths.get(i));
        }
    }

    @Provide
    Arbitrary<String> paths() {
        return Arbitraries.of("/", "/", ".", "..", "a", "bc", "//").list().ofMinSize(1).ofMaxSize(10)
                .map(parts -> String.join("", parts));
    }
}
