package io.guestdata.server.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.server.metadata.dev.InMemoryInstanceDirectory;
import io.guestdata.server.metadata.dev.InMemoryPasswordStore;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/**
 * A guest that resets its connection while a large answer is written costs one DEBUG line and a counter, never a
 * stack trace (issue 10.8): a guest can do it at any rate, on an answer whose size its tenant chose.
 */
public class ClientResetTest {
    public static final int RESETS = 5;
    private static final String GUEST = "127.0.0.23";

    @Test
    void aResetDuringALargeAnswerIsOneQuietLineAndCounted() throws Exception {
        InMemoryInstanceDirectory directory = new InMemoryInstanceDirectory(MetadataOptions.defaults());
        directory.put(Fixtures.withUserData("6a1f3c52-8d1e-4f7b-9a0c-2b3d4e5f6a7b", "p", 4 << 20),
                List.of(InetAddress.getByName(GUEST)));
        try (MetadataServer server = MetadataServer.start(TestServers.config().build(), directory,
                new InMemoryPasswordStore());
             LogCapture logs = new LogCapture()) {
            for (int i = 0; i < RESETS; i++) {
                resetDuringAnswer(GUEST, server.port(), "/openstack/latest/user_data");
            }
            awaitCount(() -> server.metrics().clientResets(), RESETS);
            assertEquals(RESETS, server.metrics().clientResets());
            assertQuiet(logs, "io.guestdata", RESETS);
            assertTrue(RawHttp.to(server.managementPort()).target("/metrics").send().text()
                    .contains("guestdata_metadata_client_resets_total " + RESETS + "\n"));
            // and the service still answers
            assertEquals(200, RawHttp.to(server.port()).from(GUEST).target("/latest/meta-data/instance-id").send()
                    .status());
        }
    }

    /**
     * Asks for {@code path}, reads the status line (the answer is being written), then resets the connection (RST:
     * SO_LINGER 0) with most of the answer unread; a 4 KiB receive buffer keeps the server writing.
     */
    public static void resetDuringAnswer(String from, int port, String path) throws IOException {
        Socket s = new Socket();
        s.setReceiveBufferSize(4096);
        s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
        s.setSoTimeout(10_000);
        s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 169.254.169.254\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        InputStream in = s.getInputStream();
        StringBuilder status = new StringBuilder();
        for (int c = in.read(); c != '\n' && c >= 0; c = in.read()) {
            status.append((char) c);
        }
        assertTrue(status.toString().startsWith("HTTP/1.1 200"), status.toString());
        s.setSoLinger(true, 0);
        s.close();
    }

    public static void awaitCount(LongSupplier count, long expected) throws InterruptedException {
        for (int i = 0; i < 200 && count.getAsLong() < expected; i++) {
            Thread.sleep(25);
        }
    }

    /**
     * No record carries a stack trace, none is above DEBUG, and the loggers under {@code prefix} logged at most one
     * line per reset.
     */
    public static void assertQuiet(LogCapture logs, String prefix, int resets) {
        List<LogRecord> records = logs.records();
        for (LogRecord r : records) {
            assertEquals(null, r.getThrown(), "no stack trace: " + logs.describe());
            assertTrue(r.getLevel().intValue() < Level.INFO.intValue(), "nothing above DEBUG: " + logs.describe());
        }
        long ours = records.stream().filter(r -> r.getLoggerName().startsWith(prefix)).count();
        assertTrue(ours >= 1 && ours <= resets, ours + " lines for " + resets + " resets:\n" + logs.describe());
        for (LogRecord r : records) {
            assertTrue(!r.getMessage().contains("\n"), "one line: " + r.getMessage());
        }
    }
}
