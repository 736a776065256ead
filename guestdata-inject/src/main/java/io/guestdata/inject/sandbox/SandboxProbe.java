package io.guestdata.inject.sandbox;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;

/**
 * A diagnostic entry point run with the worker's exact launcher ({@link BubblewrapLauncher}):
 * instead of serving requests it tries what a worker taken over by a crafted image would try,
 * and prints one line per attempt ({@code key: outcome}) on stdout. The isolation tests run it to
 * prove the sandbox holds; an operator can run it to see what a worker sees on their machine.
 *
 * <pre>SandboxProbe CHECK...
 *   identity                 uid, gid, capabilities, no_new_privs, seccomp, hostname, environment
 *   interfaces               the network interfaces it has
 *   connect HOST PORT        a TCP connection (2 s)
 *   read PATH                read a file
 *   write PATH               create a file
 *   list DIR                 the names in a directory
 *   allocate-heap MIB        keep allocating 1 MiB arrays up to MIB (the heap limit ends the JVM)
 *   allocate-native MIB      one native allocation of MIB (the data-segment limit refuses it)
 *   spin SECONDS             burn CPU (the CPU limit ends the process)</pre>
 */
public final class SandboxProbe {

    private SandboxProbe() {
    }

    public static void main(String[] args) {
        PrintStream out = System.out;
        for (int i = 0; i < args.length; i++) {
            String check = args[i];
            try {
                switch (check) {
                    case "identity" -> identity(out);
                    case "interfaces" -> out.println("interfaces: " + interfaces());
                    case "connect" -> out.println("connect " + args[i + 1] + ":" + args[i + 2] + ": "
                            + connect(args[++i], Integer.parseInt(args[++i])));
                    case "read" -> out.println("read " + args[i + 1] + ": " + read(Path.of(args[++i])));
                    case "write" -> out.println("write " + args[i + 1] + ": " + write(Path.of(args[++i])));
                    case "list" -> out.println("list " + args[i + 1] + ": " + list(Path.of(args[++i])));
                    case "allocate-heap" -> out.println("allocate-heap: " + allocateHeap(Integer.parseInt(args[++i])));
                    case "allocate-native" -> out.println("allocate-native: "
                            + allocateNative(Integer.parseInt(args[++i])));
                    case "spin" -> out.println("spin: " + spin(Integer.parseInt(args[++i])));
                    default -> out.println(check + ": unknown check");
                }
            } catch (RuntimeException e) {
                out.println(check + ": " + e);
            }
            out.flush();
        }
    }

    private static void identity(PrintStream out) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.matches("(Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):.*")) {
                    out.println("status " + line.replace('\t', ' '));
                }
            }
            out.println("uid_map: " + Files.readString(Path.of("/proc/self/uid_map")).strip().replaceAll("\\s+", " "));
            out.println("hostname: " + Files.readString(Path.of("/proc/sys/kernel/hostname")).strip());
        } catch (IOException e) {
            out.println("identity: " + e);
        }
        out.println("environment: " + System.getenv().keySet().stream().sorted().toList());
    }

    private static String interfaces() {
        try {
            List<String> names = new ArrayList<>();
            for (NetworkInterface n : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                names.add(n.getName() + (n.isUp() ? " up" : " down"));
            }
            return names.toString();
        } catch (IOException e) {
            return "error " + e;
        }
    }

    private static String connect(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 2000);
            return "CONNECTED";
        } catch (ConnectException e) {
            return "refused (" + e.getMessage() + ")";
        } catch (IOException e) {
            return "failed (" + e + ")";
        }
    }

    private static String read(Path p) {
        try {
            byte[] b = Files.readAllBytes(p);
            return "READ " + b.length + " bytes";
        } catch (IOException e) {
            return "failed (" + e + ")";
        }
    }

    private static String write(Path p) {
        try {
            Files.write(p, "written by the sandbox probe\n".getBytes(StandardCharsets.UTF_8));
            return "WRITTEN";
        } catch (IOException e) {
            return "failed (" + e + ")";
        }
    }

    private static String list(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList().toString();
        } catch (IOException e) {
            return "failed (" + e + ")";
        }
    }

    private static String allocateHeap(int mib) {
        List<byte[]> kept = new ArrayList<>();
        for (int i = 0; i < mib; i++) {
            kept.add(new byte[1 << 20]);
        }
        return "ALLOCATED " + kept.size() + " MiB";
    }

    @SuppressWarnings("restricted")
    private static String allocateNative(int mib) {
        try (Arena arena = Arena.ofConfined()) {
            var segment = arena.allocate((long) mib << 20);
            segment.fill((byte) 1); // touch it
            return "ALLOCATED " + mib + " MiB";
        } catch (OutOfMemoryError e) {
            return "refused (" + e.getMessage() + ")";
        }
    }

    private static String spin(int seconds) {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        long x = 0;
        while (System.nanoTime() < end) {
            x += System.nanoTime() % 7;
        }
        return "SPUN " + seconds + " s (" + (x & 1) + ")";
    }
}
