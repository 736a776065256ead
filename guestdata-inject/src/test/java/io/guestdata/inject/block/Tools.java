package io.guestdata.inject.block;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.guestdata.testkit.Command;
import io.guestdata.testkit.Command.Result;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/** Runs the real tools (qemu-img, sfdisk, sgdisk, mkfs.*) that make and read test images. */
final class Tools {
    static final ObjectMapper JSON = new ObjectMapper();

    private Tools() {}

    /**
     * {@code qemu-img create} of an encrypted image. QEMU times a first PBKDF2 round by the thread's CPU
     * time and gives up ("Unable to get accurate CPU usage") when that reads 0 ms, which on these
     * machines happens now and then whatever {@code iter-time} is; so a few tries.
     */
    static void qemuImgCreateEncrypted(String... argv) {
        for (int attempt = 1; ; attempt++) {
            try {
                run(null, argv);
                return;
            } catch (AssertionError e) {
                if (attempt == 5 || e.getMessage() == null || !e.getMessage().contains("Unable to get accurate CPU usage")) {
                    throw e;
                }
            }
        }
    }

    /** Runs a command, feeding {@code stdin} (or nothing); fails the test on a non-zero exit; returns stdout. */
    static String run(String stdin, String... argv) {
        return Command.of(argv).stdin(stdin == null ? "" : stdin).timeout(Duration.ofSeconds(120)).run().ok().stdout();
    }

    /** Runs a command and returns its exit code and combined output, without failing. */
    static Result attempt(String... argv) {
        return Command.of(argv).mergeStderr().timeout(Duration.ofSeconds(60)).run();
    }

    static boolean installed(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", tool)) || Files.isExecutable(Path.of("/sbin", tool));
    }

    /** A sparse raw image of {@code mib} MiB made by qemu-img. */
    static Path rawImage(Path dir, String name, long mib) {
        Path p = dir.resolve(name);
        run(null, "qemu-img", "create", "-q", "-f", "raw", p.toString(), mib + "M");
        return p;
    }

    /** Applies an sfdisk script to an image file. */
    static void sfdisk(Path image, String script, String... extra) {
        List<String> argv = new ArrayList<>(List.of("sfdisk", "--no-reread", "--no-tell-kernel", "-q"));
        argv.addAll(List.of(extra));
        argv.add(image.toString());
        run(script, argv.toArray(String[]::new));
    }

    /** A partition as sfdisk --json lists it. */
    record SfdiskPartition(int number, long start, long size, String type, String uuid, String name) {}

    /** sfdisk's view: label, sector size, partitions. */
    record SfdiskTable(String label, int sectorSize, List<SfdiskPartition> partitions) {}

    static SfdiskTable sfdiskJson(Path image, String... extra) {
        List<String> argv = new ArrayList<>(List.of("sfdisk", "--json"));
        argv.addAll(List.of(extra));
        argv.add(image.toString());
        try {
            JsonNode t = JSON.readTree(run(null, argv.toArray(String[]::new))).get("partitiontable");
            List<SfdiskPartition> parts = new ArrayList<>();
            for (JsonNode p : t.path("partitions")) {
                String node = p.get("node").asText();
                int number = Integer.parseInt(node.substring(image.toString().length()));
                parts.add(new SfdiskPartition(number, p.get("start").asLong(), p.get("size").asLong(),
                        p.get("type").asText(), p.path("uuid").asText(""), p.path("name").asText("")));
            }
            return new SfdiskTable(t.get("label").asText(), t.path("sectorsize").asInt(512), parts);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Asserts that our reading of the table equals sfdisk's, partition by partition. */
    static void assertSameAsSfdisk(SfdiskTable expected, PartitionTable actual) {
        assertEquals(expected.label().equals("dos") ? PartitionTable.Scheme.MBR : PartitionTable.Scheme.GPT, actual.scheme());
        assertEquals(expected.sectorSize(), actual.sectorSize(), "sector size");
        List<String> want = new ArrayList<>();
        for (SfdiskPartition p : expected.partitions()) {
            String type = expected.label().equals("dos")
                    ? String.format(Locale.ROOT, "mbr:%02x", Integer.parseInt(p.type(), 16))
                    : "gpt:" + p.type().toLowerCase(Locale.ROOT) + ":" + p.name();
            want.add(p.number() + " " + p.start() + "+" + p.size() + " " + type);
        }
        List<String> got = new ArrayList<>();
        for (Partition p : actual.partitions()) {
            String type = switch (p.type()) {
                case PartitionType.Mbr m -> String.format(Locale.ROOT, "mbr:%02x", m.code());
                case PartitionType.Gpt g -> "gpt:" + g.guid() + ":" + p.name();
            };
            got.add(p.number() + " " + p.firstSector() + "+" + p.sectorCount() + " " + type);
        }
        assertEquals(want, got);
    }

    /** XORs one byte of a file. */
    static void flipByte(Path file, long offset) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, offset);
            b.put(0, (byte) (b.get(0) ^ 0x5a));
            ch.write(b.rewind(), offset);
        }
    }

    /** Writes bytes into a file at an offset. */
    static void poke(Path file, long offset, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(bytes), offset);
        }
    }

    /** Reads bytes of a file at an offset. */
    static byte[] peek(Path file, long offset, int length) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(length);
            ch.read(b, offset);
            return b.array();
        }
    }

    /** mkfs.ext4 (or ext2/ext3) on a byte range of an image, without a loop device. */
    static void mkfsExt(String type, Path image, long offsetBytes, long sizeBytes) {
        run(null, "mke2fs", "-q", "-F", "-t", type, "-E", "offset=" + offsetBytes, image.toString(),
                (sizeBytes / 1024) + "k");
    }

    /** mkfs.fat on a byte range of an image. */
    static void mkfsFat(Path image, long offsetBytes, long sizeBytes) {
        run(null, "mkfs.fat", "--offset", Long.toString(offsetBytes / 512), image.toString(),
                Long.toString(sizeBytes / 1024));
    }

    /** Whether a process is alive (zombies count as dead) — for leak checks. */
    static boolean alive(long pid) {
        return ProcessTable.isRunning(pid);
    }

    /** Pids of live processes whose command line mentions {@code text}. */
    static List<Long> processesMentioning(String text) {
        List<Long> pids = new ArrayList<>();
        try (var procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path proc : procs) {
                try {
                    String cmd = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8);
                    long pid = Long.parseLong(proc.getFileName().toString());
                    if (cmd.contains(text) && pid != ProcessHandle.current().pid() && alive(pid)) {
                        pids.add(pid);
                    }
                } catch (IOException e) {
                    // gone
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return pids;
    }

    /** Waits until {@code condition} holds or the timeout passes; returns whether it held. */
    static boolean eventually(Duration timeout, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return condition.getAsBoolean();
    }

    static UUID uuid(String s) {
        return UUID.fromString(s);
    }
}
