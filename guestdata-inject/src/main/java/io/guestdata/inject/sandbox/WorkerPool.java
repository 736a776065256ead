package io.guestdata.inject.sandbox;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import io.guestdata.inject.fs.GuestFsException;

/**
 * Workers started ahead of need: {@code poolSize} of them are kept started, ready and warmed up
 * ({@link Warmup}), waiting on their stdin, so an injection does not pay for a JVM start. A worker
 * {@link #take() taken} belongs to one injection and is then discarded; its replacement starts in
 * the background when that injection ends ({@link #released()}), or {@link #REPLACEMENT_DELAY}
 * after it began, whichever comes first: a JVM start takes about half a second of CPU, which the
 * injection would otherwise compete with on a small machine. Closing the pool kills the idle ones.
 *
 * <p>Workers are started on the pool's own platform threads, which live until the pool is closed:
 * bubblewrap's {@code --die-with-parent} (the parent-death signal) follows the thread that started
 * the sandbox, so a worker started from a short-lived thread (a request's virtual thread, an idle
 * carrier) would be killed when that thread ended. When this process dies, every worker dies with it.
 */
final class WorkerPool implements AutoCloseable {

    private final BubblewrapLauncher launcher;
    private final SandboxSettings settings;
    private final ScheduledExecutorService timer;
    private final ExecutorService starters;
    private final Warmup warmup;
    /** How long a taken worker's replacement waits for the injection to end before it starts anyway. */
    static final java.time.Duration REPLACEMENT_DELAY = java.time.Duration.ofSeconds(2);

    private final Deque<Future<WorkerProcess>> waiting = new ArrayDeque<>();
    private final Set<WorkerProcess> notTaken = new HashSet<>();
    private final Set<WorkerProcess> warm = new HashSet<>();
    private final CompletableFuture<Optional<String>> verdict = new CompletableFuture<>();
    private boolean closed;

    WorkerPool(BubblewrapLauncher launcher, ScheduledExecutorService timer) {
        this.launcher = launcher;
        this.settings = launcher.settings();
        this.timer = timer;
        this.warmup = new Warmup(settings);
        AtomicInteger n = new AtomicInteger();
        // Fixed threads never time out: a worker's parent-death signal follows the thread that started it.
        this.starters = Executors.newFixedThreadPool(Math.max(2, settings.poolSize() + 1),
                r -> Thread.ofPlatform().daemon().name("guestdata-sandbox-starter-" + n.incrementAndGet()).unstarted(r));
        synchronized (this) {
            topUp();
        }
    }

    /** Starts workers until {@code poolSize} are ready or starting. */
    private void topUp() {
        while (!closed && waiting.size() < settings.poolSize()) {
            waiting.addLast(starters.submit(this::launch));
        }
    }

    /**
     * Starts one worker now, beyond the pool size and without a replacement after it is taken: a
     * one-shot command's single injection.
     */
    synchronized void prestart() {
        if (!closed) {
            waiting.addLast(starters.submit(this::launch));
        }
    }

    /** An injection that took a worker ended: its replacement may start now. */
    synchronized void released() {
        topUp();
    }

    private WorkerProcess launch() throws SandboxUnavailableException, WorkerException, GuestFsException {
        WorkerProcess worker;
        try {
            worker = WorkerProcess.start(launcher, timer);
        } catch (SandboxUnavailableException e) {
            verdict.complete(Optional.of(e.getMessage()));
            throw e;
        }
        verdict.complete(Optional.empty());
        synchronized (this) {
            if (closed) {
                worker.close();
                throw new WorkerException("was not needed any more: the sandbox was closed", true);
            }
            notTaken.add(worker);
        }
        try {
            warmup.run(worker);
        } catch (GuestFsException | RuntimeException e) {
            discard(worker);
            throw e;
        }
        worker.resetStats();
        synchronized (this) {
            warm.add(worker);
        }
        return worker;
    }

    private synchronized void discard(WorkerProcess worker) {
        notTaken.remove(worker);
        warm.remove(worker);
        worker.close();
    }

    /**
     * A ready worker for one injection: a warm one if there is one (a replacement starts at once),
     * else one started now.
     *
     * @throws SandboxUnavailableException the sandbox cannot run here
     * @throws WorkerException             no worker could be started (the message says how it failed)
     */
    WorkerProcess take() throws SandboxUnavailableException, WorkerException {
        WorkerException last = null;
        for (int attempt = 0; attempt < 2; attempt++) {
            Future<WorkerProcess> next;
            synchronized (this) {
                if (closed) {
                    throw new WorkerException("could not be started: the sandbox is closed", true);
                }
                next = waiting.pollFirst();
                if (next == null) {
                    next = starters.submit(this::launch);
                    topUp(); // none was warm: the pool is behind, catch up at once
                } else {
                    timer.schedule(this::released, REPLACEMENT_DELAY.toMillis(), TimeUnit.MILLISECONDS);
                }
            }
            WorkerProcess worker;
            try {
                worker = next.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new WorkerException("could not be started: interrupted while waiting for it", true);
            } catch (ExecutionException e) {
                switch (e.getCause()) {
                    case SandboxUnavailableException u -> throw u;
                    case WorkerException w -> last = w;
                    case GuestFsException g -> last = new WorkerException("failed its warm-up: " + g.getMessage(), true);
                    default -> last = new WorkerException("could not be started: " + e.getCause(), true);
                }
                continue;
            }
            synchronized (this) {
                notTaken.remove(worker);
                warm.remove(worker);
            }
            if (worker.usable()) {
                return worker;
            }
            last = new WorkerException("could not be started: the warm worker had died (it "
                    + worker.death().orElse("was gone") + ")", true);
            worker.close();
        }
        throw last;
    }

    /**
     * Why the sandbox cannot run here, or empty: waits for the first worker's start to tell
     * (bubblewrap refusing to run says so at once), starting one if none is on its way.
     */
    Optional<String> unavailable() {
        synchronized (this) {
            if (!verdict.isDone() && waiting.isEmpty() && !closed) {
                waiting.addLast(starters.submit(this::launch));
            }
        }
        try {
            return verdict.get(settings.startTimeout().toMillis() + 5000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (ExecutionException | TimeoutException e) {
            return Optional.empty(); // not known to be unusable: a start will say what went wrong
        }
    }

    /** Workers started, warmed up and waiting to be taken. */
    synchronized int idle() {
        return (int) warm.stream().filter(WorkerProcess::usable).count();
    }

    /** Why workers are not warmed up, or "". */
    String warmupProblem() {
        return warmup.problem();
    }

    /**
     * Kills the workers not taken and stops starting new ones. Workers still held by injections
     * end too: their starting threads end, and the parent-death signal takes them.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            for (WorkerProcess w : notTaken) {
                w.close();
            }
            notTaken.clear();
            warm.clear();
            for (Future<WorkerProcess> f : waiting) {
                f.cancel(false);
            }
            waiting.clear();
        }
        starters.shutdown();
    }
}
