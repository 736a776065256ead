package io.guestdata.bench;

import io.guestdata.core.Instance;
import io.guestdata.core.metadata.Ec2Ids;
import io.guestdata.core.metadata.LookupResult;
import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.core.metadata.MetadataTree;
import io.guestdata.core.metadata.StripedDrbg;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * {@code random_seed} under contention: the one shared, synchronized {@code SecureRandom.getInstance("DRBG")}
 * that every tree used before, against {@link StripedDrbg}, in the same run; see docs/benchmarks-service.md.
 *
 * <ul>
 *   <li>{@link #drawShared}, {@link #drawStriped}: 512 bytes, as one {@code random_seed}.</li>
 *   <li>{@link #renderShared}, {@link #renderStriped}: the service's {@code /openstack/latest/meta_data.json}
 *       of {@code examples/instance.json} ({@code MetadataTree.lookup}: path, splice, base64).</li>
 *   <li>{@link #renderNoDraw}: the same render with a generator that draws nothing, i.e. what the render costs
 *       besides the DRBG.</li>
 *   <li>{@link #burstShared}, {@link #burstStriped}: as the service runs requests, a virtual thread each:
 *       {@value #BURST_THREADS} virtual threads started together, each rendering {@value #BURST_RENDERS} times;
 *       one operation is the whole burst.</li>
 * </ul>
 *
 * <p>Sample time: each operation is timed, so the mean and the 99th percentile are both reported.
 * {@link #main} runs all five at 1, 2, 8 and 64 threads (or the counts given) and prints old ÷ new.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SeedBenchmarks {
    private static final String PATH = "/openstack/latest/meta_data.json";
    private static final int SEED_BYTES = 512;
    static final int BURST_THREADS = 256;
    static final int BURST_RENDERS = 4;

    @Param("examples/instance.json")
    public String document;

    SecureRandom shared;
    StripedDrbg striped;
    MetadataTree sharedTree;
    MetadataTree stripedTree;
    MetadataTree noDrawTree;

    @Setup
    public void setUp() throws Exception {
        shared = SecureRandom.getInstance("DRBG");
        striped = StripedDrbg.create();
        Instance instance = DriveJob.parse(Files.readAllBytes(Path.of(document)));
        sharedTree = tree(instance, shared);
        stripedTree = tree(instance, striped);
        noDrawTree = tree(instance, new NoDraw());
    }

    private static MetadataTree tree(Instance instance, RandomGenerator random) {
        return MetadataTree.build(instance, MetadataOptions.defaults(), Ec2Ids.derive(instance), random);
    }

    @Benchmark
    public byte[] drawShared() {
        byte[] seed = new byte[SEED_BYTES];
        shared.nextBytes(seed);
        return seed;
    }

    @Benchmark
    public byte[] drawStriped() {
        byte[] seed = new byte[SEED_BYTES];
        striped.nextBytes(seed);
        return seed;
    }

    @Benchmark
    public LookupResult renderShared() {
        return sharedTree.lookup(PATH, null);
    }

    @Benchmark
    public LookupResult renderStriped() {
        return stripedTree.lookup(PATH, null);
    }

    @Benchmark
    public LookupResult renderNoDraw() {
        return noDrawTree.lookup(PATH, null);
    }

    @Benchmark
    public long burstShared() throws InterruptedException {
        return burst(sharedTree);
    }

    @Benchmark
    public long burstStriped() throws InterruptedException {
        return burst(stripedTree);
    }

    private static long burst(MetadataTree tree) throws InterruptedException {
        List<Thread> threads = new ArrayList<>(BURST_THREADS);
        long[] lengths = new long[BURST_THREADS];
        for (int t = 0; t < BURST_THREADS; t++) {
            int slot = t;
            threads.add(Thread.ofVirtual().start(() -> {
                for (int i = 0; i < BURST_RENDERS; i++) {
                    lengths[slot] += ((LookupResult.Found) tree.lookup(PATH, null)).length();
                }
            }));
        }
        long total = 0;
        for (int t = 0; t < BURST_THREADS; t++) {
            threads.get(t).join();
            total += lengths[t];
        }
        return total;
    }

    /** Leaves the seed all zeros: the render without the DRBG. Thread-safe (stateless). */
    static final class NoDraw implements RandomGenerator {
        @Override
        public long nextLong() {
            return 0;
        }

        @Override
        public void nextBytes(byte[] bytes) {
        }
    }

    /**
     * Runs the five benchmarks at each thread count and prints a table with old ÷ new.
     *
     * <pre>java -cp bench/target/guestdata-bench-*-benchmarks.jar io.guestdata.bench.SeedBenchmarks [--quick] [THREADS...]</pre>
     *
     * <p>{@code --quick}: one 200 ms iteration each, a smoke test. Run from the repository root (the document
     * path is relative).
     */
    public static void main(String[] args) throws Exception {
        boolean quick = false;
        List<Integer> threads = new ArrayList<>();
        for (String arg : args) {
            if (arg.equals("--quick")) {
                quick = true;
            } else {
                threads.add(Integer.parseInt(arg));
            }
        }
        if (threads.isEmpty()) {
            threads = List.of(1, 2, 8, 64);
        }
        System.out.printf(Locale.ROOT, "SeedBenchmarks: %d processors, load %s, %s%n",
                Runtime.getRuntime().availableProcessors(), loadAverage(), StripedDrbg.create());
        System.out.println("| threads | draw 512 B shared µs (p99) | striped µs (p99) | shared ÷ striped mean (p99)"
                + " | render shared µs (p99) | striped µs (p99) | shared ÷ striped mean (p99) | render, no draw µs (p99) |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (int t : threads) {
            Collection<RunResult> results = run("(draw|render)", t, quick);
            Result<?> drawShared = primary(results, "drawShared");
            Result<?> drawStriped = primary(results, "drawStriped");
            Result<?> renderShared = primary(results, "renderShared");
            Result<?> renderStriped = primary(results, "renderStriped");
            Result<?> renderNoDraw = primary(results, "renderNoDraw");
            System.out.printf(Locale.ROOT, "| %d | %s | %s | %s | %s | %s | %s | %s |%n", t,
                    cell(drawShared), cell(drawStriped), ratio(drawShared, drawStriped),
                    cell(renderShared), cell(renderStriped), ratio(renderShared, renderStriped), cell(renderNoDraw));
        }
        Collection<RunResult> results = run("burst", 1, quick);
        Result<?> burstShared = primary(results, "burstShared");
        Result<?> burstStriped = primary(results, "burstStriped");
        System.out.printf(Locale.ROOT, "%nburst of %d virtual threads × %d renders: shared %s µs, striped %s µs,"
                + " shared ÷ striped %s%n", BURST_THREADS, BURST_RENDERS, cell(burstShared), cell(burstStriped),
                ratio(burstShared, burstStriped));
        System.out.printf(Locale.ROOT, "load after: %s%n", loadAverage());
    }

    private static Collection<RunResult> run(String benchmarks, int threads, boolean quick) throws Exception {
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(SeedBenchmarks.class.getName() + "\\." + benchmarks)
                .threads(threads)
                .verbosity(VerboseMode.SILENT);
        if (quick) {
            options.forks(0).warmupIterations(0).measurementIterations(1).measurementTime(TimeValue.milliseconds(200));
        }
        return new Runner(options.build()).run();
    }

    private static Result<?> primary(Collection<RunResult> results, String benchmark) {
        return results.stream()
                .filter(r -> r.getParams().getBenchmark().endsWith("." + benchmark))
                .findFirst().orElseThrow(() -> new IllegalStateException("no result for " + benchmark))
                .getPrimaryResult();
    }

    private static String cell(Result<?> r) {
        return String.format(Locale.ROOT, "%.2f (%.1f)", r.getScore(), r.getStatistics().getPercentile(99));
    }

    private static String ratio(Result<?> old, Result<?> now) {
        return String.format(Locale.ROOT, "**%.2f** (%.2f)", old.getScore() / now.getScore(),
                old.getStatistics().getPercentile(99) / now.getStatistics().getPercentile(99));
    }

    private static String loadAverage() throws Exception {
        String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
        return fields[0] + " " + fields[1] + " " + fields[2];
    }
}
