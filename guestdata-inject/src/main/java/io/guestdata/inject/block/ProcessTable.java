package io.guestdata.inject.block;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * What {@code /proc} says about other processes (proc(5): {@code /proc/PID/stat}, {@code /proc/PID/cmdline}), and
 * stopping one: what {@link QemuStorageExport} and {@link OrphanSweep} need to know whether a daemon or a JVM still
 * runs, and that a pid from a pidfile is still the daemon it was.
 */
final class ProcessTable {
    private ProcessTable() {
    }

    /**
     * Whether {@code pid} is a live process. A zombie counts as gone: an orphaned daemon is reparented to pid 1 (or a
     * subreaper), which may be slow to reap it — or, in some containers, never does. The state is the field after
     * the command name, which is in parentheses and may itself hold spaces and parentheses (proc(5)).
     */
    static boolean isRunning(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            int close = stat.lastIndexOf(')');
            char state = close > 0 && close + 2 < stat.length() ? stat.charAt(close + 2) : 'X';
            return state != 'Z' && state != 'X';
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether the command line of {@code pid} names {@code program} and holds {@code text} (a pid may be reused). */
    static boolean commandLineMentions(long pid, String program, String text) {
        try {
            String cmdline = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
                    StandardCharsets.UTF_8);
            return cmdline.contains(program) && cmdline.contains(text);
        } catch (IOException e) {
            return false;
        }
    }

    /** The pid a pidfile holds; empty when it is missing, empty or not a number. */
    static Optional<Long> readPid(Path file) {
        try {
            String s = Files.readString(file).strip();
            return s.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(s));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** SIGTERM, wait up to {@code grace}, SIGKILL; returns whether SIGKILL was needed. */
    static boolean terminate(ProcessHandle process, Duration grace) {
        if (!isRunning(process.pid())) {
            return false;
        }
        process.destroy();
        if (waitGone(process.pid(), grace)) {
            return false;
        }
        process.destroyForcibly();
        waitGone(process.pid(), Duration.ofSeconds(5));
        return true;
    }

    private static boolean waitGone(long pid, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (isRunning(pid)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return !isRunning(pid);
            }
        }
        return true;
    }
}
