package io.guestdata.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.testkit.Command;
import io.guestdata.testkit.Command.Result;
import io.guestdata.testkit.ToolTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JDK's AOT cache the launchers use ({@code tools/aot.sh}): made by the training run from the CLI's real
 * class path, used by the JVM, giving the same output as a run without it, and never used once anything it was
 * made from changes (the JVM itself does not notice a replaced jar). Runs on a copy of the built CLI
 * ({@code guestdata-cli/target}: the jar and {@code lib/}), as the launcher lays it out.
 */
@ToolTest
class StartupCacheTest {
    private static final Path ROOT = Path.of(System.getProperty("guestdata.e2e.root", ".")).toAbsolutePath()
            .getParent();
    private static final Path JAVA_HOME = Path.of(System.getProperty("java.home"));
    private static final String OPTIONS = "-XX:+UseSerialGC --enable-native-access=ALL-UNNAMED";

    @TempDir
    static Path dir;

    static String classpath;
    static Path cache;

    @BeforeAll
    static void makeCache() throws Exception {
        Path target = ROOT.resolve("guestdata-cli/target");
        Path lib = Files.createDirectories(dir.resolve("lib"));
        List<String> entries = new ArrayList<>();
        try (Stream<Path> jars = Files.list(target)) {
            for (Path jar : jars.filter(p -> p.getFileName().toString().matches("guestdata-cli-.*\\.jar")).toList()) {
                entries.add(Files.copy(jar, dir.resolve(jar.getFileName())).toString());
            }
        }
        assertEquals(1, entries.size(), "the CLI jar is built (mvn package ran before this module's tests)");
        try (Stream<Path> jars = Files.list(target.resolve("lib"))) {
            for (Path jar : jars.sorted().toList()) {
                entries.add(Files.copy(jar, lib.resolve(jar.getFileName())).toString());
            }
        }
        classpath = String.join(":", entries);
        cache = dir.resolve("aot/metadata.aot");
        Result made = aot("guestdata_aot_make \"$1\" \"$2\" \"$3\" \"$4\" metadata");
        assertEquals(0, made.exit(), made.stdout());
        assertTrue(Files.size(cache) > 1_000_000, "a cache of the trained classes");
        assertEquals("", made.stdout(), "a successful training run prints nothing");
    }

    @Test
    void theJvmUsesTheCacheAndAnswersAsWithout() throws Exception {
        Path instance = ROOT.resolve("examples/instance.json");
        Result with = java(List.of("-XX:AOTCache=" + cache, "-Xlog:aot=info:file=" + dir.resolve("aot.log")),
                "metadata", "--instance", instance.toString(), "openstack/latest/network_data.json");
        Result without = java(List.of(), "metadata", "--instance", instance.toString(),
                "openstack/latest/network_data.json");
        assertEquals(0, with.exit(), with.stdout());
        assertEquals(without.stdout(), with.stdout());
        assertTrue(with.stdout().contains("\"ip_address\": \"10.0.0.5\""), with.stdout());
        assertTrue(Files.readString(dir.resolve("aot.log")).contains("Using AOT-linked classes: true"),
                "the JVM took the cache");
    }

    /**
     * A short command that succeeds ends by returning from {@code main} (no {@code System.exit}, whose platform
     * logger lookup opens every jar: {@code Main.RETURN_ON_SUCCESS}); the process still ends at once with 0, and
     * a failing one still exits with its own code.
     */
    @Test
    void shortCommandsEndWithTheirExitCodeThroughMain() throws Exception {
        String instance = ROOT.resolve("examples/instance.json").toString();
        Path invalid = Files.writeString(dir.resolve("invalid.json"), "{\"uuid\": \"x\"}");
        List<String> cached = List.of("-XX:AOTCache=" + cache);
        Result ok = java(cached, "validate", "--instance", instance);
        assertEquals(0, ok.exit(), ok.stdout());
        assertTrue(ok.stdout().startsWith("valid: "), ok.stdout());
        assertEquals(0, java(cached, "metadata", "--instance", instance, "openstack/latest/meta_data.json").exit());
        Result bad = java(cached, "validate", "--instance", invalid.toString());
        assertEquals(3, bad.exit(), bad.stdout());
        assertEquals(5, java(cached, "metadata", "--instance", instance, "no/such/path").exit());
        assertEquals(2, java(cached, "validate", "--no-such-option").exit());
    }

    @Test
    void theCacheIsFreshOnlyForWhatItWasMadeFrom() throws Exception {
        assertEquals(0, aot("guestdata_aot_fresh \"$1\" \"$2\" \"$3\" \"$4\"").exit());
        assertEquals(1, aot("guestdata_aot_fresh \"$1\" \"$2\" \"$3\" \"$4 -Xmx1g\"").exit(),
                "other JVM options");
        assertEquals(1, aot("guestdata_aot_fresh \"$1\" \"$2\" \"${3%:*}\" \"$4\"").exit(), "a jar fewer");
        Path jar = Path.of(classpath.split(":")[3]);
        FileTime was = Files.getLastModifiedTime(jar);
        try {
            Files.setLastModifiedTime(jar, FileTime.fromMillis(was.toMillis() + 5_000));
            assertEquals(1, aot("guestdata_aot_fresh \"$1\" \"$2\" \"$3\" \"$4\"").exit(), "a replaced jar");
        } finally {
            Files.setLastModifiedTime(jar, was);
        }
        assertEquals(0, aot("guestdata_aot_fresh \"$1\" \"$2\" \"$3\" \"$4\"").exit());
    }

    @Test
    void onlyTheShortCommandsHaveACacheEachItsOwn() throws Exception {
        String print = "; printf '[%s]' \"$GUESTDATA_AOT_CACHE\"";
        assertEquals("[/c/validate.aot]", aot("guestdata_aot_cache /c validate" + print).stdout());
        assertEquals("[/c/inject.aot]", aot("guestdata_aot_cache /c inject" + print).stdout());
        for (String command : List.of("serve", "proxy", "help", "--version", "", "valid", "validate x")) {
            assertEquals("[]", aot("GUESTDATA_AOT_CACHE=/stale; guestdata_aot_cache /c '" + command + "'" + print).stdout(),
                    command);
        }
    }

    @Test
    void aFailedTrainingLeavesNothing() throws Exception {
        Path other = dir.resolve("broken.aot");
        Result made = aot("guestdata_aot_make \"$1\" \"" + other + "\" \"" + dir.resolve("lib") + "/missing.jar\" \"$4\""
                + " metadata");
        assertEquals(1, made.exit());
        assertTrue(made.stdout().contains("could not make the start-up cache"), made.stdout());
        try (Stream<Path> files = Files.list(dir)) {
            assertFalse(files.anyMatch(p -> p.getFileName().toString().startsWith("broken.aot")),
                    "no cache, key or temporary file left");
        }
    }

    private static Result aot(String call) throws Exception {
        return run(List.of("bash", "-c", ". \"" + ROOT.resolve("tools/aot.sh") + "\"; " + call, "test",
                JAVA_HOME.toString(), cache.toString(), classpath, OPTIONS));
    }

    private static Result java(List<String> extra, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of(JAVA_HOME.resolve("bin/java").toString()));
        argv.addAll(List.of(OPTIONS.split(" ")));
        argv.addAll(extra);
        argv.addAll(List.of("-cp", classpath, "io.guestdata.cli.Main"));
        argv.addAll(List.of(args));
        return run(argv);
    }

    private static Result run(List<String> argv) {
        return Command.of(argv).mergeStderr().timeout(Duration.ofMinutes(2)).run();
    }
}
