package io.guestdata.inject;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.guestdata.inject.block.DiskImage;
import io.guestdata.inject.block.ImageLock;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a run holds is closed in one place, last opened first: the export and the filesystem before
 * the image they read, every close attempted. A real raw image shows its close by its lock.
 */
class InjectionHandlesTest {

    @TempDir
    Path dir;

    private DiskImage openDisk() throws IOException {
        Path img = dir.resolve("disk.img");
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(1 << 20);
        }
        return DiskImage.open(img, DiskImage.Options.writableAuto());
    }

    @Test
    void closesWhatItHoldsLastOpenedFirst() throws Exception {
        List<String> closed = new ArrayList<>();
        DiskImage disk = openDisk();
        Path img = dir.resolve("disk.img");
        try (InjectionHandles handles = new InjectionHandles()) {
            handles.hold(disk);
            handles.hold("export", () -> closed.add("export, image locked: " + ImageLock.isLockedByOthers(img)));
            handles.hold("filesystem", () -> closed.add("filesystem, image locked: " + ImageLock.isLockedByOthers(img)));
            assertTrue(ImageLock.isLockedByOthers(img), "the image is held under its lock");
        }
        assertEquals(List.of("filesystem, image locked: true", "export, image locked: true"), closed);
        assertFalse(ImageLock.isLockedByOthers(img), "the image was closed last");
    }

    @Test
    void refusesToCloseAnythingButTheOneHeldLast() throws Exception {
        DiskImage disk = openDisk();
        Path img = dir.resolve("disk.img");
        List<String> closed = new ArrayList<>();
        try (InjectionHandles handles = new InjectionHandles()) {
            handles.hold(disk);
            handles.hold("export", () -> closed.add("export"));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> handles.close(disk));
            assertTrue(e.getMessage().contains("out of order: export was opened after it"), e.getMessage());
            assertTrue(ImageLock.isLockedByOthers(img), "a refused close closes nothing");
            assertEquals(List.of(), closed);
        }
        assertEquals(List.of("export"), closed);
        assertFalse(ImageLock.isLockedByOthers(img));
    }

    @Test
    void aStageClosesTheImageEarlyOnceAndItIsNotClosedAgain() throws Exception {
        DiskImage disk = openDisk();
        Path img = dir.resolve("disk.img");
        InjectionHandles handles = new InjectionHandles();
        assertSame(disk, handles.hold(disk));
        handles.close(disk);
        assertFalse(ImageLock.isLockedByOthers(img));
        assertFalse(handles.holdsAny());
        handles.close();
    }

    @Test
    void everyCloseIsAttemptedAndTheFirstFailureCarriesTheOthers() {
        List<String> closed = new ArrayList<>();
        InjectionHandles handles = new InjectionHandles();
        handles.hold("image", () -> closed.add("image"));
        handles.hold("export", () -> {
            closed.add("export");
            throw new IOException("the export would not stop");
        });
        handles.hold("filesystem", () -> {
            closed.add("filesystem");
            throw new IOException("the filesystem would not flush");
        });
        IOException e = assertThrows(IOException.class, handles::close);
        assertEquals("the filesystem would not flush", e.getMessage());
        assertArrayEquals(new String[] {"the export would not stop"},
                java.util.Arrays.stream(e.getSuppressed()).map(Throwable::getMessage).toArray(String[]::new));
        assertEquals(List.of("filesystem", "export", "image"), closed);
        assertFalse(handles.holdsAny());
    }
}
