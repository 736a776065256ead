package io.guestdata.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.testkit.Command;
import io.guestdata.testkit.Command.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Shows that the benchmark code runs and writes valid drives; times nothing. Run with
 * {@code mvn -Pbench -pl bench -am verify -Dtest='DriveBenchmarksSmokeTest' -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class DriveBenchmarksSmokeTest {
    /** Surefire runs in bench/; the document the driver uses by default. */
    static final Path DOCUMENT = Path.of("../guestdata-cli/src/test/resources/nova/static.json").toAbsolutePath().normalize();

    DriveBenchmarks bench;

    @BeforeEach
    void setUp() throws Exception {
        bench = new DriveBenchmarks();
        bench.document = DOCUMENT.toString();
        bench.setUp();
    }

    @AfterEach
    void tearDown() throws IOException {
        bench.tearDown();
        assertFalse(Files.exists(bench.dir), "the benchmark leaves nothing in the temporary directory");
    }

    @Test
    void isoFileWritesAConfigDriveIsoinfoReads() throws Exception {
        DriveBenchmarks.DriveTarget target = new DriveBenchmarks.DriveTarget();
        for (int drive = 0; drive < 2; drive++) {
            Path iso = bench.isoFile(target);
            checkIso(iso, bench.imageFiles.size());
            target.deleteDrive();
            assertFalse(Files.exists(iso));
        }
    }

    @Test
    void isoFileNoSyncWritesTheSameKindOfImage() throws Exception {
        DriveBenchmarks.DriveTarget target = new DriveBenchmarks.DriveTarget();
        for (int drive = 0; drive < 2; drive++) {
            long size = bench.isoFileNoSync(target);
            assertEquals(Files.size(target.written), size);
            checkIso(target.written, bench.imageFiles.size());
            target.deleteDrive();
        }
    }

    @Test
    void vfatFileWritesAVolumeFsckAccepts() throws Exception {
        DriveBenchmarks.DriveTarget target = new DriveBenchmarks.DriveTarget();
        Path image = bench.vfatFile(target);
        Result fsck = run("fsck.fat", "-n", image.toString());
        assertEquals(0, fsck.exit(), fsck.stdout());
        Result label = run("fatlabel", image.toString());
        assertEquals("config-2", label.stdout().strip());
        target.deleteDrive();
    }

    @Test
    void inMemoryBenchmarksProduceTheWholeDrive() throws Exception {
        assertEquals(46, bench.metadataTree().size(), "static.json's drive has 46 files, as Nova's");
        assertEquals("b65cee2f-8c69-4aeb-be2f-f79742548fc2", bench.parseDocument().uuid().toString());
        long bytes = bench.isoWriterDiscard();
        assertEquals(new io.guestdata.drive.iso9660.Iso9660Writer(DriveJob.isoOptions()).imageSize(bench.imageFiles), bytes);
    }

    @Test
    void writeConfigDriveMainWritesTheIsoTheDriverTimes(@TempDir Path dir) throws Exception {
        Path iso = dir.resolve("disk.config");
        WriteConfigDrive.main(new String[] {DOCUMENT.toString(), iso.toString()});
        checkIso(iso, 46);
    }

    @Test
    void jmhRunsEveryBenchmarkWithMinimalSettings() throws Exception {
        Options options = new OptionsBuilder()
                .include(DriveBenchmarks.class.getName() + "\\.")
                .param("document", DOCUMENT.toString())
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(50))
                .build();
        List<String> names = new Runner(options).run().stream()
                .map(RunResult::getParams).map(p -> p.getBenchmark().substring(p.getBenchmark().lastIndexOf('.') + 1))
                .sorted().toList();
        assertEquals(List.of("isoFile", "isoFileNoSync", "isoWriterDiscard", "metadataTree", "parseDocument", "vfatFile"),
                names);
    }

    private static void checkIso(Path iso, int files) throws Exception {
        Result d = run("isoinfo", "-d", "-i", iso.toString());
        assertEquals(0, d.exit(), d.stdout());
        assertTrue(d.stdout().contains("Volume id: config-2"), d.stdout());
        assertTrue(d.stdout().contains("Joliet"), d.stdout());
        assertTrue(d.stdout().contains("Rock Ridge"), d.stdout());
        // -R -l lists every directory with its entries and Rock Ridge modes; count the regular files.
        Result list = run("isoinfo", "-R", "-l", "-i", iso.toString());
        assertEquals(0, list.exit(), list.stdout());
        long regular = list.stdout().lines().filter(l -> l.startsWith("-r")).count();
        assertEquals(files, regular, list.stdout());
    }

    private static Result run(String... command) {
        return Command.of(command).mergeStderr().timeout(Duration.ofSeconds(60)).run();
    }
}
