package io.guestdata.store;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

/**
 * A second process writing to a store, for the crash-safety and change-feed tests.
 * <ul>
 *   <li>{@code ledger <url>}: forever, for i = 0, 1, 2…: creates instance {@link #ledgerInstance}(i)
 *       with fixed address {@link #ledgerAddress}(i) (one transaction), then updates the ledger
 *       instance to version i + 2 with metadata {@code count=i} (another), then prints
 *       {@code committed i}. The parent kills it with SIGKILL at some point; a new writer resumes
 *       after the last completed iteration;</li>
 *   <li>{@code creates <url> <n>}: creates n instances, 100 ms apart, printing
 *       {@code wrote <uuid> <epoch micros before the write>} after each.</li>
 * </ul>
 * Prints {@code ready} once the store is open.
 */
public final class StoreWriterMain {

    static final UUID LEDGER = new UUID(0x6c656467657200L, 0);

    private StoreWriterMain() {
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (Store store = Stores.open(args[1])) {
            out.println("ready");
            switch (args[0]) {
                case "ledger" -> ledger(store, out);
                case "creates" -> creates(store, Integer.parseInt(args[2]), out);
                default -> throw new IllegalArgumentException("unknown mode " + args[0]);
            }
        }
    }

    static UUID ledgerInstance(long i) {
        return new UUID(0x1000L, i);
    }

    static String ledgerAddress(long i) {
        return "10." + (i >> 16 & 0xff) + "." + (i >> 8 & 0xff) + "." + (i & 0xff);
    }

    static byte[] ledgerDocument(long count) {
        return Documents.instance(LEDGER).name("ledger").meta("count", Long.toString(count)).bytes();
    }

    /** Resumes where a killed predecessor stopped: the ledger's version says how many iterations completed. */
    private static void ledger(Store store, PrintStream out) {
        long start;
        try {
            start = store.instances().get(LEDGER).version() - 1;
        } catch (StoreException.NotFound e) {
            store.instances().create(ledgerDocument(-1));
            start = 0;
        }
        for (long i = start; ; i++) {
            try {
                store.instances().create(Documents.instance(ledgerInstance(i)).address(ledgerAddress(i))
                        .image("image-" + (i % 7)).bytes());
            } catch (StoreException.Conflict e) {
                if (i != start) {
                    throw e; // only the predecessor's last, half-done iteration may have created it
                }
            }
            store.instances().update(LEDGER, i + 1, ledgerDocument(i));
            out.println("committed " + i);
        }
    }

    private static void creates(Store store, int count, PrintStream out) throws InterruptedException {
        for (int i = 0; i < count; i++) {
            Instant before = Instant.now();
            UUID uuid = store.instances().create(Documents.instance().bytes()).uuid();
            out.println("wrote " + uuid + " " + (before.getEpochSecond() * 1_000_000 + before.getNano() / 1000));
            Thread.sleep(100);
        }
    }
}
