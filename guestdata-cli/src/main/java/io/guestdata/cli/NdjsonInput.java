package io.guestdata.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * {@code --input -}: newline-delimited JSON (one instance document per line) on a stream, read as it comes:
 * only the current line is held. Lines end at {@code \n}; a {@code \r} before it is dropped; lines of only
 * spaces and tabs are skipped. A document is named {@code stdin:LINE}, lines counted from 1, skipped ones
 * included, so the name points into the input. The bytes are handed over undecoded: the document parser
 * checks their encoding, as it does for a file.
 */
final class NdjsonInput implements BatchInput {
    private final InputStream in;
    private final String name;
    private final byte[] buffer = new byte[64 * 1024];
    private int position;
    private int limit;
    private long line;
    private boolean ended;

    /** @param name how sources are named ({@code stdin}) */
    NdjsonInput(InputStream in, String name) {
        this.in = Objects.requireNonNull(in, "in");
        this.name = Objects.requireNonNull(name, "name");
    }

    @Override
    public BatchDocument next() throws IOException {
        while (!ended) {
            ByteArrayOutputStream text = new ByteArrayOutputStream();
            boolean tooLarge = false;
            boolean any = false;
            while (true) {
                if (position == limit && !fill()) {
                    ended = true;
                    break;
                }
                any = true;
                int start = position;
                while (position < limit && buffer[position] != '\n') {
                    position++;
                }
                int end = position;
                if (!tooLarge && text.size() + (end - start) > MAX_DOCUMENT_BYTES + 1) {
                    tooLarge = true;     // keep reading to the line's end, holding nothing more
                    text = new ByteArrayOutputStream();
                }
                if (!tooLarge) {
                    text.write(buffer, start, end - start);
                }
                if (position < limit) {
                    position++;          // the '\n'
                    break;
                }
            }
            if (!any) {
                return null;
            }
            line++;
            String source = name + ":" + line;
            if (tooLarge) {
                return BatchInput.tooLarge(source);
            }
            byte[] json = withoutCarriageReturn(text.toByteArray());
            if (json.length > MAX_DOCUMENT_BYTES) {
                return BatchInput.tooLarge(source);
            }
            if (!isBlank(json)) {
                return new BatchDocument.Text(source, json);
            }
        }
        return null;
    }

    private boolean fill() throws IOException {
        int n = in.read(buffer);
        if (n <= 0) {
            return false;
        }
        position = 0;
        limit = n;
        return true;
    }

    private static byte[] withoutCarriageReturn(byte[] line) {
        return line.length > 0 && line[line.length - 1] == '\r' ? java.util.Arrays.copyOf(line, line.length - 1) : line;
    }

    private static boolean isBlank(byte[] line) {
        for (byte b : line) {
            if (b != ' ' && b != '\t') {
                return false;
            }
        }
        return true;
    }

    /** Leaves the stream open: it is the caller's (stdin). */
    @Override
    public void close() {
    }
}
