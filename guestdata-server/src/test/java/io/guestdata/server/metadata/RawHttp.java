package io.guestdata.server.metadata;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A deliberately dumb HTTP/1.1 client over a plain socket: it sends exactly the bytes it is given (any method,
 * any request target, repeated headers, no Host unless asked) from a chosen local address — source-address
 * identification is tested from 127.0.0.x, which all reach the loopback interface on Linux — and reads one
 * response ({@code Connection: close}).
 */
public final class RawHttp {
    private RawHttp() {
    }

    public record Response(int status, List<String[]> headers, byte[] body) {
        public String header(String name) {
            List<String> values = new ArrayList<>();
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase(name)) {
                    values.add(h[1]);
                }
            }
            return values.isEmpty() ? null : String.join(",", values);
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return status + " " + header("Content-Type") + " " + text();
        }
    }

    /** A request builder. */
    static final class Request {
        private final int port;
        private String local = "127.0.0.1";
        private String method = "GET";
        private String target = "/";
        private final List<String[]> headers = new ArrayList<>();
        private byte[] body;
        private boolean host = true;

        Request(int port) {
            this.port = port;
        }

        Request from(String localAddress) {
            this.local = localAddress;
            return this;
        }

        Request method(String m) {
            this.method = m;
            return this;
        }

        Request target(String t) {
            this.target = t;
            return this;
        }

        Request header(String name, String value) {
            headers.add(new String[] {name, value});
            return this;
        }

        Request headers(List<String[]> more) {
            headers.addAll(more);
            return this;
        }

        /** The body, with a Content-Length header. */
        Request body(byte[] b) {
            this.body = b;
            return this;
        }

        Request noHost() {
            this.host = false;
            return this;
        }

        String method() {
            return method;
        }

        String target() {
            return target;
        }

        String local() {
            return local;
        }

        /** The headers as sent, Content-Length included when a body is. */
        List<String[]> sentHeaders() {
            List<String[]> out = new ArrayList<>(headers);
            if (body != null && headers.stream().noneMatch(h -> h[0].equalsIgnoreCase("Content-Length"))) {
                out.add(new String[] {"Content-Length", Integer.toString(body.length)});
            }
            return out;
        }

        byte[] body() {
            return body == null ? new byte[0] : body.clone();
        }

        Response send() throws IOException {
            StringBuilder head = new StringBuilder();
            head.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
            if (host) {
                head.append("Host: 169.254.169.254\r\n");
            }
            for (String[] h : headers) {
                head.append(h[0]).append(": ").append(h[1]).append("\r\n");
            }
            if (body != null && headers.stream().noneMatch(h -> h[0].equalsIgnoreCase("Content-Length"))) {
                head.append("Content-Length: ").append(body.length).append("\r\n");
            }
            head.append("Connection: close\r\n\r\n");
            return exchange(port, local, head.toString().getBytes(StandardCharsets.ISO_8859_1), body, method.equals("HEAD"));
        }
    }

    static Request to(int port) {
        return new Request(port);
    }

    /** Sends raw bytes and reads one response. */
    static Response exchange(int port, String local, byte[] head, byte[] body, boolean head_) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(local), 0));
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write(head);
            if (body != null) {
                out.write(body);
            }
            out.flush();
            return read(s.getInputStream(), head_);
        }
    }

    public static Response read(InputStream in, boolean headRequest) throws IOException {
        String statusLine = line(in);
        if (statusLine == null) {
            throw new IOException("connection closed before a response");
        }
        int status = Integer.parseInt(statusLine.split(" ", 3)[1]);
        List<String[]> headers = new ArrayList<>();
        long length = -1;
        boolean chunked = false;
        for (String l = line(in); l != null && !l.isEmpty(); l = line(in)) {
            int colon = l.indexOf(':');
            String name = l.substring(0, colon);
            String value = l.substring(colon + 1).strip();
            headers.add(new String[] {name, value});
            if (name.equalsIgnoreCase("Content-Length")) {
                length = Long.parseLong(value);
            }
            if (name.equalsIgnoreCase("Transfer-Encoding") && value.toLowerCase(Locale.ROOT).contains("chunked")) {
                chunked = true;
            }
        }
        byte[] body;
        if (headRequest) {
            body = new byte[0];
        } else if (chunked) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            for (int n = Integer.parseInt(line(in).strip(), 16); n > 0; n = Integer.parseInt(line(in).strip(), 16)) {
                b.write(in.readNBytes(n));
                line(in);
            }
            body = b.toByteArray();
        } else if (length >= 0) {
            body = in.readNBytes((int) length);
        } else {
            body = in.readAllBytes();
        }
        return new Response(status, headers, body);
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                byte[] bytes = b.toByteArray();
                int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
            }
            b.write(c);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
    }
}
