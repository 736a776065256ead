package io.guestdata.server.proxy;

import io.guestdata.server.metadata.HostPort;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The metadata service nodes: round robin over the healthy ones, failover to the next on a connect error,
 * and a node that refused a connection is skipped for {@code downFor} (passive health: no probes; when every
 * node is marked down, all are tried anyway). Idle HTTP/1.1 connections are kept per node for reuse.
 */
final class Upstreams implements Closeable {
    private static final int MAX_IDLE_PER_NODE = 128;

    private final List<Node> nodes;
    private final AtomicInteger next = new AtomicInteger();
    private final int connectTimeoutMillis;
    private final int readTimeoutMillis;
    private final long downForNanos;
    private final long maxIdleNanos;

    Upstreams(List<InetSocketAddress> addresses, Duration connectTimeout, Duration readTimeout, Duration downFor,
              Duration maxIdle) {
        List<Node> list = new ArrayList<>();
        for (InetSocketAddress a : addresses) {
            list.add(new Node(a));
        }
        this.nodes = List.copyOf(list);
        this.connectTimeoutMillis = Math.toIntExact(connectTimeout.toMillis());
        this.readTimeoutMillis = Math.toIntExact(readTimeout.toMillis());
        this.downForNanos = downFor.toNanos();
        this.maxIdleNanos = maxIdle.toNanos();
    }

    /** The order to try nodes in for one request: healthy ones from the round-robin position, then the rest. */
    List<Node> order() {
        int n = nodes.size();
        int start = Math.floorMod(next.getAndIncrement(), n);
        long now = System.nanoTime();
        List<Node> healthy = new ArrayList<>(n);
        List<Node> down = new ArrayList<>(0);
        for (int i = 0; i < n; i++) {
            Node node = nodes.get((start + i) % n);
            (node.isDown(now) ? down : healthy).add(node);
        }
        healthy.addAll(down);
        return healthy;
    }

    List<Node> nodes() {
        return nodes;
    }

    @Override
    public void close() {
        for (Node node : nodes) {
            Connection c;
            while ((c = node.idle.pollFirst()) != null) {
                c.close();
            }
        }
    }

    final class Node {
        final InetSocketAddress address;
        private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();
        private volatile long downUntil;
        private volatile boolean everDown;

        Node(InetSocketAddress address) {
            this.address = address;
        }

        boolean isDown(long now) {
            return everDown && now - downUntil < 0;
        }

        void markDown() {
            downUntil = System.nanoTime() + downForNanos;
            everDown = true;
        }

        void markUp() {
            everDown = false;
        }

        /** A pooled connection (most recently used first), or null. */
        Connection pooled() {
            long now = System.nanoTime();
            Connection c;
            while ((c = idle.pollFirst()) != null) {
                if (now - c.idleSince < maxIdleNanos && !c.socket.isClosed()) {
                    return c;
                }
                c.close();
            }
            return null;
        }

        /** A new connection; an {@link IOException} here is a connect error (the node is marked down by the caller). */
        Connection connect() throws IOException {
            Socket socket = new Socket();
            try {
                socket.setTcpNoDelay(true);
                socket.connect(address, connectTimeoutMillis);
                socket.setSoTimeout(readTimeoutMillis);
                return new Connection(this, socket);
            } catch (IOException | RuntimeException e) {
                socket.close();
                throw e;
            }
        }

        void release(Connection c) {
            c.idleSince = System.nanoTime();
            if (idle.size() < MAX_IDLE_PER_NODE) {
                idle.addFirst(c);
            } else {
                c.close();
            }
        }

        @Override
        public String toString() {
            return HostPort.format(address); // as --upstream takes it: an IPv6 node in brackets
        }
    }

    static final class Connection implements Closeable {
        final Node node;
        final Socket socket;
        final InputStream in;
        final OutputStream out;
        long idleSince;

        Connection(Node node, Socket socket) throws IOException {
            this.node = node;
            this.socket = socket;
            this.in = new BufferedInputStream(socket.getInputStream(), 16384);
            this.out = new BufferedOutputStream(socket.getOutputStream(), 8192);
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }
}
