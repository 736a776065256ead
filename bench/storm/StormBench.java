import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The guests of a boot storm (bench/storm/run-storm-bench): N instances stored by HeapBench's {@code load}
 * ({@code bench-<i>} uuids), each a guest that starts at a random instant within the arrival window and makes,
 * one after the other, the requests one cloud-init datasource (OpenStack or EC2) made at boot (record_sequence.py's
 * lines, recorded against the server under test), through the signing proxy's headers (X-Instance-ID, X-Tenant-ID, X-Instance-ID-Signature = HMAC-SHA256).
 * Each request is its own TCP connection, as cloud-init 22.4's {@code readurl} opens one per call.
 *
 * <p>With {@code bind} (the storm through {@code guestdata proxy}), each guest connects from its own loopback
 * address ({@link #address}: Linux routes all of 127.0.0.0/8 to {@code lo}) and sends no identity headers: the
 * proxy finds the instance from that address in its mapping ({@code mapping} mode writes it) and signs for it, as it
 * does for a real guest.
 *
 * <p>An error is an answer whose status differs from the recorded one, a 200 naming another instance (its
 * {@code meta_data.json}, EC2 {@code hostname} or {@code instance-id}), or a failed connection. Prints {@code key value} lines.
 *
 * <pre>java -cp LIB StormBench.java PORT SECRET TENANT N ARRIVAL_SECONDS SEQUENCE_FILE [bind]
 * java -cp LIB StormBench.java mapping N TENANT OUT     # the proxy's mapping: address(i)=uuid(i):TENANT</pre>
 */
public class StormBench {
    private record Step(String method, String path, int status) {
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("mapping")) {
            mapping(Integer.parseInt(args[1]), args[2], Path.of(args[3]));
            return;
        }
        int port = Integer.parseInt(args[0]);
        boolean bind = args.length > 6 && args[6].equals("bind");
        String secret = args[1];
        String tenant = args[2];
        int n = Integer.parseInt(args[3]);
        double arrivalS = Double.parseDouble(args[4]);
        List<Step> steps = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[5]))) {
            if (!line.isBlank()) {
                String[] f = line.trim().split(" ");
                steps.add(new Step(f[0], f[1], Integer.parseInt(f[2])));
            }
        }
        long[] guestNs = new long[n];
        long[] requestNs = new long[n * steps.size()];
        LongAdder errors = new LongAdder();
        LongAdder throttled = new LongAdder();
        ConcurrentHashMap<String, LongAdder> errorKinds = new ConcurrentHashMap<>();
        ConcurrentHashMap<String, Integer> ec2Ids = new ConcurrentHashMap<>();
        Random random = new Random(1);
        long[] offsets = new long[n];
        for (int i = 0; i < n; i++) {
            offsets[i] = (long) (random.nextDouble() * arrivalS * 1e9);
        }
        CountDownLatch done = new CountDownLatch(n);
        long t0 = System.nanoTime() + 200_000_000L;
        AtomicLong lastEnd = new AtomicLong();
        try (var scheduler = Executors.newScheduledThreadPool(1);
             var guests = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                int g = i;
                scheduler.schedule(() -> guests.submit(() -> {
                    try {
                        long start = System.nanoTime();
                        guestNs[g] = guest(g, port, bind, secret, tenant, steps, requestNs, errors, throttled,
                                errorKinds, ec2Ids);
                        lastEnd.accumulateAndGet(System.nanoTime() - t0, Math::max);
                    } finally {
                        done.countDown();
                    }
                }), t0 + offsets[g] - System.nanoTime(), TimeUnit.NANOSECONDS);
            }
            done.await();
        }
        long[] g = guestNs.clone();
        Arrays.sort(g);
        long[] r = requestNs.clone();
        Arrays.sort(r);
        Locale.setDefault(Locale.ROOT);
        System.out.printf("guests %d%nrequests_per_guest %d%nrequests %d%narrival_s %.0f%nstorm_s %.1f%n", n,
                steps.size(), r.length, arrivalS, lastEnd.get() / 1e9);
        System.out.printf("guest_median_ms %.1f%nguest_p99_ms %.1f%nguest_max_ms %.1f%n", ms(pct(g, 50)),
                ms(pct(g, 99)), ms(g[g.length - 1]));
        System.out.printf("request_p50_ms %.2f%nrequest_p99_ms %.2f%nrequest_max_ms %.1f%n", ms(pct(r, 50)),
                ms(pct(r, 99)), ms(r[r.length - 1]));
        System.out.printf("errors %d%nthrottled %d%n", errors.sum(), throttled.sum());
        new TreeMap<>(errorKinds).forEach((k, v) -> System.out.println("error_kind " + k + " " + v.sum()));
    }

    /**
     * Guest i's own loopback address, 127.64.0.1 onwards (250 a /24, the last octet 1–250): 16 million guests fit
     * in 127.64.0.0–127.255.255.255.
     */
    static String address(int i) {
        return "127." + (64 + i / 62_500) + "." + (i / 250 % 250) + "." + (i % 250 + 1);
    }

    private static String uuid(int i) {
        return UUID.nameUUIDFromBytes(("bench-" + i).getBytes()).toString(); // HeapBench.uuid
    }

    /** The proxy's mapping file (docs/proxy.md, "The mapping") for guests 0 … n-1. */
    private static void mapping(int n, String tenant, Path out) throws IOException {
        StringBuilder text = new StringBuilder(n * 90);
        for (int i = 0; i < n; i++) {
            text.append(address(i)).append('=').append(uuid(i)).append(':').append(tenant).append('\n');
        }
        Files.writeString(out, text);
    }

    /** One guest's boot: its whole sequence; returns the time it took. */
    private static long guest(int i, int port, boolean bind, String secret, String tenant, List<Step> steps,
                              long[] requestNs,
                              LongAdder errors, LongAdder throttled, ConcurrentHashMap<String, LongAdder> kinds,
                              ConcurrentHashMap<String, Integer> ec2Ids) {
        String uuid = uuid(i);
        String signature;
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            signature = HexFormat.of().formatHex(mac.doFinal(uuid.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        byte[] headers = bind ? new byte[0] : ("X-Instance-ID: " + uuid + "\r\nX-Tenant-ID: " + tenant + "\r\nX-Instance-ID-Signature: "
                + signature + "\r\n").getBytes(StandardCharsets.US_ASCII);
        long start = System.nanoTime();
        for (int s = 0; s < steps.size(); s++) {
            Step step = steps.get(s);
            long r0 = System.nanoTime();
            String kind;
            try {
                Answer a = request(bind ? address(i) : null, port, step, headers);
                kind = a.status == step.status ? null : "status_" + a.status + "_for_" + step.status;
                if (a.status == 429) {
                    throttled.increment();
                }
                if (kind == null && a.status == 200 && !ownAnswer(step.path, a.body, uuid, i, ec2Ids)) {
                    kind = "other_instance";
                }
            } catch (IOException e) {
                kind = e.getClass().getSimpleName();
            }
            requestNs[i * steps.size() + s] = System.nanoTime() - r0;
            if (kind != null) {
                errors.increment();
                kinds.computeIfAbsent(kind, k -> new LongAdder()).increment();
            }
        }
        return System.nanoTime() - start;
    }

    private record Answer(int status, byte[] body) {
    }

    /**
     * Whether an answer that names its instance names this guest's: {@code meta_data.json} holds its uuid, the EC2
     * {@code hostname} and {@code local-hostname} are its name ({@code vm-<i>}, HeapBench's documents) with the DHCP
     * domain, and its EC2 {@code instance-id} ({@code i-%08x}: the service numbers instances as it stores them,
     * Nova's oracle from the uuid, nova-compat.md §1.6) is no other guest's.
     */
    private static boolean ownAnswer(String path, byte[] body, String uuid, int guest,
                                     ConcurrentHashMap<String, Integer> ec2Ids) {
        String text = new String(body, StandardCharsets.UTF_8);
        if (path.endsWith("/meta_data.json")) {
            return text.contains("\"uuid\": \"" + uuid + "\"");
        }
        if (path.endsWith("/meta-data/hostname") || path.endsWith("/meta-data/local-hostname")) {
            return text.equals("vm-" + guest) || text.startsWith("vm-" + guest + ".");
        }
        if (path.endsWith("/meta-data/instance-id")) {
            return ec2Ids.computeIfAbsent(text, k -> guest) == guest;
        }
        return true;
    }

    /**
     * One HTTP/1.1 request on its own connection ({@code Connection: close}), from {@code source} (null: any
     * address); the answer read to its end.
     */
    private static Answer request(String source, int port, Step step, byte[] headers) throws IOException {
        try (Socket socket = new Socket()) {
            if (source != null) {
                socket.bind(new InetSocketAddress(source, 0));
            }
            socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write((step.method + " " + step.path + " HTTP/1.1\r\nHost: 169.254.169.254\r\nConnection: close\r\n"
                    + "Accept: */*\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(headers);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] all = in.readAllBytes();
            int end = indexOf(all, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            if (all.length < 12 || end < 0) {
                throw new IOException("short answer");
            }
            int status = Integer.parseInt(new String(all, 9, 3, StandardCharsets.US_ASCII));
            return new Answer(status, Arrays.copyOfRange(all, end + 4, all.length));
        }
    }

    private static int indexOf(byte[] a, byte[] b) {
        outer:
        for (int i = 0; i + b.length <= a.length; i++) {
            for (int j = 0; j < b.length; j++) {
                if (a[i + j] != b[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static long pct(long[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    private static double ms(long ns) {
        return ns / 1e6;
    }
}
