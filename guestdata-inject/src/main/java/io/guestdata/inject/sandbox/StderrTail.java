package io.guestdata.inject.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a worker writes to stderr, drained on a thread of its own so the worker never blocks on a
 * full pipe, and kept bounded: the first and the last {@link #KEEP} bytes. It is read only to say
 * why a worker died (bwrap's refusal, the JVM's fatal-error banner naming the signal, the
 * out-of-memory line); it is the worker's text, so it is shown only as one sanitised line.
 */
final class StderrTail {
    static final int KEEP = 8192;
    private static final Pattern SIGNAL = Pattern.compile("#\\s+(SIG[A-Z0-9]+) \\(0x([0-9a-f]+)\\)");
    /** The banner's "Problematic frame" line: {@code # C  [libext2fs.so.2+0x1f2a]  ext2fs_…}. */
    private static final Pattern FRAME = Pattern.compile("# [CJjVv]\\s+\\[([^\\]\\s]{1,120})\\]");

    private final byte[] head = new byte[KEEP];
    private int headLength;
    private final byte[] tail = new byte[KEEP];
    private long total;
    private final CountDownLatch ended = new CountDownLatch(1);

    /** Starts draining {@code stderr} on a daemon thread. */
    static StderrTail drain(InputStream stderr, String name) {
        StderrTail t = new StderrTail();
        Thread thread = Thread.ofPlatform().daemon().name(name).unstarted(() -> t.run(stderr));
        thread.start();
        return t;
    }

    private void run(InputStream in) {
        byte[] buffer = new byte[4096];
        try (in) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                append(buffer, n);
            }
        } catch (IOException e) {
            // the pipe closed: the worker is gone
        } finally {
            ended.countDown();
        }
    }

    private synchronized void append(byte[] b, int n) {
        for (int i = 0; i < n; i++) {
            if (headLength < KEEP) {
                head[headLength++] = b[i];
            }
            tail[(int) (total % KEEP)] = b[i];
            total++;
        }
    }

    /** Waits until the worker closed stderr (it exited), at most {@code millis}. */
    void awaitEnd(long millis) {
        try {
            ended.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Everything kept: the head, and the tail if more was written. */
    synchronized String text() {
        String h = new String(head, 0, headLength, StandardCharsets.UTF_8);
        if (total <= KEEP) {
            return h;
        }
        byte[] t = new byte[KEEP];
        int start = (int) (total % KEEP);
        System.arraycopy(tail, start, t, 0, KEEP - start);
        System.arraycopy(tail, 0, t, KEEP - start, start);
        return h + "\n…\n" + new String(t, StandardCharsets.UTF_8);
    }

    /** The first line that starts with {@code prefix} (e.g. "bwrap: "), sanitised. */
    Optional<String> line(String prefix) {
        for (String line : text().split("\n")) {
            if (line.startsWith(prefix)) {
                return Optional.of(oneLine(line));
            }
        }
        return Optional.empty();
    }

    /** The signal the JVM's fatal-error banner names ({@code #  SIGSEGV (0xb) at pc=…}). */
    OptionalInt crashSignal() {
        Matcher m = SIGNAL.matcher(text());
        return m.find() ? OptionalInt.of(Integer.parseInt(m.group(2), 16)) : OptionalInt.empty();
    }

    /** Where the JVM's fatal-error banner says the crash was ({@code libext2fs.so.2+0x1f2a}), sanitised. */
    Optional<String> crashFrame() {
        Matcher m = FRAME.matcher(text());
        return m.find() ? Optional.of(oneLine(m.group(1))) : Optional.empty();
    }

    /** The last non-empty line, sanitised; empty when nothing was written. */
    Optional<String> lastLine() {
        String[] lines = text().strip().split("\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            if (!lines[i].isBlank()) {
                return Optional.of(oneLine(lines[i]));
            }
        }
        return Optional.empty();
    }

    private static String oneLine(String s) {
        String t = WorkerProtocol.printable(s.strip());
        return t.length() > 300 ? t.substring(0, 300) + "…" : t;
    }
}
