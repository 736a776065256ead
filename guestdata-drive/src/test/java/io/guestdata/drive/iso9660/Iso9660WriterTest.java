package io.guestdata.drive.iso9660;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.drive.ImageFile;
import io.guestdata.testkit.ToolTest;
import java.io.ByteArrayOutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Determinism, exact size and the three ways out (file, channel, size). */
@ToolTest
class Iso9660WriterTest {
    static final IsoOptions OPTIONS = new IsoOptions("config-2", "guestdata 0.1.0", Instant.parse("2025-03-04T05:06:07.89Z"),
            "GUESTDATA");

    @TempDir
    Path dir;

    static List<ImageFile> sample() {
        List<ImageFile> files = new ArrayList<>(NovaConfigDriveComparisonTest.novaTree());
        files.add(ImageFile.of("Ünïcödé/😀 " + "long".repeat(30) + ".txt", "u".getBytes(StandardCharsets.UTF_8)));
        files.add(ImageFile.of("1/2/3/4/5/6/7/8/9/10/deep", "d".getBytes(StandardCharsets.UTF_8)));
        files.add(ImageFile.of("empty", new byte[0]));
        byte[] big = new byte[100_000];
        new Random(7).nextBytes(big);
        files.add(ImageFile.of("big.bin", big));
        return files;
    }

    @Test
    void sameInputAndOptionsGiveIdenticalBytesWhateverTheInputOrder() throws Exception {
        List<ImageFile> files = sample();
        Path a = dir.resolve("a.iso");
        Path b = dir.resolve("b.iso");
        Path c = dir.resolve("c.iso");
        new Iso9660Writer(OPTIONS).write(files, a);
        new Iso9660Writer(OPTIONS).write(files, b);
        List<ImageFile> shuffled = new ArrayList<>(files);
        Collections.shuffle(shuffled, new Random(42));
        new Iso9660Writer(OPTIONS).write(shuffled, c);
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(c));
    }

    @Test
    void differentOptionsGiveDifferentBytes() throws Exception {
        List<ImageFile> files = sample();
        Path a = dir.resolve("a.iso");
        Path b = dir.resolve("b.iso");
        new Iso9660Writer(OPTIONS).write(files, a);
        new Iso9660Writer(new IsoOptions("config-2", "guestdata 0.1.0", OPTIONS.recordedAt().plusSeconds(1), "GUESTDATA"))
                .write(files, b);
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(a), Files.readAllBytes(b)));
    }

    @Test
    void streamedBytesEqualTheFileAndImageSizeIsExact() throws Exception {
        List<ImageFile> files = sample();
        Path a = dir.resolve("a.iso");
        Iso9660Writer writer = new Iso9660Writer(OPTIONS);
        writer.write(files, a);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        writer.writeTo(files, Channels.newChannel(sink));
        assertArrayEquals(Files.readAllBytes(a), sink.toByteArray());
        assertEquals(writer.imageSize(files), Files.size(a));
        assertEquals(0, Files.size(a) % 4096);
        assertEquals(List.of(a), IsoTools.list(dir), "no temporary file left beside the image");
        IsoStructure.check(a);
    }

    @Test
    void anEmptyListGivesAnEmptyVolume() throws Exception {
        Path a = dir.resolve("a.iso");
        new Iso9660Writer(OPTIONS).write(List.of(), a);
        IsoStructure.check(a);
        assertEquals(0, IsoTools.pycdlib(a, null).get("rr").size());
        assertTrue(IsoTools.isoinfo(a, "-d").contains("Rock Ridge signatures version 1 found"));
    }

    @Test
    void volumeDescriptorDatesCarryHundredthsAndUtc() throws Exception {
        Path a = dir.resolve("a.iso");
        new Iso9660Writer(OPTIONS).write(List.of(), a);
        byte[] pvd = java.util.Arrays.copyOfRange(Files.readAllBytes(a), 16 * 2048, 17 * 2048);
        assertEquals("2025030405060789", new String(pvd, 813, 16, StandardCharsets.US_ASCII), "creation");
        assertEquals(0, pvd[829], "GMT offset");
        assertEquals("2025030405060789", new String(pvd, 830, 16, StandardCharsets.US_ASCII), "modification");
        assertEquals("0000000000000000", new String(pvd, 847, 16, StandardCharsets.US_ASCII), "expiration not specified");
        assertEquals("2025030405060789", new String(pvd, 864, 16, StandardCharsets.US_ASCII), "effective");
    }
}
