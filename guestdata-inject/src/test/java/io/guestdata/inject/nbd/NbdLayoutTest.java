package io.guestdata.inject.nbd;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The wire layouts of {@link NbdRequest}, {@link NbdSimpleReply} and the transmission flags,
 * checked against the kernel's {@code linux/nbd.h} by compiling a C program with gcc that prints
 * {@code offsetof}, {@code sizeof} and the macro values (as {@code StructLayoutTest} does for
 * libext2fs); the handshake structures, which that header lacks, byte for byte against
 * doc/proto.md's values.
 */
class NbdLayoutTest {

    @TempDir
    Path dir;

    @Test
    void requestReplyAndFlagsMatchLinuxNbdH() throws Exception {
        Map<String, Long> e = new LinkedHashMap<>();
        e.put("sizeof(struct nbd_request)", (long) NbdRequest.SIZE);
        e.put("offsetof(struct nbd_request, type)", (long) NbdRequest.OFFSET_FLAGS); // flags are type's upper half
        e.put("offsetof(struct nbd_request, handle)", (long) NbdRequest.OFFSET_COOKIE);
        e.put("offsetof(struct nbd_request, from)", (long) NbdRequest.OFFSET_OFFSET);
        e.put("offsetof(struct nbd_request, len)", (long) NbdRequest.OFFSET_LENGTH);
        e.put("sizeof(struct nbd_reply)", (long) NbdSimpleReply.SIZE);
        e.put("offsetof(struct nbd_reply, error)", (long) NbdSimpleReply.OFFSET_ERROR);
        e.put("offsetof(struct nbd_reply, handle)", (long) NbdSimpleReply.OFFSET_COOKIE);
        e.put("NBD_REQUEST_MAGIC", (long) NbdRequest.MAGIC);
        e.put("NBD_REPLY_MAGIC", (long) NbdSimpleReply.MAGIC);
        e.put("NBD_CMD_READ", (long) NbdRequest.READ);
        e.put("NBD_CMD_WRITE", (long) NbdRequest.WRITE);
        e.put("NBD_CMD_DISC", (long) NbdRequest.DISC);
        e.put("NBD_CMD_FLUSH", (long) NbdRequest.FLUSH);
        e.put("NBD_CMD_TRIM", (long) NbdRequest.TRIM);
        e.put("NBD_CMD_FLAG_FUA >> 16", (long) NbdRequest.FLAG_FUA);
        e.put("NBD_FLAG_HAS_FLAGS", (long) NbdExport.Flags.HAS_FLAGS);
        e.put("NBD_FLAG_READ_ONLY", (long) NbdExport.Flags.READ_ONLY);
        e.put("NBD_FLAG_SEND_FLUSH", (long) NbdExport.Flags.SEND_FLUSH);
        e.put("NBD_FLAG_SEND_TRIM", (long) NbdExport.Flags.SEND_TRIM);
        StringBuilder c = new StringBuilder("#include <stdio.h>\n#include <stddef.h>\n#include <linux/nbd.h>\nint main(void) {\n");
        for (String expr : e.keySet()) {
            c.append("  printf(\"%s=%lld\\n\", \"").append(expr).append("\", (long long) (").append(expr).append("));\n");
        }
        c.append("  return 0;\n}\n");
        Path source = Files.writeString(dir.resolve("nbd.c"), c.toString());
        Path binary = dir.resolve("nbd");
        NbdExportTest.runOk("gcc", "-o", binary.toString(), source.toString());
        Map<String, Long> actual = NbdExportTest.runOk(binary.toString()).lines().map(l -> l.split("=", 2))
                .collect(Collectors.toMap(p -> p[0], p -> Long.parseLong(p[1]), (a, b) -> a, LinkedHashMap::new));
        assertEquals(e, actual);
    }

    @Test
    void requestAndReplyEncodeBigEndian() throws Exception {
        NbdRequest r = new NbdRequest(NbdRequest.FLAG_FUA, NbdRequest.WRITE, 0x0102030405060708L, 0x1000, 0x200);
        assertEquals("25609513" + "0001" + "0001" + "0102030405060708" + "0000000000001000" + "00000200",
                hex(r.encode()));
        assertEquals(r, NbdRequest.read(r.encode()));
        assertEquals("67446698" + "00000016" + "0102030405060708",
                hex(new NbdSimpleReply(NbdSimpleReply.EINVAL, 0x0102030405060708L).encode()));
        ByteBuffer wrong = r.encode().putInt(0, 0x12560953); // linux/nbd.h: "Do *not* use" this magic
        assertThrows(NbdProtocolException.class, () -> NbdRequest.read(wrong));
        assertEquals(false, new NbdRequest(0, NbdRequest.READ, 0, 4096, 1).inside(4096));
        assertEquals(true, new NbdRequest(0, NbdRequest.READ, 0, 4095, 1).inside(4096));
        assertEquals(false, new NbdRequest(0, NbdRequest.READ, 0, 1, 0xffffffffL).inside(4096));
    }

    @Test
    void handshakeStructuresAreTheSpecsBytes() throws Exception {
        assertEquals("4e42444d41474943" + "49484156454f5054" + "0003", hex(NbdGreeting.server()));
        assertEquals(3, NbdGreeting.clientFlags(ByteBuffer.allocate(4).putInt(0, 3)));
        assertThrows(NbdProtocolException.class, () -> NbdGreeting.clientFlags(ByteBuffer.allocate(4).putInt(0, 2)));
        assertThrows(NbdProtocolException.class, () -> NbdGreeting.clientFlags(ByteBuffer.allocate(4).putInt(0, 5)));
        NbdOption go = new NbdOption(NbdOption.GO, 6);
        assertEquals("49484156454f5054" + "00000007" + "00000006", hex(go.header()));
        assertEquals(go, NbdOption.read(go.header()));
        assertEquals("0003e889045565a9" + "00000007" + "00000003" + "0000000c" + "0000" + "0000000000100000" + "0005",
                hex(NbdOptionReply.infoExport(NbdOption.GO, 1 << 20, (short) 5).encode()));
        assertEquals("0003e889045565a9" + "00000006" + "00000003" + "0000000e" + "0003" + "00000001" + "00001000"
                + "02000000", hex(NbdOptionReply.infoBlockSize(NbdOption.INFO, 1, 4096, 32 << 20).encode()));
        assertEquals("0003e889045565a9" + "00000003" + "00000002" + "00000005" + "00000001" + "61",
                hex(NbdOptionReply.server(NbdOption.LIST, "a").encode()));
        assertEquals("0003e889045565a9" + "00000008" + "80000001" + "00000001" + "78",
                hex(NbdOptionReply.error(NbdOption.STRUCTURED_REPLY, NbdOptionReply.ERR_UNSUP, "x").encode()));
        assertEquals("0000000000100000" + "0005", hex(NbdOptionReply.exportNameReply(1 << 20, (short) 5, true)));
        ByteBuffer withZeroes = NbdOptionReply.exportNameReply(1 << 20, (short) 5, false);
        assertEquals(10 + 124, withZeroes.remaining());
        assertEquals("0000000000100000" + "0005" + "00".repeat(124), hex(withZeroes));
    }

    private static String hex(ByteBuffer b) {
        byte[] bytes = new byte[b.remaining()];
        b.duplicate().get(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
