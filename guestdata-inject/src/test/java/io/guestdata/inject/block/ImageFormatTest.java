package io.guestdata.inject.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.testkit.ToolTest;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@ToolTest
class ImageFormatTest {
    @TempDir
    Path dir;

    @Test
    void theImageFormatOption() {
        assertEquals(Optional.empty(), ImageFormat.fromOption("auto"));
        assertEquals(Optional.of(ImageFormat.RAW), ImageFormat.fromOption("raw"));
        assertEquals(Optional.of(ImageFormat.QCOW2), ImageFormat.fromOption(" QCOW2 "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageFormat.fromOption("iso"));
        assertTrue(e.getMessage().startsWith("--image-format iso is not known; use auto, raw, qcow2"), e.getMessage());
    }

    @Test
    void magicOfImagesMadeByQemuImg() throws Exception {
        for (String fmt : new String[] {"raw", "qcow2", "qcow", "qed", "vmdk", "vdi", "vhdx", "vpc"}) {
            Path img = dir.resolve("x" + fmt);
            Tools.run(null, "qemu-img", "create", "-q", "-f", fmt, img.toString(), "1M");
            assertEquals(fmt, ImageFormat.detect(img).qemuName());
        }
        Path text = dir.resolve("desc.vmdk");
        Tools.run(null, "qemu-img", "create", "-q", "-f", "vmdk", "-o", "subformat=monolithicFlat", text.toString(), "1M");
        assertEquals(ImageFormat.VMDK, ImageFormat.detect(text));
    }

    @Test
    void shortOrEmptyFilesAreRaw() throws Exception {
        assertEquals(ImageFormat.RAW, ImageFormat.detect(ByteBuffer.wrap(new byte[] {'Q', 'F', 'I'})));
        Path empty = Tools.rawImage(dir, "empty", 0);
        assertEquals(ImageFormat.RAW, ImageFormat.detect(empty));
    }

    @Test
    void aLuksImageIsRefused() throws Exception {
        Path img = Tools.rawImage(dir, "luks.img", 1);
        Tools.poke(img, 0, new byte[] {'L', 'U', 'K', 'S', (byte) 0xba, (byte) 0xbe, 0, 1});
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> ImageFormat.resolve(img, Optional.empty()));
        assertTrue(e.getMessage().contains("LUKS-encrypted image"), e.getMessage());
    }
}
