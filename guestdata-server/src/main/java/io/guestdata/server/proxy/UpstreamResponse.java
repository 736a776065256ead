package io.guestdata.server.proxy;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An HTTP/1.1 response head read from a service node, and its body framing (RFC 9112 §6.3): none for HEAD,
 * 1xx, 204 and 304; chunked; {@code Content-Length}; or until the node closes.
 */
final class UpstreamResponse {
    private static final int MAX_HEAD = 65536;

    final int status;
    final String reason;
    final List<String[]> headers; // name, value, in order
    final boolean chunked;
    final long contentLength; // -1: unknown
    final boolean keepAlive;
    final boolean noBody;

    private UpstreamResponse(int status, String reason, List<String[]> headers, boolean chunked, long contentLength,
                             boolean keepAlive, boolean noBody) {
        this.status = status;
        this.reason = reason;
        this.headers = headers;
        this.chunked = chunked;
        this.contentLength = contentLength;
        this.keepAlive = keepAlive;
        this.noBody = noBody;
    }

    /**
     * Reads the head. Returns null when the node closed the connection before sending a byte (a stale pooled
     * connection).
     */
    static UpstreamResponse read(InputStream in, boolean headRequest) throws IOException {
        int[] total = {0};
        String statusLine = line(in, total, true);
        if (statusLine == null) {
            return null;
        }
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP/1.x status line: " + statusLine);
        }
        int status;
        try {
            status = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IOException("bad status line: " + statusLine);
        }
        boolean keepAlive = parts[0].equals("HTTP/1.1");
        List<String[]> headers = new ArrayList<>();
        boolean chunked = false;
        long length = -1;
        for (String line; !(line = line(in, total, false)).isEmpty(); ) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException("bad header line from the service: " + line);
            }
            String name = line.substring(0, colon).strip();
            String value = line.substring(colon + 1).strip();
            String lower = name.toLowerCase(Locale.ROOT);
            switch (lower) {
                case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                case "content-length" -> length = Long.parseLong(value);
                case "connection" -> {
                    String v = value.toLowerCase(Locale.ROOT);
                    if (v.contains("close")) {
                        keepAlive = false;
                    } else if (v.contains("keep-alive")) {
                        keepAlive = true;
                    }
                }
                default -> {
                    // kept as is
                }
            }
            headers.add(new String[] {name, value});
        }
        boolean noBody = headRequest || status / 100 == 1 || status == 204 || status == 304;
        if (!noBody && !chunked && length < 0) {
            keepAlive = false; // delimited by close
        }
        return new UpstreamResponse(status, parts.length > 2 ? parts[2] : "", headers, chunked, length, keepAlive,
                noBody);
    }

    /** Copies the body to {@code out}; true when the connection is left at a message boundary. */
    boolean copyBody(InputStream in, OutputStream out) throws IOException {
        if (noBody) {
            return true;
        }
        byte[] buffer = new byte[16384];
        if (chunked) {
            int[] total = {0};
            while (true) {
                String size = line(in, total, false);
                int semi = size.indexOf(';');
                long n = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).strip(), 16);
                if (n == 0) {
                    while (!line(in, total, false).isEmpty()) {
                        total[0] = 0; // trailers: dropped
                    }
                    return true;
                }
                copy(in, out, n, buffer);
                if (!line(in, total, false).isEmpty()) {
                    throw new IOException("bad chunk end");
                }
                total[0] = 0;
            }
        }
        if (contentLength >= 0) {
            copy(in, out, contentLength, buffer);
            return true;
        }
        for (int r; (r = in.read(buffer)) > 0; ) {
            out.write(buffer, 0, r);
        }
        return false;
    }

    /** The whole body, for small ones. */
    byte[] readBody(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(contentLength > 0 ? (int) contentLength : 256);
        copyBody(in, out);
        return out.toByteArray();
    }

    private static void copy(InputStream in, OutputStream out, long n, byte[] buffer) throws IOException {
        while (n > 0) {
            int r = in.read(buffer, 0, (int) Math.min(buffer.length, n));
            if (r < 0) {
                throw new EOFException("the service closed the connection within a body");
            }
            out.write(buffer, 0, r);
            n -= r;
        }
    }

    /** One CRLF- (or LF-) terminated line, ISO-8859-1; null at EOF before any byte when {@code eofOk}. */
    private static String line(InputStream in, int[] total, boolean eofOk) throws IOException {
        StringBuilder sb = new StringBuilder(64);
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (eofOk && sb.isEmpty() && total[0] == 0) {
                    return null;
                }
                throw new EOFException("the service closed the connection within a response head");
            }
            if (++total[0] > MAX_HEAD) {
                throw new IOException("response head over " + MAX_HEAD + " bytes");
            }
            if (b == '\n') {
                int len = sb.length();
                if (len > 0 && sb.charAt(len - 1) == '\r') {
                    sb.setLength(len - 1);
                }
                return sb.toString();
            }
            sb.append((char) b);
        }
    }

    static byte[] latin1(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
