package io.guestdata.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A writer process is killed with SIGKILL in the middle of its writes, three times over; after each
 * kill the database opens cleanly, every write the writer reported committed is there, and no write
 * is there in part (the ledger pattern of {@link StoreWriterMain}).
 */
class CrashSafetyTest {

    private static final int ROUNDS = 3;
    private static final int COMMITS_BEFORE_KILL = 25;

    @BackendTest
    void killNineMidWriteLosesNothingCommittedAndLeavesNothingHalfDone(Backend backend) throws Exception {
        Random random = new Random(42);
        long reported = -1; // the highest iteration any writer reported committed
        for (int round = 0; round < ROUNDS; round++) {
            Process writer = ChildJvm.start(StoreWriterMain.class, "ledger", backend.url());
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(writer.getInputStream(),
                    StandardCharsets.UTF_8))) {
                assertEquals("ready", lines.readLine());
                int seen = 0;
                String line;
                while (seen < COMMITS_BEFORE_KILL && (line = lines.readLine()) != null) {
                    reported = Math.max(reported, Long.parseLong(line.substring("committed ".length())));
                    seen++;
                }
                assertEquals(COMMITS_BEFORE_KILL, seen, "the writer stopped early");
                Thread.sleep(random.nextInt(40)); // land somewhere inside a transaction
                // SIGKILL through the process handle: Process.destroyForcibly would also close our end of its
                // stdout, losing the reports it wrote just before it died.
                writer.toHandle().destroyForcibly();
                assertTrue(writer.waitFor(30, TimeUnit.SECONDS));
                assertEquals(137, writer.exitValue(), "killed by SIGKILL");
                while ((line = lines.readLine()) != null) { // reports the writer flushed before it died
                    reported = Math.max(reported, Long.parseLong(line.substring("committed ".length())));
                }
            } finally {
                writer.destroyForcibly();
            }
            verifyLedger(backend, reported);
        }
    }

    /** Every reported iteration is complete; at most one more completed; nothing is partial. */
    private static void verifyLedger(Backend backend, long reported) throws Exception {
        if (backend.kind() == Backend.Kind.SQLITE) {
            assertEquals("ok", text(backend, "PRAGMA integrity_check"));
        }
        try (Store store = backend.open()) { // opens (and migrates) cleanly after the crash
            long ledgerVersion = store.instances().get(StoreWriterMain.LEDGER).version();
            long completed = ledgerVersion - 1; // iterations 0..completed-1 updated the ledger
            assertTrue(completed >= reported + 1, "iteration " + reported + " was reported committed but the ledger is at "
                    + ledgerVersion);
            assertTrue(completed <= reported + 2, "more completed than the writer could have done after its last report");
            long created = backend.count("SELECT COUNT(*) FROM instances") - 1;
            assertTrue(created == completed || created == completed + 1, "created " + created + ", completed " + completed);

            for (long v = 1; v <= ledgerVersion; v++) {
                assertEquals(Long.toString(v - 2), store.instances().get(StoreWriterMain.LEDGER, v).instance()
                        .metadata().get("count"));
            }
            for (long i = 0; i < created; i++) {
                UUID uuid = StoreWriterMain.ledgerInstance(i);
                assertEquals(1, store.instances().get(uuid).version());
                assertEquals(Optional.of(uuid), store.instances().findByAddress(StoreWriterMain.ledgerAddress(i))
                        .map(StoredInstance::uuid));
            }
            assertEquals(Optional.empty(), store.instances().findByAddress(StoreWriterMain.ledgerAddress(created)));
            assertEquals(created + ledgerVersion, backend.count("SELECT COUNT(*) FROM instance_versions"));
            assertEquals(created, backend.count("SELECT COUNT(*) FROM instance_addresses"));
            assertEquals(created + 1, backend.count("SELECT COUNT(*) FROM ec2_instance_ids"));
            assertEquals(Math.min(created, 7), backend.count("SELECT COUNT(*) FROM ec2_image_ids"));
            // One change per committed write, numbered 1..n without a gap, and the counter agrees.
            long changes = 1 + created + (ledgerVersion - 1);
            assertEquals(changes, backend.count("SELECT COUNT(*) FROM changes"));
            assertEquals(changes, backend.count("SELECT MAX(seq) FROM changes"));
            assertEquals(changes, store.lastChangeSequence());
        }
    }

    private static String text(Backend backend, String sql) throws Exception {
        try (Connection connection = backend.connect(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getString(1);
        }
    }
}
