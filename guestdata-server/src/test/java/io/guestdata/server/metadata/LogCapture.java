package io.guestdata.server.metadata;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Every log record published while open, from every logger, with guestdata's own loggers at FINE (System.Logger's
 * DEBUG) so that low-level lines are seen too. Helidon's loggers keep the level the test configuration gives them
 * (WARNING, as {@code guestdata serve} sets it).
 */
public final class LogCapture implements AutoCloseable {
    private final Logger root = Logger.getLogger("");
    private final Logger ours = Logger.getLogger("io.guestdata");
    private final Level oursBefore = ours.getLevel();
    private final List<LogRecord> records = new ArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            synchronized (records) {
                records.add(record);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    public LogCapture() {
        handler.setLevel(Level.ALL);
        ours.setLevel(Level.FINE);
        root.addHandler(handler);
    }

    public List<LogRecord> records() {
        synchronized (records) {
            return List.copyOf(records);
        }
    }

    /** One line per record: level, logger, message, and the thrown exception's class if any. */
    public String describe() {
        StringBuilder out = new StringBuilder();
        for (LogRecord r : records()) {
            out.append(r.getLevel()).append(' ').append(r.getLoggerName()).append(": ").append(r.getMessage())
                    .append(r.getThrown() == null ? "" : " [thrown " + r.getThrown() + "]").append('\n');
        }
        return out.toString();
    }

    @Override
    public void close() {
        root.removeHandler(handler);
        ours.setLevel(oursBefore);
    }
}
