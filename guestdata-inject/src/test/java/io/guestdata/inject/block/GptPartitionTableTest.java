package io.guestdata.inject.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.testkit.ToolTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GPTs made by sgdisk (and fdisk for 4096-byte sectors), read by us, compared with sgdisk -p / sfdisk --json. */
@ToolTest
class GptPartitionTableTest {
    @TempDir
    static Path shared;
    static Path template;

    @TempDir
    Path dir;
    Path img;

    /** sgdisk sleeps a second after writing (to let a kernel re-read the table), so it runs once. */
    @BeforeAll
    static void fourPartitionsBySgdisk() {
        template = Tools.rawImage(shared, "gpt.img", 64);
        Tools.run(null, "sgdisk",
                "-n", "1:2048:+1M", "-t", "1:EF02", "-c", "1:bios boot",
                "-n", "2:0:+8M", "-t", "2:EF00", "-c", "2:EFI system",
                "-n", "3:0:+8M", "-t", "3:8200", "-c", "3:swap",
                "-n", "4:0:0", "-t", "4:8300", "-c", "4:root fs",
                template.toString());
    }

    @BeforeEach
    void copy() throws IOException {
        img = dir.resolve("gpt.img");
        Files.copy(template, img);
    }

    @Test
    void fourPartitionsMatchSgdiskAndSfdisk() throws IOException {
        try (RawImage disk = RawImage.openReadOnly(img)) {
            PartitionTable table = PartitionTable.read(disk);
            Tools.assertSameAsSfdisk(Tools.sfdiskJson(img), table);
            assertEquals(sgdiskList(img), ours(table));
            assertEquals(List.of(), table.notes());
            Partition root = table.partition(4).orElseThrow();
            assertEquals(new PartitionType.Gpt(PartitionType.Gpt.LINUX_FILESYSTEM), root.type());
            assertEquals("root fs", root.name());
            assertEquals("Linux filesystem", root.type().label());
        }
    }

    @Test
    void aBadPrimaryHeaderCrcMakesUsUseTheBackupAndSaySo() throws IOException {
        PartitionTable before = read();
        Tools.flipByte(img, 512 + 60); // inside DiskGUID: HeaderCRC32 no longer matches
        PartitionTable after = read();
        assertEquals(before.partitions(), after.partitions());
        assertEquals(1, after.notes().size(), after.notes().toString());
        String note = after.notes().getFirst();
        assertTrue(note.startsWith("the primary GPT header is bad (HeaderCRC32 mismatch at LBA 1"), note);
        assertTrue(note.contains("using the backup header at LBA 131071"), note);
    }

    @Test
    void aBadPrimaryEntryArrayMakesUsUseTheBackup() throws IOException {
        PartitionTable before = read();
        Tools.flipByte(img, 2 * 512 + 128 + 40); // partition 2's EndingLBA in the primary array
        PartitionTable after = read();
        assertEquals(before.partitions(), after.partitions());
        assertTrue(after.notes().getFirst().contains("PartitionEntryArrayCRC32 mismatch"), after.notes().toString());
    }

    @Test
    void aBadBackupIsNotedAndThePrimaryUsed() throws IOException {
        PartitionTable before = read();
        Tools.flipByte(img, 131071L * 512 + 60);
        PartitionTable after = read();
        assertEquals(before.partitions(), after.partitions());
        assertTrue(after.notes().getFirst().startsWith("the backup GPT header is bad (HeaderCRC32 mismatch at LBA 131071"),
                after.notes().toString());
    }

    @Test
    void bothHeadersBadIsAnError() throws IOException {
        Tools.flipByte(img, 512 + 60);
        Tools.flipByte(img, 131071L * 512 + 60);
        try (RawImage disk = RawImage.openReadOnly(img)) {
            PartitionTableException e = assertThrows(PartitionTableException.class, () -> PartitionTable.read(disk));
            assertTrue(e.getMessage().startsWith(img + ": the disk has a protective MBR (GPT) but both GPT headers"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("primary: HeaderCRC32 mismatch at LBA 1"), e.getMessage());
            assertTrue(e.getMessage().contains("backup: HeaderCRC32 mismatch at LBA 131071"), e.getMessage());
        }
    }

    @Test
    void aGrownDiskIsNotedButRead() throws IOException {
        PartitionTable before = read();
        Tools.run(null, "truncate", "-s", "80M", img.toString());
        PartitionTable after = read();
        assertEquals(before.partitions(), after.partitions());
        assertTrue(after.notes().getFirst().contains("not at the last LBA 163839"), after.notes().toString());
    }

    @Test
    void aPartitionPastTheEndIsAnErrorNamingIt() throws IOException {
        Tools.run(null, "truncate", "-s", "40M", img.toString());
        try (RawImage disk = RawImage.openReadOnly(img)) {
            PartitionTableException e = assertThrows(PartitionTableException.class, () -> PartitionTable.read(disk));
            assertEquals(4, e.partition().orElseThrow());
            assertTrue(e.getMessage().contains("partition 4 ends at sector 131038, past the end of the disk (81920 sectors"),
                    e.getMessage());
        }
    }

    @Test
    void a4096ByteSectorGptMadeByFdiskIsFoundAtByte4096() throws IOException {
        Path g4 = Tools.rawImage(dir, "gpt4k.img", 64);
        Tools.run("g\nn\n1\n\n+8M\nt\n1\n\nn\n2\n\n+16M\nn\n3\n\n\nw\n", "fdisk", "-b", "4096", g4.toString());
        String listing = Tools.run(null, "fdisk", "-b", "4096", "-l", "-o", "Device,Start,Sectors,Type-UUID", g4.toString());
        List<String> expected = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(g4.toString()) + "(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)\\s*$").matcher(listing);
        while (m.find()) {
            expected.add(m.group(1) + " " + m.group(2) + "+" + m.group(3) + " " + m.group(4).toLowerCase(Locale.ROOT));
        }
        assertEquals(3, expected.size(), listing);
        try (RawImage disk = RawImage.openReadOnly(g4)) {
            PartitionTable table = PartitionTable.read(disk);
            assertEquals(4096, table.sectorSize());
            List<String> got = table.partitions().stream().map(p -> p.number() + " " + p.firstSector() + "+"
                    + p.sectorCount() + " " + ((PartitionType.Gpt) p.type()).guid()).toList();
            assertEquals(expected, got);
            assertEquals(List.of(), table.notes());
            // The 4Kn backup is at the last 4096-byte block; corrupting the primary still works.
        }
        Tools.flipByte(g4, 4096 + 60);
        try (RawImage disk = RawImage.openReadOnly(g4)) {
            PartitionTable table = PartitionTable.read(disk);
            assertEquals(4096, table.sectorSize());
            assertEquals(3, table.partitions().size());
            assertTrue(table.notes().getFirst().contains("using the backup header at LBA 16383"), table.notes().toString());
        }
    }

    @Test
    void aHybridMbrIsNoted() throws IOException {
        Tools.run(null, "sgdisk", "-h", "2", img.toString());
        PartitionTable t = read();
        assertEquals(PartitionTable.Scheme.GPT, t.scheme());
        assertTrue(t.notes().getFirst().contains("hybrid MBR"), t.notes().toString());
    }

    private PartitionTable read() throws IOException {
        try (RawImage disk = RawImage.openReadOnly(img)) {
            return PartitionTable.read(disk);
        }
    }

    /** "number start-end code name" lines from sgdisk -p. */
    private static List<String> sgdiskList(Path img) {
        String out = Tools.run(null, "sgdisk", "-p", img.toString());
        List<String> rows = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+\\S+ \\S+\\s+([0-9A-F]{4})  (.*)$").matcher(out);
        while (m.find()) {
            rows.add(m.group(1) + " " + m.group(2) + "-" + m.group(3) + " " + m.group(4) + " " + m.group(5));
        }
        assertEquals(4, rows.size(), out);
        return rows;
    }

    private static List<String> ours(PartitionTable t) {
        return t.partitions().stream().map(p -> p.number() + " " + p.firstSector() + "-" + (p.firstSector() + p.sectorCount() - 1)
                + " " + sgdiskCode(((PartitionType.Gpt) p.type()).guid().toString()) + " " + p.name()).toList();
    }

    private static String sgdiskCode(String guid) {
        return switch (guid) {
            case "21686148-6449-6e6f-744e-656564454649" -> "EF02";
            case "c12a7328-f81f-11d2-ba4b-00a0c93ec93b" -> "EF00";
            case "0657fd6d-a4ab-43c4-84e5-0933c84b4f4f" -> "8200";
            case "0fc63daf-8483-4772-8e79-3d69d8477de4" -> "8300";
            default -> guid;
        };
    }
}
