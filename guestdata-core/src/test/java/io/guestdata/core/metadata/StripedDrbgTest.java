package io.guestdata.core.metadata;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.core.Instance;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/** {@link StripedDrbg}: distinct, well-formed {@code random_seed} values under contention, and uniform bytes. */
class StripedDrbgTest {
    private static final Pattern SEED = Pattern.compile("\"random_seed\": \"([^\"]*)\"");
    private static final int THREADS = 64;
    /** Enough bytes for a chi-square over byte pairs (65,536 cells, 32 expected in each). */
    private static final int SAMPLE_BYTES = 4 << 20;
    /** Chi-square bounds at ±6 standard deviations: a sound generator fails about once in 10^9 runs. */
    private static final double Z = 6;

    private final Instance instance = TestInstances.example().file("/etc/foo.conf", "foo\n").build();

    @Test
    void concurrentRendersOfTheDefaultTreeHaveDistinctWellFormedSeeds() throws Exception {
        MetadataTree tree = MetadataTree.build(instance, MetadataOptions.defaults());
        String masked = MetadataTreeNovaOracleTest.maskSeed(render(tree));
        Set<String> seeds = ConcurrentHashMap.newKeySet();
        AtomicInteger drawn = new AtomicInteger();
        int perThread = 100;
        inVirtualThreads(() -> {
            for (int i = 0; i < perThread; i++) {
                String document = render(tree);
                assertEquals(masked, MetadataTreeNovaOracleTest.maskSeed(document));
                assertTrue(seeds.add(wellFormedSeed(document)), "repeated seed");
                drawn.incrementAndGet();
            }
            // The config drive's meta_data.json files draw from the same generator.
            for (MetadataFile file : tree.configDriveFiles()) {
                if (file.path().endsWith("meta_data.json") && !file.path().contains("2012-08-10")) {
                    assertTrue(seeds.add(wellFormedSeed(new String(file.contents(), StandardCharsets.US_ASCII))),
                            "repeated seed in " + file.path());
                    drawn.incrementAndGet();
                }
            }
        });
        assertTrue(drawn.get() > THREADS * perThread, "the config drives drew seeds too");
        assertEquals(drawn.get(), seeds.size());
    }

    @Test
    void defaultTreesShareOneProcessWideGeneratorAndStillNeverRepeatASeed() throws Exception {
        assertSame(StripedDrbg.shared(), StripedDrbg.shared());
        MetadataTree first = MetadataTree.build(instance, MetadataOptions.defaults());
        MetadataTree second = MetadataTree.build(instance, MetadataOptions.defaults());
        Set<String> seeds = ConcurrentHashMap.newKeySet();
        AtomicInteger drawn = new AtomicInteger();
        inVirtualThreads(() -> {
            for (int i = 0; i < 50; i++) {
                assertTrue(seeds.add(wellFormedSeed(render(first))), "repeated seed");
                assertTrue(seeds.add(wellFormedSeed(render(second))), "repeated seed");
                drawn.addAndGet(2);
            }
        });
        assertEquals(drawn.get(), seeds.size());
    }

    @Test
    void drawsStayDistinctWhenEveryStripeIsHeldAndStripesReseed() throws Exception {
        // Two stripes for 64 threads: most draws find both held and wait; every third draw of a stripe reseeds.
        StripedDrbg drbg = StripedDrbg.withStripes(2, 3);
        Set<String> draws = ConcurrentHashMap.newKeySet();
        inVirtualThreads(() -> {
            for (int i = 0; i < 200; i++) {
                byte[] seed = new byte[SplicedJson.SEED_BYTES];
                drbg.nextBytes(seed);
                assertTrue(draws.add(HexFormat.of().formatHex(seed)), "repeated draw");
            }
        });
        assertEquals(THREADS * 200, draws.size());
        // Hash_DRBG,SHA-256 unless securerandom.drbg.config names another mechanism; strength and capability are ours.
        assertTrue(drbg.toString().matches("StripedDrbg\\[2 × \\w+_DRBG,[^,]+,256,reseed_only]"), drbg.toString());
    }

    @Test
    void concurrentDrawsHaveUniformBytesAndBytePairs() throws Exception {
        byte[] sample = new byte[SAMPLE_BYTES];
        StripedDrbg drbg = StripedDrbg.create();
        int threads = 8;
        int share = SAMPLE_BYTES / threads;
        List<Thread> started = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int from = t * share;
            started.add(Thread.ofVirtual().start(() -> {
                byte[] seed = new byte[SplicedJson.SEED_BYTES];
                for (int at = from; at < from + share; at += seed.length) {
                    drbg.nextBytes(seed);
                    System.arraycopy(seed, 0, sample, at, seed.length);
                }
            }));
        }
        for (Thread t : started) {
            t.join();
        }
        assertUniform(sample);
    }

    @Test
    void theUniformityCheckRejectsBiasedAndTooRegularBytes() {
        byte[] biased = new byte[SAMPLE_BYTES];
        new SplittableRandom(11).nextBytes(biased);
        for (int i = 0; i < biased.length; i++) {
            biased[i] = biased[i] == 0 ? 1 : biased[i]; // value 0 never occurs: 1/256 of the mass moved
        }
        assertFalse(uniform(biased));
        byte[] counter = new byte[SAMPLE_BYTES];
        for (int i = 0; i < counter.length; i++) {
            counter[i] = (byte) (i + i / 65536); // every byte and pair equally often: too regular for chance
        }
        assertFalse(uniform(counter));
        byte[] sound = new byte[SAMPLE_BYTES];
        new SplittableRandom(11).nextBytes(sound);
        assertUniform(sound);
    }

    @Test
    void stripeCountsArePowersOfTwoUpTo64() {
        int stripes = StripedDrbg.create().stripes();
        assertTrue(stripes >= 4 && stripes <= 64 && Integer.bitCount(stripes) == 1, "stripes " + stripes);
        assertEquals(1, StripedDrbg.withStripes(1).stripes());
        for (int bad : new int[] {0, 3, 128, -4}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StripedDrbg.withStripes(bad));
            assertEquals("stripes must be a power of two from 1 to 64: got " + bad, e.getMessage());
        }
    }

    @Test
    void nextLongDrawsFromTheStripes() {
        RandomGenerator drbg = StripedDrbg.withStripes(4);
        Set<Long> values = ConcurrentHashMap.newKeySet();
        for (int i = 0; i < 10_000; i++) {
            assertTrue(values.add(drbg.nextLong()));
        }
    }

    private static String render(MetadataTree tree) {
        return new String(((LookupResult.Found) tree.lookup("/openstack/latest/meta_data.json", null)).body(),
                StandardCharsets.US_ASCII);
    }

    /** The document parses as JSON and its seed is 684 base64 characters of 512 bytes; returns the seed. */
    private static String wellFormedSeed(String document) {
        try {
            TestInstances.MAPPER.readTree(document);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + document, e);
        }
        Matcher m = SEED.matcher(document);
        assertTrue(m.find(), document);
        String seed = m.group(1);
        assertEquals(SplicedJson.SEED_BASE64_LENGTH, seed.length());
        byte[] bytes = Base64.getDecoder().decode(seed);
        assertEquals(SplicedJson.SEED_BYTES, bytes.length);
        assertArrayEquals(seed.getBytes(StandardCharsets.US_ASCII), Base64.getEncoder().encode(bytes));
        return seed;
    }

    /** Runs {@code body} in {@value #THREADS} virtual threads released together; rethrows the first failure. */
    private static void inVirtualThreads(ThrowingRunnable body) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        List<Throwable> failures = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    go.await();
                    body.run();
                } catch (Throwable e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            }));
        }
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        if (!failures.isEmpty()) {
            throw new AssertionError(failures.size() + " of " + THREADS + " threads failed", failures.getFirst());
        }
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    private static void assertUniform(byte[] sample) {
        assertTrue(uniform(sample), () -> "byte chi-square " + chiSquare(byteCounts(sample)) + ", pair chi-square "
                + chiSquare(pairCounts(sample)));
    }

    /** Byte and (non-overlapping) byte-pair frequencies both within the chi-square bounds. */
    private static boolean uniform(byte[] sample) {
        return withinBounds(chiSquare(byteCounts(sample)), 255) && withinBounds(chiSquare(pairCounts(sample)), 65_535);
    }

    private static long[] byteCounts(byte[] sample) {
        long[] counts = new long[256];
        for (byte b : sample) {
            counts[b & 0xff]++;
        }
        return counts;
    }

    private static long[] pairCounts(byte[] sample) {
        long[] counts = new long[65_536];
        for (int i = 0; i + 1 < sample.length; i += 2) {
            counts[(sample[i] & 0xff) << 8 | (sample[i + 1] & 0xff)]++;
        }
        return counts;
    }

    private static double chiSquare(long[] counts) {
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        double expected = (double) total / counts.length;
        double sum = 0;
        for (long c : counts) {
            sum += (c - expected) * (c - expected) / expected;
        }
        return sum;
    }

    /** Within ±{@link #Z} standard deviations of the chi-square distribution (Wilson–Hilferty approximation). */
    private static boolean withinBounds(double chiSquare, int degreesOfFreedom) {
        double k = degreesOfFreedom;
        double s = Math.sqrt(2 / (9 * k));
        double low = k * Math.pow(1 - 2 / (9 * k) - Z * s, 3);
        double high = k * Math.pow(1 - 2 / (9 * k) + Z * s, 3);
        return chiSquare > low && chiSquare < high;
    }
}
