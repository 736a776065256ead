package io.guestdata.inject.sandbox;

import java.time.InstantSource;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * libext2fs for tenant images, isolated: each injection's filesystem work runs in a worker process
 * of its own, inside bubblewrap ({@link BubblewrapLauncher}: no network, no host file but the JDK,
 * the class path and the shared libraries, an unprivileged user without capabilities, memory, CPU
 * and time limits), which reads the image only through this process and hands its changes back
 * for this process to check and commit. A bug in libext2fs that a crafted image triggers can crash
 * or take over that worker, and nothing else: not this process's memory (the store's credentials,
 * the API token, other tenants' data), not another injection, not a host file.
 *
 * <p>Workers are kept warm in a pool ({@link SandboxSettings#poolSize()}) so an injection costs
 * milliseconds, not a JVM start; each serves one {@link #session session} (one injection) and is
 * then killed. Start this once per process (the CLI command, the service) and close it at the end.
 */
public final class Ext2fsSandbox implements AutoCloseable {

    private final SandboxSettings settings;
    private final ScheduledExecutorService timer;
    private final WorkerPool pool;

    private Ext2fsSandbox(SandboxSettings settings) {
        this.settings = settings;
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name("guestdata-sandbox-timer").factory());
        t.setRemoveOnCancelPolicy(true);
        this.timer = Executors.unconfigurableScheduledExecutorService(t);
        this.pool = new WorkerPool(new BubblewrapLauncher(settings), timer);
    }

    /** Starts the sandbox: {@code poolSize} workers begin starting in the background at once. */
    public static Ext2fsSandbox start(SandboxSettings settings) {
        return new Ext2fsSandbox(Objects.requireNonNull(settings, "settings"));
    }

    /**
     * Starts one worker now, beyond the pool: for a one-shot command (pool size 0), whose single
     * injection then finds it started, and after which nothing is started again.
     */
    public Ext2fsSandbox prestart() {
        pool.prestart();
        return this;
    }

    public SandboxSettings settings() {
        return settings;
    }

    /**
     * Why the sandbox cannot run on this machine (bubblewrap missing or unable to create its
     * namespaces, …), naming what to install and how to do without; empty when it can. May wait
     * for a worker's start to tell.
     */
    public Optional<String> unavailable() {
        return pool.unavailable();
    }

    /** A session for one injection, whose writes are stamped with {@code clock}. */
    public SandboxSession session(InstantSource clock) {
        return new SandboxSession(pool, timer, settings.injectionTimeout(), clock);
    }

    /** Workers started, warmed up and waiting for an injection. */
    public int idleWorkers() {
        return pool.idle();
    }

    /** Why workers are not warmed up (mke2fs missing), or "". */
    public String warmupProblem() {
        return pool.warmupProblem();
    }

    /** Kills the idle workers and stops; workers of injections still running end too. */
    @Override
    public void close() {
        pool.close();
        timer.shutdownNow();
    }

    @Override
    public String toString() {
        return "Ext2fsSandbox[pool " + settings.poolSize() + ", heap " + settings.heapMiB() + " MiB, call "
                + settings.callTimeout().toSeconds() + " s, injection " + settings.injectionTimeout().toSeconds() + " s]";
    }
}
