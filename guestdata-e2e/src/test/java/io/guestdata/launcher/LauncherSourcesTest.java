package io.guestdata.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.guestdata.testkit.ToolTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The source launcher's rebuild decision ({@code tools/sources.sh}, sourced by {@code ./guestdata}): Maven runs
 * only when a file that goes into the jars changed, never for generated sources, benchmark builds or tests.
 * Run on a tree laid out as the project is, with the real shell function.
 */
@ToolTest
class LauncherSourcesTest {
    private static final Path SOURCES_SH = Path.of(System.getProperty("guestdata.e2e.root", "."))
            .toAbsolutePath().getParent().resolve("tools/sources.sh");
    private static final List<String> FILES = List.of("pom.xml", "examples/instance.json",
            "guestdata-core/pom.xml", "guestdata-core/src/main/java/io/guestdata/core/A.java",
            "guestdata-core/src/main/resources/schema.json", "guestdata-core/src/test/java/io/guestdata/core/ATest.java",
            "guestdata-core/target/generated-sources/annotations/B.java", "guestdata-core/target/classes/A.class",
            "bench/pom.xml", "bench/src/main/java/io/guestdata/bench/C.java",
            "bench/target/generated-sources/annotations/D.java", "docs/benchmarks.md", "README.md",
            "guestdata-cli/target/.built");

    @TempDir
    Path root;

    private final Instant built = Instant.now().minusSeconds(60);

    @BeforeEach
    void tree() throws IOException {
        for (String f : FILES) {
            Path p = root.resolve(f);
            Files.createDirectories(p.getParent());
            Files.writeString(p, f);
            Files.setLastModifiedTime(p, FileTime.from(built.minusSeconds(60)));
        }
        try (Stream<Path> dirs = Files.walk(root)) {   // creating the files above touched their directories
            for (Path d : dirs.filter(Files::isDirectory).toList()) {
                Files.setLastModifiedTime(d, FileTime.from(built.minusSeconds(60)));
            }
        }
        Files.setLastModifiedTime(stamp(), FileTime.from(built));
    }

    private Path stamp() {
        return root.resolve("guestdata-cli/target/.built");
    }

    @Test
    void nothingNewerThanTheBuildMeansNoBuild() throws Exception {
        assertEquals(1, changed());
    }

    @ParameterizedTest
    @ValueSource(strings = {"guestdata-core/target/generated-sources/annotations/B.java",
            "guestdata-core/target/classes/A.class", "bench/src/main/java/io/guestdata/bench/C.java",
            "bench/target/generated-sources/annotations/D.java", "bench/pom.xml",
            "guestdata-core/src/test/java/io/guestdata/core/ATest.java", "docs/benchmarks.md", "README.md"})
    void filesOutsideTheJarsNeverTriggerABuild(String file) throws Exception {
        touch(file);
        assertEquals(1, changed(), file + " is not a source of the jars");
    }

    @ParameterizedTest
    @ValueSource(strings = {"pom.xml", "examples/instance.json", "guestdata-core/pom.xml",
            "guestdata-core/src/main/java/io/guestdata/core/A.java", "guestdata-core/src/main/resources/schema.json"})
    void aChangedSourceTriggersABuild(String file) throws Exception {
        touch(file);
        assertEquals(0, changed(), file + " goes into the jars");
    }

    @Test
    void aNewSourceFileTriggersABuild() throws Exception {
        Path p = root.resolve("guestdata-core/src/main/java/io/guestdata/core/New.java");
        Files.writeString(p, "class New {}");
        assertEquals(0, changed());
    }

    @Test
    void aDeletedSourceFileTriggersABuild() throws Exception {
        Files.delete(root.resolve("guestdata-core/src/main/resources/schema.json"));
        assertEquals(0, changed(), "its directory changed");
    }

    private void touch(String file) throws IOException {
        Files.setLastModifiedTime(root.resolve(file), FileTime.from(built.plusSeconds(30)));
    }

    /** The function's exit status: 0 when the launcher would build, 1 when not. */
    private int changed() throws Exception {
        Process p = new ProcessBuilder("bash", "-c", ". \"$1\"; guestdata_sources_changed \"$2\" \"$3\"", "test",
                SOURCES_SH.toString(), root.toString(), stamp().toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("guestdata_sources_changed did not finish");
        }
        assertEquals("", out, "the check prints nothing");
        return p.exitValue();
    }
}
