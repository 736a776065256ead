package io.guestdata.inject.sandbox;

import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.guestdata.inject.fs.FilesystemWindow;
import io.guestdata.inject.fs.GuestFilesystem;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.fs.GuestFsException.Kind;
import io.guestdata.inject.fs.OpenMode;

/**
 * One injection's use of the sandbox: every filesystem it opens (the candidates {@code --partition -1}
 * looks into, the dry run's check, the real open) is opened in one worker, taken from the pool at
 * the first open and killed at {@link #close()}: a worker never serves a second injection, so
 * nothing one tenant's image did to it can reach another's.
 *
 * <p>The injection's time limit starts when the worker is taken: at the limit the worker is
 * killed, whatever it is doing, and every later call fails saying so.
 */
public final class SandboxSession implements AutoCloseable {

    private final WorkerPool pool;
    private final ScheduledExecutorService timer;
    private final Duration limit;
    private final InstantSource clock;
    private WorkerProcess worker;
    private ScheduledFuture<?> alarm;
    private boolean closed;

    SandboxSession(WorkerPool pool, ScheduledExecutorService timer, Duration limit, InstantSource clock) {
        this.pool = pool;
        this.timer = timer;
        this.limit = limit;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Opens the ext2/3/4 filesystem that fills {@code window} in this session's worker, with the
     * checks and the results of {@link io.guestdata.inject.fs.Ext2Filesystem#open}.
     *
     * @throws GuestFsException as the in-process open would; or {@link Kind#SANDBOX} when no worker
     *                          could be started or the worker failed
     */
    public synchronized GuestFilesystem open(FilesystemWindow window, OpenMode mode) throws GuestFsException {
        return SandboxedFilesystem.open(worker("open " + window.describe()), window, mode, clock);
    }

    /**
     * As {@link #open}, for a filesystem opened outside an injection: closing it closes this
     * session (and kills its worker); a failed open closes it at once.
     */
    public synchronized GuestFilesystem openOwned(FilesystemWindow window, OpenMode mode) throws GuestFsException {
        try {
            SandboxedFilesystem fs = SandboxedFilesystem.open(worker("open " + window.describe()), window, mode, clock);
            fs.closeAlso(this);
            return fs;
        } catch (GuestFsException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** {@link io.guestdata.inject.fs.Ext2Filesystem#checkWritable}, in this session's worker. */
    public synchronized void checkWritable(FilesystemWindow window) throws GuestFsException {
        SandboxedFilesystem.checkWritable(worker("open " + window.describe()), window, clock);
    }

    private WorkerProcess worker(String operation) throws GuestFsException {
        if (closed) {
            throw new GuestFsException(Kind.SANDBOX, operation, null, "the sandbox session is closed");
        }
        if (worker == null) {
            try {
                worker = pool.take();
            } catch (SandboxUnavailableException e) {
                throw new GuestFsException(Kind.SANDBOX, operation, null, e.getMessage());
            } catch (WorkerException e) {
                throw new GuestFsException(Kind.SANDBOX, operation, null, "the sandboxed ext2fs worker "
                        + e.getMessage() + "; nothing was written");
            }
            WorkerProcess w = worker;
            alarm = timer.schedule(() -> w.kill("was killed when the injection's time limit of " + limit.toSeconds()
                    + " s ran out"), limit.toMillis(), TimeUnit.MILLISECONDS);
        }
        return worker;
    }

    /** The worker's JVM, once one was taken and while it runs (for tests that kill it). */
    public synchronized Optional<ProcessHandle> workerProcess() {
        return worker == null ? Optional.empty() : worker.jvm();
    }

    /** What crossed this session's pipe so far ("12 requests, 5 fetches (640 KiB), 40 KiB committed"). */
    public synchronized String traffic() {
        return worker == null ? "no worker" : worker.stats().toString();
    }

    /** Kills this session's worker, if one was taken. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (alarm != null) {
            alarm.cancel(false);
        }
        if (worker != null) {
            worker.close();
            pool.released();
        }
    }
}
