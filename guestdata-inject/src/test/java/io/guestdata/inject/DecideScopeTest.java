package io.guestdata.inject;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.guestdata.inject.InjectionReport.Outcome;
import io.guestdata.inject.block.ImageFormat;
import io.guestdata.inject.block.InjectPartition;
import io.guestdata.inject.fs.OpenMode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The first stage decides what a run is before the image is touched: the image named here does not
 * exist, so a stage that opened it would fail with "does not exist" instead.
 */
class DecideScopeTest {

    @TempDir
    Path dir;

    private Path missing() {
        return dir.resolve("never-created.img");
    }

    private final DecideScope stage = new DecideScope(new FilesystemBackends(List.of(new Ext2fsBackend())));

    @Test
    void disabledInjectionEndsWithItsReportAndNeverOpensTheImage() throws Exception {
        DecideScope.Decision d = stage.run(new InjectionSource.ImageFile(missing()), Instances.full(),
                GuestImages.options(dir).withPartition(-2));
        InjectionReport report = assertInstanceOf(DecideScope.NothingToDo.class, d).report();
        assertEquals(Outcome.NOTHING_TO_DO, report.outcome());
        assertEquals(Optional.empty(), report.format());
        assertEquals(List.of("injection is disabled (partition -2, Nova's default): the image was not opened"),
                report.notes());
    }

    @Test
    void aBackendNamedButMissingIsRefusedBeforeTheImage() {
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> stage.run(new InjectionSource.ImageFile(missing()), Instances.full(),
                        GuestImages.options(dir).withBackend(FilesystemBackends.Choice.GUESTFS)));
        assertEquals("libguestfs backend not available in this build", e.getMessage());
    }

    @Test
    void theOptionsAreReadOnceIntoTheScope() throws Exception {
        InjectionOptions options = GuestImages.options(dir).withImageFormat(Optional.of(ImageFormat.QCOW2));
        DecideScope.Scope real = assertInstanceOf(DecideScope.Scope.class,
                stage.run(new InjectionSource.ImageFile(missing()), Instances.full(), options));
        assertEquals(OpenMode.READ_WRITE, real.mode());
        assertTrue(real.imageOptions().writable());
        assertEquals(Optional.of(ImageFormat.QCOW2), real.imageOptions().format());
        assertEquals(options.backingFiles(), real.imageOptions().backingFiles());
        assertEquals(options.export(), real.imageOptions().export());
        assertEquals(new InjectPartition.Find(), real.partition());

        DecideScope.Scope dry = assertInstanceOf(DecideScope.Scope.class,
                stage.run(new InjectionSource.ImageFile(missing()), Instances.full(), options.withDryRun(true)));
        assertEquals(OpenMode.READ_ONLY, dry.mode());
        assertFalse(dry.imageOptions().writable(), "a dry run opens the image read-only");
    }

    @Test
    void aKernelIdTurnsThePartitionIntoTheWholeDiskWithANote() throws Exception {
        ObjectNode doc = Instances.document();
        doc.put("kernel_id", "aki-00000001");
        DecideScope.Scope scope = assertInstanceOf(DecideScope.Scope.class,
                stage.run(new InjectionSource.ImageFile(missing()), Instances.parse(doc),
                        GuestImages.options(dir).withPartition(2)));
        assertEquals(new InjectPartition.WholeDisk(), scope.partition());
        assertTrue(scope.partitionOverridden());
        assertTrue(scope.notes().getFirst().startsWith("the instance has a kernel_id: Nova injects into the whole disk"),
                scope.notes()::toString);
    }
}
