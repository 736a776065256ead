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

/**
 * The metadata service nodes: each instance's requests go to one node while it is healthy (rendezvous hashing:
 * the nodes ranked by a hash of the instance and the node), failover to the next in that instance's ranking on a
 * connect error or a timeout, and a node that refused a connection is skipped for {@code downFor} (passive health:
 * no probes; when every node is marked down, all are tried anyway). One booting guest's requests thus build its
 * tree and keep its answers on one node, and the nodes' caches add up instead of each holding every guest (the
 * storm bench's two-node mode found every node building every guest's tree under round robin); instances spread
 * evenly, and a node added or lost moves only its own share. Idle HTTP/1.1 connections are kept per node for
 * reuse.
 */
final class Upstreams implements Closeable {
    private static final int MAX_IDLE_PER_NODE = 128;

    private final List<Node> nodes;
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

    /**
     * The order to try nodes in for a request of {@code instance}: the nodes by the instance's ranking
     * ({@link #rank}), healthy ones first.
     */
    List<Node> order(String instance) {
        long now = System.nanoTime();
        List<Node> ranked = rank(instance);
        List<Node> healthy = new ArrayList<>(ranked.size());
        List<Node> down = new ArrayList<>(0);
        for (Node node : ranked) {
            (node.isDown(now) ? down : healthy).add(node);
        }
        healthy.addAll(down);
        return healthy;
    }

    /** Every node, highest score for {@code instance} first (the score mixes the instance's and the node's hash). */
    List<Node> rank(String instance) {
        long key = mix(instance.hashCode() * 0x9E3779B97F4A7C15L);
        List<Node> ranked = new ArrayList<>(nodes);
        ranked.sort(java.util.Comparator.comparingLong((Node node) -> mix(key ^ node.seed)).reversed());
        return ranked;
    }

    /** A 64-bit finalizer (MurmurHash3's fmix64): every input bit affects every output bit. */
    private static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
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

        /** The node's part of an instance's score: from its address, so every proxy ranks the nodes alike. */
        final long seed;

        Node(InetSocketAddress address) {
            this.address = address;
            this.seed = mix((address.getHostString() + ":" + address.getPort()).hashCode() * 0xC2B2AE3D27D4EB4FL);
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
