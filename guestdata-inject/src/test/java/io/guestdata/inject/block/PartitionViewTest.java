package io.guestdata.inject.block;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.testkit.ToolTest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads and writes through raw images and partition views stay inside their bounds. */
@ToolTest
class PartitionViewTest {
    @TempDir
    Path dir;

    @Test
    void writesLandAtThePartitionOffsetAndNeverOutsideIt() throws IOException {
        Path img = Tools.rawImage(dir, "disk.img", 8);
        try (RawImage disk = RawImage.openWritable(img)) {
            PartitionView v = new PartitionView(disk, 2, 1 << 20, 1 << 20);
            v.write(10, ByteBuffer.wrap(new byte[] {1, 2, 3}));
            OutOfBoundsException e = assertThrows(OutOfBoundsException.class,
                    () -> v.write((1 << 20) - 2, ByteBuffer.wrap(new byte[] {9, 9, 9})));
            assertEquals(2, e.partition().orElseThrow());
            assertTrue(e.getMessage().contains("leaves the 1048576-byte partition 2"), e.getMessage());
            assertThrows(OutOfBoundsException.class, () -> v.write(-1, ByteBuffer.wrap(new byte[] {9})));
            assertThrows(OutOfBoundsException.class, () -> v.read(1 << 20, ByteBuffer.allocate(1)));
            ByteBuffer back = ByteBuffer.allocate(3);
            v.read(10, back);
            assertArrayEquals(new byte[] {1, 2, 3}, back.array());
            assertEquals(1 << 20, v.offset());
            v.close(); // owns nothing
            disk.read(0, ByteBuffer.allocate(1));
        }
        assertArrayEquals(new byte[] {1, 2, 3}, Tools.peek(img, (1 << 20) + 10, 3));
        assertArrayEquals(new byte[] {0, 0, 0, 0, 0}, Tools.peek(img, (2 << 20) - 2, 5), "nothing written past the end");
    }

    @Test
    void aViewCannotStartOutsideItsDevice() throws IOException {
        Path img = Tools.rawImage(dir, "disk.img", 1);
        try (RawImage disk = RawImage.openReadOnly(img)) {
            assertThrows(OutOfBoundsException.class, () -> new PartitionView(disk, 1, 512, 1 << 20));
            assertThrows(BlockException.class, () -> disk.write(0, ByteBuffer.allocate(1)), "read-only");
        }
    }

    @Test
    void nestedViewsAddTheirOffsets() throws IOException {
        Path img = Tools.rawImage(dir, "disk.img", 4);
        try (RawImage disk = RawImage.openReadOnly(img)) {
            PartitionView outer = new PartitionView(disk, 1, 4096, 1 << 20);
            PartitionView inner = outer.slice(1, 512, 1024);
            assertEquals(4096 + 512, inner.offset());
            assertThrows(OutOfBoundsException.class, () -> inner.read(1000, ByteBuffer.allocate(25)));
        }
    }
}
