package io.guestdata.inject.sandbox;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How the ext2fs sandbox runs its workers (docs/injection.md, "The ext2fs sandbox").
 *
 * @param searchPath       directories where {@code bwrap}, {@code prlimit}, {@code setpriv} and
 *                         {@code mke2fs} are looked up (the {@code PATH} the command was given)
 * @param javaHome         the JDK the worker runs on (this process's, by default), bound read-only
 * @param poolSize         workers kept started and initialised, waiting for an injection (0: each
 *                         injection starts its own)
 * @param warmupRounds     how many times a pooled worker runs a small injection on an image of its
 *                         own (made with mke2fs) before it is offered, so the first real one does not
 *                         run cold; 0 for a one-shot command, which would only wait for it
 * @param heapMiB          the worker's Java heap (-Xmx); its data segment limit (RLIMIT_DATA) is
 *                         this plus {@link #NATIVE_MARGIN_MIB}, its address space (RLIMIT_AS) this
 *                         plus {@link #ADDRESS_MARGIN_MIB}
 * @param cpuSeconds       RLIMIT_CPU of a worker's whole life: a backstop behind the timeouts
 * @param callTimeout      most time one call (an open, a lookup, a write, the close with its commit)
 *                         may take before the parent kills the worker
 * @param injectionTimeout most time one injection may hold its worker
 * @param startTimeout     most time a worker may take to start and say it is ready
 * @param chunkKiB         the most a sequential read of the worker fetches ahead from the parent (scattered reads fetch only their 4 KiB pages)
 * @param cacheMiB         how much of the image one open filesystem in the worker may cache
 */
public record SandboxSettings(List<Path> searchPath, Path javaHome, int poolSize, int warmupRounds, int heapMiB,
                              int cpuSeconds, Duration callTimeout, Duration injectionTimeout, Duration startTimeout,
                              int chunkKiB, int cacheMiB) {

    /** The worker's native memory above its heap: metaspace, code cache, thread stacks, libext2fs' own. */
    public static final int NATIVE_MARGIN_MIB = 192;
    /** Address space above the heap: the JVM reserves (without using) class space, code cache and CDS. */
    public static final int ADDRESS_MARGIN_MIB = 1024;
    /** Where tools are looked up when the environment has no PATH. */
    public static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    public SandboxSettings {
        searchPath = List.copyOf(searchPath);
        Objects.requireNonNull(javaHome, "javaHome");
        Objects.requireNonNull(callTimeout, "callTimeout");
        Objects.requireNonNull(injectionTimeout, "injectionTimeout");
        Objects.requireNonNull(startTimeout, "startTimeout");
        if (poolSize < 0 || poolSize > 64) {
            throw new IllegalArgumentException("pool size must be 0 to 64, got " + poolSize);
        }
        if (warmupRounds < 0 || warmupRounds > 100) {
            throw new IllegalArgumentException("warm-up rounds must be 0 to 100, got " + warmupRounds);
        }
        if (heapMiB < 64 || heapMiB > 65536) {
            throw new IllegalArgumentException("worker heap must be 64 to 65536 MiB, got " + heapMiB);
        }
        if (cpuSeconds < 1) {
            throw new IllegalArgumentException("worker CPU limit must be at least 1 s, got " + cpuSeconds);
        }
        for (Duration d : List.of(callTimeout, injectionTimeout, startTimeout)) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("timeouts must be positive, got " + d);
            }
        }
        if (chunkKiB < 4 || chunkKiB > 1024 || Integer.bitCount(chunkKiB) != 1) {
            throw new IllegalArgumentException("chunk must be a power of two from 4 to 1024 KiB, got " + chunkKiB);
        }
        if (cacheMiB < 2) {
            throw new IllegalArgumentException("cache must be at least 2 MiB, got " + cacheMiB);
        }
    }

    /**
     * The defaults, with tools looked up in the {@code PATH} of {@code environment} (or
     * {@link #DEFAULT_PATH}): one warm worker, twenty warm-up rounds (in the
     * background, part of a worker's start; with five, a tenant's injection took a third longer), a 384
     * MiB heap (the most one injection may change, 256 MiB, is held in the worker until the commit), 60 s of CPU, 30 s per
     * call, 300 s per injection, 30 s to start, 128 KiB chunks, a 64 MiB cache.
     */
    public static SandboxSettings fromEnvironment(Map<String, String> environment) {
        String path = environment.getOrDefault("PATH", "");
        if (path.isBlank()) {
            path = DEFAULT_PATH;
        }
        List<Path> dirs = Arrays.stream(path.split(":")).filter(d -> !d.isBlank() && d.startsWith("/"))
                .map(Path::of).toList();
        return new SandboxSettings(dirs, Path.of(System.getProperty("java.home")), 1, 20, 384, 60,
                Duration.ofSeconds(30), Duration.ofSeconds(300), Duration.ofSeconds(30), 128, 64);
    }

    /** {@link #fromEnvironment} with this process's environment. */
    public static SandboxSettings defaults() {
        return fromEnvironment(System.getenv());
    }

    public SandboxSettings withSearchPath(List<Path> dirs) {
        return new SandboxSettings(dirs, javaHome, poolSize, warmupRounds, heapMiB, cpuSeconds, callTimeout,
                injectionTimeout, startTimeout, chunkKiB, cacheMiB);
    }

    public SandboxSettings withPoolSize(int size) {
        return new SandboxSettings(searchPath, javaHome, size, warmupRounds, heapMiB, cpuSeconds, callTimeout,
                injectionTimeout, startTimeout, chunkKiB, cacheMiB);
    }

    public SandboxSettings withWarmupRounds(int rounds) {
        return new SandboxSettings(searchPath, javaHome, poolSize, rounds, heapMiB, cpuSeconds, callTimeout,
                injectionTimeout, startTimeout, chunkKiB, cacheMiB);
    }

    public SandboxSettings withHeapMiB(int heap) {
        return new SandboxSettings(searchPath, javaHome, poolSize, warmupRounds, heap, cpuSeconds, callTimeout,
                injectionTimeout, startTimeout, chunkKiB, cacheMiB);
    }

    public SandboxSettings withCpuSeconds(int seconds) {
        return new SandboxSettings(searchPath, javaHome, poolSize, warmupRounds, heapMiB, seconds, callTimeout,
                injectionTimeout, startTimeout, chunkKiB, cacheMiB);
    }

    public SandboxSettings withCallTimeout(Duration timeout) {
        return new SandboxSettings(searchPath, javaHome, poolSize, warmupRounds, heapMiB, cpuSeconds, timeout,
                injectionTimeout, startTimeout, chunkKiB, cacheMiB);
    }

    public SandboxSettings withInjectionTimeout(Duration timeout) {
        return new SandboxSettings(searchPath, javaHome, poolSize, warmupRounds, heapMiB, cpuSeconds, callTimeout,
                timeout, startTimeout, chunkKiB, cacheMiB);
    }

    public SandboxSettings withChunkKiB(int kib) {
        return new SandboxSettings(searchPath, javaHome, poolSize, warmupRounds, heapMiB, cpuSeconds, callTimeout,
                injectionTimeout, startTimeout, kib, cacheMiB);
    }
}
