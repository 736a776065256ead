package io.guestdata.bench.inject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import io.guestdata.inject.block.InjectPartition;
import io.guestdata.inject.fs.Ext2Filesystem;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.fs.OpenMode;
import io.guestdata.inject.guestfs.GuestfsFilesystem;
import io.guestdata.inject.sandbox.Ext2fsSandbox;
import io.guestdata.inject.sandbox.SandboxSettings;

/**
 * The injection benchmark: one injection ({@link Injection}) on a fresh copy of the same ext4 image,
 * made by each contender in ONE run, then a table of per-injection times and the ratios against
 * the in-process figure.
 *
 * <ol>
 *   <li>in-process: {@link Ext2Filesystem}, open to close, JMH single-shot in a warm JVM;</li>
 *   <li>in-process and sandboxed again, in one JMH run of their own ({@link SandboxInjectBenchmark}: the
 *       same calls through a bubblewrap-isolated worker taken warm from the pool), and what a cold
 *       worker start costs (bwrap, JVM, libext2fs loaded, to ready);</li>
 *   <li>one-shot JVM: a new {@code java} process per injection with the launcher's flags (what a
 *       {@code guestdata inject} command costs, JVM start included);</li>
 *   <li>{@code debugfs -w -f script}: the whole process;</li>
 *   <li>{@code guestfish -f script}: the whole process, appliance launch included;</li>
 *   <li>{@link GuestfsFilesystem} (libguestfs' Java binding) in this JVM, launch included.</li>
 * </ol>
 * Every contender's last result is checked (e2fsck, modes, owner, content) so that what is
 * timed is a correct injection.
 *
 * <pre>java -jar guestdata-bench-inject-*-benchmarks.jar --base IMG --work DIR [--debugfs N]
 *     [--guestfish N] [--guestfs-java N] [--one-shot N] [--sandbox N] [--jmh-warmup N] [--jmh-iterations N]</pre>
 * {@code --inject-once IMG} is the one-shot process itself.
 */
public final class InjectBench {

    private InjectBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = arguments(args);
        if (a.containsKey("inject-once")) {
            try (Ext2Filesystem fs = Ext2Filesystem.open(Path.of(a.get("inject-once")), 0, OpenMode.READ_WRITE)) {
                Injection.apply(fs);
            }
            return;
        }
        Path base = Path.of(required(a, "base"));
        Path work = Files.createDirectories(Path.of(required(a, "work")));
        int debugfsRuns = Integer.parseInt(a.getOrDefault("debugfs", "30"));
        int guestfishRuns = Integer.parseInt(a.getOrDefault("guestfish", "3"));
        int guestfsJavaRuns = Integer.parseInt(a.getOrDefault("guestfs-java", "3"));
        int oneShotRuns = Integer.parseInt(a.getOrDefault("one-shot", "20"));
        int sandboxRuns = Integer.parseInt(a.getOrDefault("sandbox", "40"));
        int warmup = Integer.parseInt(a.getOrDefault("jmh-warmup", "10"));
        int iterations = Integer.parseInt(a.getOrDefault("jmh-iterations", "60"));
        int wholeRuns = Integer.parseInt(a.getOrDefault("whole", "40"));
        Optional<Path> baseline = Optional.ofNullable(a.get("baseline-results")).map(Path::of);
        String baselineLabel = a.getOrDefault("baseline-label", "baseline");

        System.out.println("# injection benchmark " + ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        System.out.println("# base image " + base + " (" + Files.size(base) / (1 << 20) + " MiB), "
                + Runtime.getRuntime().availableProcessors() + " CPUs, JDK " + Runtime.version()
                + ", LIBGUESTFS_BACKEND=" + System.getenv("LIBGUESTFS_BACKEND")
                + ", LIBGUESTFS_BACKEND_SETTINGS=" + System.getenv("LIBGUESTFS_BACKEND_SETTINGS"));

        Map<String, Samples> results = new LinkedHashMap<>();
        Map<String, Samples> whole = new LinkedHashMap<>();
        if (baseline.isPresent()) {
            // The earlier guestdata's figures, measured by run-inject-bench in this same run, first: the reference.
            Map<String, Samples> earlier = jmhJson(baseline.get());
            results.put(baselineLabel + ": in-process ext2fs (JMH, warm JVM)",
                    earlier.get(Ext2InjectBenchmark.class.getName() + ".inject"));
            Samples earlierWhole = earlier.get(WholeInjectionBenchmark.class.getName() + ".inject");
            if (earlierWhole != null) {
                whole.put(baselineLabel + ": whole injection, in-process (DiskInjector, warm JVM)", earlierWhole);
            }
        }
        results.put("in-process ext2fs (JMH, warm JVM)", inProcess(base, work, warmup, iterations));
        if (sandboxRuns > 0) {
            results.putAll(sandboxed(base, work, warmup, sandboxRuns));
            results.put("cold sandboxed worker start (bwrap + JVM + libext2fs, to ready)", coldStarts(5));
        }
        if (oneShotRuns > 0) {
            results.put("one-shot JVM process, ext2fs", oneShot(base, work, oneShotRuns));
        }
        if (debugfsRuns > 0) {
            results.put("debugfs -w -f (process)", debugfs(base, work, debugfsRuns));
        }
        if (guestfishRuns > 0) {
            results.put("guestfish -f (process)", guestfish(base, work, guestfishRuns));
        }
        if (guestfsJavaRuns > 0) {
            results.put("GuestfsFilesystem (libguestfs Java, in this JVM)", guestfsJava(base, work, guestfsJavaRuns));
        }
        print("One injection, open to close", results);
        if (wholeRuns > 0) {
            whole.putAll(whole(base, work, warmup, wholeRuns));
            print("A whole injection (DiskInjector.inject: the image opened and locked, -1, every check, plan, apply,"
                    + " commit)", whole);
        }
    }

    /** {@link WholeInjectionBenchmark} in-process and {@link SandboxedWholeInjectionBenchmark}, one JMH run. */
    private static Map<String, Samples> whole(Path base, Path work, int warmup, int iterations)
            throws RunnerException, IOException, InterruptedException {
        Map<String, Samples> out = new LinkedHashMap<>();
        for (RunResult result : jmh(base, work, warmup, iterations,
                "\\." + WholeInjectionBenchmark.class.getSimpleName() + "\\.inject$",
                "\\." + SandboxedWholeInjectionBenchmark.class.getSimpleName() + "\\.inject$")) {
            boolean sandboxed = result.getParams().getBenchmark().contains(SandboxedWholeInjectionBenchmark.class.getSimpleName());
            Images.run(List.of("e2fsck", "-fn", WholeInjectionBenchmark.lastImage(work, sandboxed).toString()));
            out.put(sandboxed ? "whole injection, sandboxed (warm worker from the pool)"
                    : "whole injection, in-process (DiskInjector, warm JVM)", scores(result));
        }
        return out;
    }

    /** One JMH run (one fork) of the benchmarks matching {@code includes}, on the base image, in {@code work}. */
    private static Collection<RunResult> jmh(Path base, Path work, int warmup, int iterations, String... includes)
            throws RunnerException {
        OptionsBuilder options = new OptionsBuilder();
        for (String include : includes) {
            options.include(include);
        }
        options.param("base", base.toString()).param("work", work.toString())
                .warmupIterations(warmup).measurementIterations(iterations).forks(1);
        return new Runner(options.build()).run();
    }

    /** The per-iteration scores of one benchmark's run. */
    private static Samples scores(RunResult result) {
        List<Double> ms = new ArrayList<>();
        result.getBenchmarkResults().forEach(b -> b.getIterationResults()
                .forEach(i -> ms.add(i.getPrimaryResult().getScore())));
        return new Samples(ms);
    }

    /** Per-iteration scores of every benchmark in a JMH JSON result file ({@code -rf json}), by benchmark name. */
    static Map<String, Samples> jmhJson(Path file) throws IOException {
        Map<String, Samples> out = new LinkedHashMap<>();
        for (JsonNode run : new ObjectMapper().readTree(file.toFile())) {
            List<Double> ms = new ArrayList<>();
            for (JsonNode fork : run.path("primaryMetric").path("rawData")) {
                fork.forEach(v -> ms.add(v.asDouble()));
            }
            if (!ms.isEmpty()) {
                out.put(run.path("benchmark").asText(), new Samples(ms));
            }
        }
        return out;
    }

    // --- contenders ------------------------------------------------------------------------------

    private static Samples inProcess(Path base, Path work, int warmup, int iterations)
            throws RunnerException, IOException, InterruptedException {
        List<Double> ms = new ArrayList<>();
        for (RunResult result : jmh(base, work, warmup, iterations, Ext2InjectBenchmark.class.getName() + ".inject")) {
            ms.addAll(scores(result).ms());
        }
        Images.verify(work.resolve("jmh.img"), "in-process ext2fs");
        return new Samples(ms);
    }

    /** {@link SandboxInjectBenchmark}: in-process and sandboxed (warm worker from the pool) in one JMH run. */
    private static Map<String, Samples> sandboxed(Path base, Path work, int warmup, int iterations)
            throws RunnerException, IOException, InterruptedException {
        Map<String, Samples> out = new LinkedHashMap<>();
        for (RunResult result : jmh(base, work, warmup, iterations, SandboxInjectBenchmark.class.getName() + ".inject")) {
            String mode = result.getParams().getParam("mode");
            Images.verify(work.resolve("jmh-" + mode + ".img"), mode + " ext2fs");
            out.put(mode.equals("sandboxed") ? "sandboxed ext2fs (JMH, warm worker from the pool)"
                    : "in-process ext2fs (JMH, same run as sandboxed)", scores(result));
        }
        return out;
    }

    /** Start to ready of a worker that was not pre-started: what an injection waits when the pool is empty. */
    private static Samples coldStarts(int runs) throws InterruptedException {
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            try (Ext2fsSandbox sandbox = Ext2fsSandbox.start(SandboxSettings.defaults().withPoolSize(1)
                    .withWarmupRounds(0))) {
                while (sandbox.idleWorkers() < 1) {
                    Thread.sleep(1);
                }
                ms.add((System.nanoTime() - start) / 1e6);
            }
        }
        return new Samples(ms);
    }

    private static Samples oneShot(Path base, Path work, int runs) throws IOException, InterruptedException {
        Path copy = work.resolve("oneshot.img");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String jar = Path.of(InjectBench.class.getProtectionDomain().getCodeSource().getLocation().getPath()).toString();
        List<String> command = List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "--enable-native-access=ALL-UNNAMED", "-cp", jar, InjectBench.class.getName(), "--inject-once",
                copy.toString());
        return processes("one-shot JVM", base, copy, command, 3, runs);
    }

    private static Samples debugfs(Path base, Path work, int runs) throws IOException, InterruptedException {
        Path copy = work.resolve("debugfs.img");
        Path script = Injection.debugfsScript(Files.createDirectories(work.resolve("debugfs")));
        return processes("debugfs", base, copy, List.of("debugfs", "-w", "-f", script.toString(), copy.toString()), 3, runs);
    }

    private static Samples guestfish(Path base, Path work, int runs) throws IOException, InterruptedException {
        Path copy = work.resolve("guestfish.img");
        Path script = Injection.guestfishScript(Files.createDirectories(work.resolve("guestfish")));
        return processes("guestfish", base, copy, List.of("guestfish", "--format=raw", "-a", copy.toString(), "-m",
                "/dev/sda", "-f", script.toString()), 0, runs);
    }

    /** Runs {@code command} on a fresh copy per run (copy not timed), after {@code warmup} untimed runs. */
    private static Samples processes(String who, Path base, Path copy, List<String> command, int warmup, int runs)
            throws IOException, InterruptedException {
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < warmup + runs; i++) {
            Images.freshCopy(base, copy);
            long start = System.nanoTime();
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            int exit = p.waitFor();
            long nanos = System.nanoTime() - start;
            if (exit != 0) {
                throw new IllegalStateException(who + " exited " + exit + ": " + new String(out));
            }
            if (i >= warmup) {
                ms.add(nanos / 1e6);
                System.out.printf(Locale.ROOT, "%s run %d: %.1f ms%n", who, i - warmup + 1, nanos / 1e6);
            }
        }
        Images.verify(copy, who);
        return new Samples(ms);
    }

    private static Samples guestfsJava(Path base, Path work, int runs)
            throws IOException, InterruptedException, GuestFsException {
        Path copy = work.resolve("guestfs-java.img");
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            Images.freshCopy(base, copy);
            long start = System.nanoTime();
            try (GuestfsFilesystem fs = GuestfsFilesystem.open(copy, "raw", new InjectPartition.WholeDisk(), false)) {
                Injection.apply(fs);
            }
            long nanos = System.nanoTime() - start;
            ms.add(nanos / 1e6);
            System.out.printf(Locale.ROOT, "GuestfsFilesystem run %d: %.1f ms%n", i + 1, nanos / 1e6);
            Images.verify(copy, "GuestfsFilesystem");
        }
        return new Samples(ms);
    }

    // --- report ------------------------------------------------------------------------------------

    /** Per-injection times in milliseconds. */
    record Samples(List<Double> ms) {
        double quantile(double q) {
            List<Double> sorted = ms.stream().sorted().toList();
            int rank = (int) Math.ceil(q * sorted.size()); // nearest rank
            return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
        }

        double median() {
            List<Double> sorted = ms.stream().sorted().toList();
            int n = sorted.size();
            return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
        }

        double min() {
            return ms.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        }

        double max() {
            return ms.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        }
    }

    private static void print(String title, Map<String, Samples> results) {
        Samples reference = results.values().iterator().next();
        System.out.println();
        System.out.println("## " + title);
        System.out.println();
        System.out.println("| way | n | median | p90 | min | max | median ÷ first row |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|");
        for (Map.Entry<String, Samples> e : results.entrySet()) {
            Samples s = e.getValue();
            System.out.printf(Locale.ROOT, "| %s | %d | %s | %s | %s | %s | %s |%n", e.getKey(), s.ms().size(),
                    time(s.median()), time(s.quantile(0.9)), time(s.min()), time(s.max()),
                    s == reference ? "1" : String.format(Locale.ROOT, "%.1f×", s.median() / reference.median()));
        }
        System.out.println();
        double in = reference.median();
        results.forEach((name, s) -> {
            if (name.contains("sandboxed") && !name.startsWith("cold")) {
                System.out.printf(Locale.ROOT, "%s: median %.1f ms, p90 %.1f ms: %s the 20 ms target%n", name,
                        s.median(), s.quantile(0.9), s.median() < 20 ? "under" : "NOT under");
            }
        });
        results.forEach((name, s) -> {
            if (name.startsWith("guestfish")) {
                double ratio = s.median() / in;
                System.out.printf(Locale.ROOT, "guestfish ÷ in-process = %.0f× (target ≥ 100×: %s)%n", ratio,
                        ratio >= 100 ? "met" : "NOT met");
            }
            if (name.startsWith("debugfs")) {
                System.out.printf(Locale.ROOT, "debugfs ÷ in-process = %.2f×%n", s.median() / in);
            }
        });
    }

    private static String time(double ms) {
        return ms >= 1000 ? String.format(Locale.ROOT, "%.2f s", ms / 1000) : String.format(Locale.ROOT, "%.1f ms", ms);
    }

    private static Map<String, String> arguments(String[] args) {
        Map<String, String> a = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got " + List.of(args));
            }
            a.put(args[i].substring(2), args[++i]);
        }
        return a;
    }

    private static String required(Map<String, String> a, String name) {
        String v = a.get(name);
        if (v == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return v;
    }
}
