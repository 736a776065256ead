package io.guestdata.inject.sandbox;

import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.guestdata.inject.fs.Ext2Filesystem;
import io.guestdata.inject.fs.FilesystemWindow;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.fs.WindowChange;
import io.guestdata.inject.sandbox.WorkerProtocol.Frame;

/**
 * The parent's side of one sandboxed worker: the process, its pipes, and the windows it may read.
 *
 * <p>A {@link #call} sends one request and, until the answer comes, serves the worker: its
 * fetches are read from the registered window (checked against the window first; the worker
 * names a handle, never a file) and its changes, during the close of a writable filesystem, are
 * checked (inside the window, ascending, not overlapping, no more than one open may change) and
 * committed to the window in one {@link FilesystemWindow#commit}, through the image's undo
 * journal. Every call has a time limit: a worker that does not answer in time is killed, and so
 * is one that breaks the protocol. A worker that died is never asked again; its death is
 * described from its exit status and its stderr ("died with signal 11 (SIGSEGV)", "ran out of
 * memory", "did not answer within 30 s").
 *
 * <p>Calls are serialised; {@link #kill} may come from any thread (the time limits).
 */
final class WorkerProcess implements AutoCloseable {

    /** The token the worker sees instead of the parent's commit error (which names the image). */
    static final String COMMIT_FAILURE_TOKEN = "⟪commit failure⟫";

    private final Process process;
    private final FrameChannel channel;
    private final StderrTail stderr;
    private final ScheduledExecutorService timer;
    private final SandboxSettings settings;
    private final AtomicReference<String> killedBecause = new AtomicReference<>();
    private final Map<Integer, Served> windows = new HashMap<>();
    private int nextHandle = 1;
    private String death;
    private String commitFailure = "";
    /** The time limit of the call in progress (paused while this process commits). */
    private ScheduledFuture<?> callAlarm;
    private final java.util.Set<Integer> committed = new java.util.HashSet<>();
    private Stats stats = new Stats();

    /** A window the worker may read through a handle, and whether it may commit to it. */
    private record Served(FilesystemWindow window, boolean writable, String token) {
    }

    /** What crossed the pipe, for tests and benchmarks. */
    static final class Stats {
        long requests;
        long fetches;
        long fetchedBytes;
        long committedBytes;
        long callNanos;
        long fetchNanos;
        long commitNanos;

        @Override
        public String toString() {
            return requests + " requests, " + fetches + " fetches (" + fetchedBytes / 1024 + " KiB), "
                    + committedBytes / 1024 + " KiB committed; " + callNanos / 1000 + " µs in calls, of which "
                    + fetchNanos / 1000 + " µs reading fetches here and " + commitNanos / 1000 + " µs committing";
        }
    }

    private WorkerProcess(Process process, SandboxSettings settings, ScheduledExecutorService timer) {
        this.process = process;
        this.settings = settings;
        this.timer = timer;
        this.channel = new FrameChannel(process.getInputStream(), process.getOutputStream());
        this.stderr = StderrTail.drain(process.getErrorStream(), "guestdata-sandbox-stderr-" + process.pid());
    }

    /**
     * Starts a worker and waits until it is ready (JVM up, libext2fs loaded). Call this from a
     * thread that outlives the worker (bwrap's {@code --die-with-parent} follows the starting thread).
     *
     * @throws SandboxUnavailableException bubblewrap (or prlimit, setpriv) is missing or refused to run
     * @throws WorkerException             the worker did not come up (the message says how it ended)
     */
    static WorkerProcess start(BubblewrapLauncher launcher, ScheduledExecutorService timer)
            throws SandboxUnavailableException, WorkerException {
        SandboxSettings settings = launcher.settings();
        return start(launcher, timer, Ext2fsWorker.class, List.of(Integer.toString(settings.chunkKiB() << 10),
                Long.toString((long) settings.cacheMiB() << 20)));
    }

    /** As {@link #start(BubblewrapLauncher, ScheduledExecutorService)}, with another worker class (tests: a hostile one). */
    static WorkerProcess start(BubblewrapLauncher launcher, ScheduledExecutorService timer, Class<?> main,
                               List<String> args) throws SandboxUnavailableException, WorkerException {
        SandboxSettings settings = launcher.settings();
        List<String> command = launcher.command(main, args);
        Process process;
        try {
            process = launcher.start(command);
        } catch (IOException e) {
            throw new SandboxUnavailableException("cannot run " + command.getFirst() + ": " + e.getMessage());
        }
        WorkerProcess worker = new WorkerProcess(process, settings, timer);
        worker.awaitReady();
        return worker;
    }

    private void awaitReady() throws SandboxUnavailableException, WorkerException {
        Duration limit = settings.startTimeout();
        ScheduledFuture<?> alarm = timer.schedule(() -> kill("did not start within " + seconds(limit)
                + " (the start limit)"), limit.toMillis(), TimeUnit.MILLISECONDS);
        try {
            Frame f = channel.receive(64);
            DataInputStream in = f.in();
            if (f.type() != WorkerProtocol.READY || in.readInt() != WorkerProtocol.MAGIC
                    || in.readInt() != WorkerProtocol.VERSION) {
                throw protocol("it did not introduce itself as a worker of this build");
            }
        } catch (IOException e) {
            String how = died();
            for (String tool : List.of("bwrap: ", "setpriv: ", "prlimit: ")) {
                Optional<String> line = stderr.line(tool);
                if (line.isPresent()) {
                    throw new SandboxUnavailableException(tool.substring(0, tool.length() - 2) + " cannot run here: "
                            + line.get().substring(tool.length()));
                }
            }
            throw new WorkerException("could not be started: it " + how, true);
        } finally {
            alarm.cancel(false);
        }
    }

    /** Kills the worker when the call in progress takes longer than the per-call limit. */
    private ScheduledFuture<?> startCallAlarm() {
        Duration limit = settings.callTimeout();
        return timer.schedule(() -> kill("did not answer within " + seconds(limit) + " (the per-call limit) and was"
                + " killed"), limit.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Makes {@code window} readable by the worker under a new handle. */
    synchronized int register(FilesystemWindow window, boolean writable) {
        int handle = nextHandle++;
        windows.put(handle, new Served(window, writable, token(handle)));
        return handle;
    }

    /** Whether the changes of window {@code handle} were committed. */
    synchronized boolean committed(int handle) {
        return committed.contains(handle);
    }

    synchronized void release(int handle) {
        windows.remove(handle);
    }

    /** What the worker calls window {@code handle} in its messages. */
    static String token(int handle) {
        return "⟪window " + handle + "⟫";
    }

    /** Reads a result payload. */
    @FunctionalInterface
    interface Result<T> {
        T read(DataInputStream in) throws IOException;
    }

    /**
     * Sends one request for window {@code handle} and serves the worker until it answers.
     *
     * @param maxResult the longest answer accepted (a file read's limit)
     * @throws GuestFsException the worker's libext2fs work failed or refused (its exception, rebuilt)
     * @throws WorkerException  the worker failed outside libext2fs, or died, hung, or broke the protocol
     */
    synchronized <T> T call(byte type, int handle, long nowMillis, WorkerProtocol.Body body, Result<T> result,
                            int maxResult) throws GuestFsException, WorkerException {
        if (death != null) {
            throw WorkerException.diedEarlier(death);
        }
        callAlarm = startCallAlarm();
        int closing = type == WorkerProtocol.CLOSE ? handle : 0;
        List<WindowChange> changes = new ArrayList<>();
        boolean committed = false;
        long started = System.nanoTime();
        try {
            stats.requests++;
            channel.send(type, WorkerProtocol.payload(out -> {
                out.writeInt(handle);
                out.writeLong(nowMillis);
                body.write(out);
            }));
            while (true) {
                Frame f = channel.receive(Math.max(WorkerProtocol.MAX_WORKER_FRAME, maxResult + 64));
                switch (f.type()) {
                    case WorkerProtocol.FETCH -> fetch(f);
                    case WorkerProtocol.FETCH_MANY -> fetchMany(f);
                    case WorkerProtocol.COMMIT_PART -> {
                        if (committed) {
                            throw protocol("changes after the commit");
                        }
                        changes.add(part(f, closing, changes));
                    }
                    case WorkerProtocol.COMMIT_END -> {
                        if (committed) {
                            throw protocol("a second commit");
                        }
                        commit(f, closing, changes);
                        committed = true;
                        changes = List.of();
                    }
                    case WorkerProtocol.RESULT -> {
                        return readResult(f, result);
                    }
                    case WorkerProtocol.ERROR -> throw readError(f);
                    case WorkerProtocol.FAILURE -> throw new WorkerException("failed: "
                            + WorkerProtocol.printable(readText(f)), false);
                    default -> throw protocol("an unexpected frame of type " + f.type());
                }
            }
        } catch (FrameChannel.FrameTooLongException e) {
            kill("broke the protocol (" + e.getMessage() + ") and was killed");
            throw new WorkerException(died(), true);
        } catch (IOException e) {
            throw new WorkerException(died(), true);
        } finally {
            callAlarm.cancel(false);
            stats.callNanos += System.nanoTime() - started;
        }
    }

    private <T> T readResult(Frame f, Result<T> result) throws WorkerException {
        try {
            return result.read(f.in());
        } catch (IOException | RuntimeException e) {
            throw protocol("an unreadable result: " + e.getMessage());
        }
    }

    private GuestFsException readError(Frame f) throws WorkerException {
        try {
            return WorkerProtocol.readError(f.in(), this::restore);
        } catch (IOException | RuntimeException e) {
            throw protocol("an unreadable error: " + e.getMessage());
        }
    }

    private static String readText(Frame f) throws WorkerException {
        try {
            return f.in().readUTF();
        } catch (IOException e) {
            return "(unreadable)";
        }
    }

    /** Puts back the window descriptions and the commit error the worker knew only by tokens. */
    private String restore(String text) {
        String t = text.replace(COMMIT_FAILURE_TOKEN, commitFailure);
        for (Served s : windows.values()) {
            t = t.replace(s.token(), s.window().describe());
        }
        return t;
    }

    /** Serves a fetch: bytes of a registered window, inside it, at most {@link WorkerProtocol#MAX_FETCH}. */
    private void fetch(Frame f) throws IOException, WorkerException {
        int handle;
        long position;
        int length;
        try {
            DataInputStream in = f.in();
            handle = in.readInt();
            position = in.readLong();
            length = in.readInt();
        } catch (IOException e) {
            throw protocol("an unreadable fetch");
        }
        serve(handle, new long[] {position}, new int[] {length});
    }

    /**
     * Serves a batch of ranges of one window (the census's directory blocks): each inside it, at
     * most {@link WorkerProtocol#MAX_FETCH_RANGES} of them and {@link WorkerProtocol#MAX_FETCH} bytes
     * in all, answered by one DATA frame.
     */
    private void fetchMany(Frame f) throws IOException, WorkerException {
        int handle;
        long[] positions;
        int[] lengths;
        try {
            DataInputStream in = f.in();
            handle = in.readInt();
            int count = in.readInt();
            if (count < 1 || count > WorkerProtocol.MAX_FETCH_RANGES) {
                throw protocol("a fetch of " + count + " ranges");
            }
            positions = new long[count];
            lengths = new int[count];
            for (int i = 0; i < count; i++) {
                positions[i] = in.readLong();
                lengths[i] = in.readInt();
            }
        } catch (IOException e) {
            throw protocol("an unreadable fetch");
        }
        serve(handle, positions, lengths);
    }

    /** Reads the ranges from the window (after checking each lies inside it) and sends them as one DATA frame. */
    private void serve(int handle, long[] positions, int[] lengths) throws IOException, WorkerException {
        Served served = windows.get(handle);
        if (served == null) {
            throw protocol("a fetch from window " + handle + ", which it was not given");
        }
        long size = served.window().size();
        long total = 0;
        for (int i = 0; i < positions.length; i++) {
            long position = positions[i];
            int length = lengths[i];
            if (length < 0 || length > WorkerProtocol.MAX_FETCH || position < 0 || position > size
                    || length > size - position) {
                throw protocol("a fetch of " + length + " bytes at " + position + " of a " + size + "-byte window");
            }
            total += length;
        }
        if (total > WorkerProtocol.MAX_FETCH) {
            throw protocol("a fetch of " + total + " bytes in all");
        }
        byte[] data = new byte[(int) total];
        long started = System.nanoTime();
        int at = 0;
        for (int i = 0; i < positions.length; i++) {
            try {
                served.window().read(positions[i], ByteBuffer.wrap(data, at, lengths[i]));
            } catch (IOException e) {
                // The message would name the image: the worker learns only that the read failed.
                long position = positions[i];
                int length = lengths[i];
                channel.send(WorkerProtocol.FETCH_FAILED, WorkerProtocol.payload(out -> out.writeUTF(
                        "the parent could not read " + length + " bytes at " + position + " of the window")));
                return;
            }
            at += lengths[i];
        }
        stats.fetches++;
        stats.fetchedBytes += total;
        stats.fetchNanos += System.nanoTime() - started;
        channel.send(WorkerProtocol.DATA, data);
    }

    /** One run of changes, checked: for the window being closed, writable, inside it, after the previous run. */
    private WindowChange part(Frame f, int closing, List<WindowChange> earlier) throws WorkerException {
        int handle;
        long position;
        byte[] bytes;
        try {
            DataInputStream in = f.in();
            handle = in.readInt();
            position = in.readLong();
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw protocol("an unreadable change");
        }
        Served served = windows.get(handle);
        if (served == null || handle != closing || !served.writable()) {
            throw protocol("a change to window " + handle + ", which is not a writable window being closed");
        }
        long size = served.window().size();
        if (bytes.length > WorkerProtocol.MAX_COMMIT_PART || position < 0 || position > size
                || bytes.length > size - position) {
            throw protocol("a change of " + bytes.length + " bytes at " + position + ", outside the " + size
                    + "-byte window");
        }
        long end = earlier.isEmpty() ? 0 : earlier.getLast().end();
        if (position < end) {
            throw protocol("a change at " + position + " before the end of the previous one (" + end + ")");
        }
        long total = earlier.stream().mapToLong(c -> c.bytes().length).sum() + bytes.length;
        if (total > Ext2Filesystem.MAX_CHANGED_BYTES) {
            throw protocol("more than " + Ext2Filesystem.MAX_CHANGED_BYTES + " bytes of changes");
        }
        return new WindowChange(position, bytes);
    }

    /** The changes are complete: commit them to the window at once, and tell the worker how it went. */
    private void commit(Frame f, int closing, List<WindowChange> changes) throws IOException, WorkerException {
        int handle;
        int parts;
        long total;
        try {
            DataInputStream in = f.in();
            handle = in.readInt();
            parts = in.readInt();
            total = in.readLong();
        } catch (IOException e) {
            throw protocol("an unreadable end of the changes");
        }
        long sum = changes.stream().mapToLong(c -> c.bytes().length).sum();
        if (handle != closing || parts != changes.size() || total != sum) {
            throw protocol("an end of " + parts + " changes (" + total + " bytes) after " + changes.size() + " ("
                    + sum + " bytes)");
        }
        Served served = windows.get(handle);
        if (served == null || !served.writable()) {
            throw protocol("a commit to window " + handle + ", which is not writable");
        }
        long started = System.nanoTime();
        // The commit is this process's own work (the undo journal, fsync): not the worker's time.
        callAlarm.cancel(false);
        try {
            served.window().commit(changes);
        } catch (IOException e) {
            commitFailure = e.getMessage() == null ? e.toString() : e.getMessage();
            channel.send(WorkerProtocol.COMMIT_FAILED, WorkerProtocol.payload(out -> out.writeUTF(COMMIT_FAILURE_TOKEN)));
            return;
        } finally {
            callAlarm = startCallAlarm();
        }
        stats.committedBytes += sum;
        stats.commitNanos += System.nanoTime() - started;
        committed.add(handle);
        channel.send(WorkerProtocol.COMMITTED, new byte[0]);
    }

    /** Kills the worker for breaking the protocol; the exception to throw. */
    private WorkerException protocol(String what) {
        kill("broke the protocol (it sent " + what + ") and was killed");
        return new WorkerException(died(), true);
    }

    /**
     * Kills the worker (the sandbox and everything in it), remembering why for the message; the
     * first reason given wins. Safe from any thread, and quick: bubblewrap is killed, which takes
     * every process of the sandbox with it ({@code --die-with-parent}: its init dies by the
     * parent-death signal, and with it the PID namespace); no walk of /proc.
     */
    void kill(String because) {
        killedBecause.compareAndSet(null, because);
        process.destroyForcibly();
    }

    /** Waits for the worker's end and says how it ended; every later call fails with the same words. */
    private synchronized String died() {
        if (death != null) {
            return death;
        }
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                kill("stopped answering and was killed");
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill("was killed when its caller was interrupted");
        }
        stderr.awaitEnd(2000);
        death = describeDeath();
        return death;
    }

    private String describeDeath() {
        String reason = killedBecause.get();
        if (reason != null) {
            return reason;
        }
        if (process.isAlive()) {
            return "closed its pipe but did not exit";
        }
        int status = process.exitValue();
        OptionalInt crash = stderr.crashSignal();
        if (crash.isPresent()) {
            return "died with signal " + crash.getAsInt() + " (" + signalName(crash.getAsInt()) + ")"
                    + stderr.crashFrame().map(f -> " in " + f).orElse("");
        }
        if (status == 3 && stderr.text().contains("OutOfMemoryError")) {
            return "ran out of memory (its Java heap is limited to " + settings.heapMiB() + " MiB)";
        }
        if (status > 128 && status < 128 + 65) {
            int signal = status - 128;
            return switch (signal) {
                case 24 -> "died with signal 24 (SIGXCPU): it used up its CPU time limit of " + settings.cpuSeconds()
                        + " s";
                case 25 -> "died with signal 25 (SIGXFSZ): it wrote a file larger than its limit";
                default -> "died with signal " + signal + " (" + signalName(signal) + ")";
            };
        }
        return "exited with status " + status + stderr.lastLine().map(l -> " (" + l + ")").orElse("");
    }

    static String signalName(int signal) {
        return switch (signal) {
            case 1 -> "SIGHUP";
            case 2 -> "SIGINT";
            case 3 -> "SIGQUIT";
            case 4 -> "SIGILL";
            case 5 -> "SIGTRAP";
            case 6 -> "SIGABRT";
            case 7 -> "SIGBUS";
            case 8 -> "SIGFPE";
            case 9 -> "SIGKILL";
            case 11 -> "SIGSEGV";
            case 13 -> "SIGPIPE";
            case 15 -> "SIGTERM";
            case 24 -> "SIGXCPU";
            case 25 -> "SIGXFSZ";
            case 31 -> "SIGSYS";
            default -> "signal " + signal;
        };
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    /** Whether the worker may still be asked something. */
    synchronized boolean usable() {
        return death == null && killedBecause.get() == null && process.isAlive();
    }

    /** How the worker ended, if it did. */
    synchronized Optional<String> death() {
        return Optional.ofNullable(death);
    }

    /** The bwrap process that holds the sandbox. */
    ProcessHandle process() {
        return process.toHandle();
    }

    /** The worker's JVM inside the sandbox (the innermost process), while it runs. */
    Optional<ProcessHandle> jvm() {
        String java = settings.javaHome().resolve("bin/java").getFileName().toString();
        List<ProcessHandle> all = process.descendants().toList();
        return all.stream().filter(p -> p.info().command().map(c -> c.endsWith("/" + java)).orElse(false)).findFirst()
                .or(() -> all.stream().filter(p -> p.children().findAny().isEmpty()).findFirst());
    }

    Stats stats() {
        return stats;
    }

    /** Counts from zero again (after the warm-up, so a session's traffic is its own). */
    synchronized void resetStats() {
        stats = new Stats();
    }

    /** Discards the worker: it is killed (it holds nothing that is not committed or thrown away). */
    @Override
    public void close() {
        kill("was discarded after its injection");
        synchronized (this) {
            if (death == null) {
                death = "was discarded after its injection";
            }
        }
    }

    @Override
    public String toString() {
        return "sandboxed ext2fs worker " + process.pid();
    }
}
