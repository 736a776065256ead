package io.guestdata.inject.nbd;

import io.guestdata.testkit.Command;
import io.guestdata.testkit.ToolTest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link NbdExport} against QEMU's own NBD client: {@code qemu-img info/compare/convert},
 * {@code qemu-io} reads, writes, zeroes, discards and flushes, {@code qemu-nbd --list} (NBD_OPT_LIST
 * and NBD_OPT_INFO); every result is checked against the bytes of the file behind the export.
 */
@ToolTest
class NbdExportTest {

    @TempDir
    Path dir;

    /** A file, served as it is (writes go straight to it). */
    record FileStorage(FileChannel channel, long size) implements NbdExport.Storage {
        @Override
        public void read(long position, ByteBuffer dst) throws IOException {
            while (dst.hasRemaining()) {
                if (channel.read(dst, position + dst.position()) < 0) {
                    throw new IOException("short read");
                }
            }
        }

        @Override
        public void write(long position, ByteBuffer src) throws IOException {
            long at = position;
            while (src.hasRemaining()) {
                at += channel.write(src, at);
            }
        }

        @Override
        public void flush() throws IOException {
            channel.force(false);
        }
    }

    /** QEMU's tool, its standard error merged into its output. */
    static Command.Result run(String... argv) {
        return Command.of(argv).mergeStderr().run();
    }

    static String runOk(String... argv) {
        Command.Result r = run(argv);
        assertEquals(0, r.exit(), () -> String.join(" ", argv) + ": " + r.stdout());
        return r.stdout();
    }

    private Path image(long size, long seed) throws IOException {
        byte[] bytes = new byte[(int) size];
        new Random(seed).nextBytes(bytes);
        return Files.write(dir.resolve("disk-" + seed + ".raw"), bytes);
    }

    private static FileChannel open(Path file, boolean writable) throws IOException {
        return writable ? FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)
                : FileChannel.open(file, StandardOpenOption.READ);
    }

    @Test
    void qemuReadsWritesZeroesAndDiscardsThroughTheExport() throws Exception {
        long size = 8L << 20;
        Path file = image(size, 1);
        byte[] before = Files.readAllBytes(file);
        try (FileChannel ch = open(file, true);
             NbdExport export = NbdExport.serve(new FileStorage(ch, size), false, dir)) {
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(export.socket().getParent())));
            String info = runOk("qemu-img", "info", "--output=json", "--image-opts",
                    "driver=nbd,server.type=unix,server.path=" + export.socket());
            assertTrue(info.contains("\"virtual-size\": " + size), info);

            runOk("qemu-img", "compare", "-f", "raw", "-F", "raw", file.toString(), export.uri());
            Path copy = dir.resolve("copy.raw");
            runOk("qemu-img", "convert", "-f", "raw", "-O", "raw", export.uri(), copy.toString());
            assertArrayEquals(before, Files.readAllBytes(copy));

            String io = runOk("qemu-io", "-f", "raw", export.uri(),
                    "-c", "write -P 0xab 4096 65536",
                    "-c", "write -z 1048576 2097152",
                    "-c", "discard 6291456 4096",
                    "-c", "flush",
                    "-c", "read -P 0xab 4096 65536",
                    "-c", "read -P 0 1048576 2097152",
                    "-c", "write -P 0x11 8384512 4096");
            assertFalse(io.contains("Pattern verification failed"), io);
            assertFalse(io.toLowerCase().contains("error"), io);
        }
        byte[] after = Files.readAllBytes(file);
        byte[] expected = before.clone();
        java.util.Arrays.fill(expected, 4096, 4096 + 65536, (byte) 0xab);
        java.util.Arrays.fill(expected, 1048576, 1048576 + 2097152, (byte) 0);
        java.util.Arrays.fill(expected, 8384512, 8384512 + 4096, (byte) 0x11);
        // a discard leaves the range's contents unspecified: this server keeps them
        assertArrayEquals(expected, after);
    }

    @Test
    void aReadOnlyExportRefusesWritesAndChangesNothing() throws Exception {
        long size = 1L << 20;
        Path file = image(size, 2);
        byte[] before = Files.readAllBytes(file);
        try (FileChannel ch = open(file, false);
             NbdExport export = NbdExport.serve(new FileStorage(ch, size), true, dir)) {
            Command.Result write = run("qemu-io", "-f", "raw", export.uri(), "-c", "write -P 0xcd 0 4096");
            String all = write.exit() + " " + write.stdout();
            // QEMU sees NBD_FLAG_READ_ONLY and will not open the export for writing
            assertNotEquals(0, write.exit(), all);
            assertTrue(write.stdout().contains("Permission denied"), all);
            runOk("qemu-io", "-r", "-f", "raw", export.uri(), "-c", "read -v 0 16");
            runOk("qemu-img", "compare", "-f", "raw", "-F", "raw", file.toString(), export.uri());
            assertTrue(export.cleanlyEnded(), export.failure().toString());
        }
        assertArrayEquals(before, Files.readAllBytes(file));
    }

    @Test
    void listAndInfoDescribeTheOneDefaultExport() throws Exception {
        long size = 3L << 20;
        Path file = image(size, 3);
        try (FileChannel ch = open(file, true);
             NbdExport export = NbdExport.serve(new FileStorage(ch, size), false, dir)) {
            String list = runOk("qemu-nbd", "--list", "-k", export.socket().toString());
            assertTrue(list.contains("exports available: 1"), list);
            assertTrue(list.contains("export: ''"), list);
            assertTrue(list.contains("size:  " + size), list);
            assertTrue(list.contains("max block: " + NbdExport.MAX_REQUEST), list);
            assertTrue(list.contains("opt block: " + NbdExport.PREFERRED_BLOCK), list);
            assertTrue(list.contains("flags: 0x65 ( flush trim zeroes )"), list);
            // an export name the server does not have: NBD_REP_ERR_UNKNOWN
            Command.Result other = run("qemu-img", "info", "nbd+unix:///other?socket=" + export.socket());
            assertNotEquals(0, other.exit(), other.stdout());
            assertTrue(other.stdout().contains("other"), other.stdout());
            // the server still serves the next client
            runOk("qemu-img", "compare", "-f", "raw", "-F", "raw", file.toString(), export.uri());
            assertEquals(1, export.transmissions());
        }
    }

    @Test
    void clientsAreServedOneAtATimeAndCloseRemovesTheSocketAndItsDirectory() throws Exception {
        long size = 2L << 20;
        Path file = image(size, 4);
        Path socket;
        try (FileChannel ch = open(file, true);
             NbdExport export = NbdExport.serve(new FileStorage(ch, size), false, dir)) {
            socket = export.socket();
            List<Process> clients = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                clients.add(new ProcessBuilder("qemu-io", "-f", "raw", export.uri(), "-c",
                        "write -P 0x" + (i + 1) + "0 " + (i * 65536) + " 65536").redirectErrorStream(true).start());
            }
            for (Process p : clients) {
                String out = new String(p.getInputStream().readAllBytes(), UTF_8);
                assertEquals(0, p.waitFor(), out);
            }
            // the last client may have sent DISC and exited before the server read it: close() lets it finish
            export.close();
            assertEquals(3, export.transmissions());
            assertTrue(export.cleanlyEnded(), export.failure().toString());
        }
        assertFalse(Files.exists(socket));
        assertFalse(Files.exists(socket.getParent()));
        byte[] after = Files.readAllBytes(file);
        for (int i = 0; i < 3; i++) {
            assertEquals((byte) ((i + 1) * 16), after[i * 65536 + 100]);
        }
        Command.Result late = run("qemu-img", "info", "nbd+unix:///?socket=" + socket);
        assertNotEquals(0, late.exit(), late.stdout());
    }

    @Test
    void aSocketPathTooLongForUnixIsRefusedNamingTheLimit() throws Exception {
        Path deep = Files.createDirectories(dir.resolve("d".repeat(100)));
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> NbdExport.serve(new FileStorage(null, 0), false, deep));
        assertTrue(e.getMessage().contains("at most " + NbdExport.MAX_SOCKET_PATH), e.getMessage());
        try (var s = Files.list(deep)) {
            assertEquals(0, s.count(), "nothing left behind");
        }
    }
}
