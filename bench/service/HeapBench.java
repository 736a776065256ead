import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.core.document.InstanceDocumentParser;
import io.guestdata.core.document.KeyPairResolver;
import io.guestdata.core.document.Limits;
import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.core.metadata.MetadataTree;
import io.guestdata.server.metadata.IdentificationMode;
import io.guestdata.server.metadata.dev.InMemoryPasswordStore;
import io.guestdata.server.metadata.InstanceDirectory;
import io.guestdata.server.metadata.MetadataServer;
import io.guestdata.server.metadata.MetadataServerConfig;
import io.guestdata.server.metadata.StoreInstanceDirectory;
import io.guestdata.server.metadata.StorePasswordStore;
import io.guestdata.store.Store;
import io.guestdata.store.StoreException;
import io.guestdata.store.Stores;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Heap of the metadata service with N stored instances (bench/service/run-heap-bench). Three modes, each its own
 * JVM:
 * <ul>
 *   <li>{@code load N STORE EXAMPLE}: N documents generated from EXAMPLE (own uuid, name, IPv4 and IPv6 address) into
 *       the store: STORE is a SQLite data directory, or {@code env} for the store URL in {@code GUESTDATA_STORE}
 *       (serve's variable; a PostgreSQL URL holds its password, which stays off the command line). The first 1000
 *       one transaction each ({@code create}), the rest 1000 per transaction ({@code createAll}); prints both
 *       rates.</li>
 *   <li>{@code store N DIR CACHE}: what {@code guestdata serve} runs: the {@link StoreInstanceDirectory} opened on
 *       that store (timed), a {@link MetadataServer} in proxy mode on it, and a request storm that asks every
 *       instance for {@code meta_data.json} and {@code instance-id} over HTTP (and looks every address up); then
 *       the used heap after GC at each step, the heap per cached tree, and the cost of a cache hit and a miss.
 *       Prints "pid" first and waits for a line on stdin before exiting, so the caller can take a class
 *       histogram.</li>
 *   <li>{@code documents N OUT EXAMPLE}: the same N documents as {@code load}, written to OUT as NDJSON (one
 *       document a line), for a peer that is given documents rather than a store (bench/storm's Nova).</li>
 *   <li>{@code memory N EXAMPLE}: the peer: every instance's tree held in memory (a plain map; what the directory
 *       did before), served by a running server; heap per instance and the cost of a lookup.</li>
 * </ul>
 */
public class HeapBench {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final MetadataOptions OPTIONS = MetadataOptions.defaults();
    private static final String SECRET = "s";
    private static final int BATCH = 1000;

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[1]);
        switch (args[0]) {
            case "load" -> load(n, args[2], template(Path.of(args[3])));
            case "store" -> store(n, Path.of(args[2]), args[3].equals("default")
                    ? StoreInstanceDirectory.DEFAULT_CACHE_ENTRIES : Integer.parseInt(args[3]));
            case "memory" -> memory(n, template(Path.of(args[2])));
            case "documents" -> documents(n, Path.of(args[2]), template(Path.of(args[3])));
            default -> throw new IllegalArgumentException("mode load, store, memory or documents, not " + args[0]);
        }
    }

    // ---- documents ----

    private static ObjectNode template(Path example) throws Exception {
        return (ObjectNode) MAPPER.readTree(example.toFile());
    }

    private static String uuid(int i) {
        return UUID.nameUUIDFromBytes(("bench-" + i).getBytes()).toString();
    }

    private static String ipv4(int i) {
        return "10." + ((i >> 16) & 255) + "." + ((i >> 8) & 255) + "." + (i & 255);
    }

    private static byte[] document(ObjectNode template, int i) throws Exception {
        ObjectNode doc = template.deepCopy();
        doc.put("uuid", uuid(i));
        doc.put("name", "vm-" + i);
        ((ObjectNode) doc.path("network_data").path("networks").get(0)).put("ip_address", ipv4(i));
        ((ObjectNode) doc.path("network_data").path("networks").get(1)).put("ip_address",
                "fd00::" + Integer.toHexString((i + 1) >> 16) + ":" + Integer.toHexString((i + 1) & 0xffff));
        return MAPPER.writeValueAsBytes(doc);
    }

    /** The same N documents {@code load} stores, one JSON a line, for a peer that reads documents (Nova's handler). */
    private static void documents(int n, Path out, ObjectNode template) throws Exception {
        try (var w = Files.newOutputStream(out)) {
            for (int i = 0; i < n; i++) {
                w.write(document(template, i));
                w.write('\n');
            }
        }
    }

    // ---- load ----

    private static void load(int n, String target, ObjectNode template) throws Exception {
        String url = target.equals("env") ? System.getenv("GUESTDATA_STORE") : "sqlite:" + target;
        if (url == null) {
            throw new IllegalArgumentException("load env: GUESTDATA_STORE is not set");
        }
        String where = target.equals("env") ? "the store in GUESTDATA_STORE" : target;
        try (Store store = Stores.open(url)) {
            if (exists(store, n - 1) && !exists(store, n)) {
                System.out.println("load: " + n + " instances already in " + where);
                return;
            }
            if (exists(store, 0)) {
                throw new IllegalStateException(where + " holds another number of bench instances: use an empty one");
            }
            int singles = Math.min(BATCH, n);
            long t0 = System.nanoTime();
            for (int i = 0; i < singles; i++) {
                store.instances().create(document(template, i));
            }
            long t1 = System.nanoTime();
            for (int from = singles; from < n; from += BATCH) {
                List<byte[]> batch = new ArrayList<>(BATCH);
                for (int i = from; i < Math.min(n, from + BATCH); i++) {
                    batch.add(document(template, i));
                }
                store.instances().createAll(batch);
            }
            long t2 = System.nanoTime();
            double single = (t1 - t0) / 1e6 / singles;
            double batched = n > singles ? (t2 - t1) / 1e6 / (n - singles) : Double.NaN;
            System.out.printf("load_single_ms_per_instance %.3f%nload_batch_ms_per_instance %.3f%n"
                            + "load_batch_speedup %.1f%nload_s %.1f%n", single, batched, single / batched,
                    (t2 - t0) / 1e9);
        }
    }

    private static boolean exists(Store store, int i) {
        try {
            store.instances().get(UUID.fromString(uuid(i)));
            return true;
        } catch (StoreException.NotFound e) {
            return false;
        }
    }

    // ---- store-backed directory ----

    private static void store(int n, Path dir, int cacheEntries) throws Exception {
        System.out.println("pid " + ProcessHandle.current().pid());
        System.out.println("max_heap_mb " + ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax() / 1048576);
        try (Store store = Stores.open("sqlite:" + dir)) {
            long base = usedAfterGc();
            long t0 = System.nanoTime();
            StoreInstanceDirectory directory = StoreInstanceDirectory.open(store, OPTIONS, cacheEntries);
            long openMs = (System.nanoTime() - t0) / 1_000_000;
            if (directory.size() != n) {
                throw new IllegalStateException("the store holds " + directory.size() + " instances, not " + n);
            }
            long indexed = usedAfterGc();
            try (MetadataServer server = MetadataServer.start(MetadataServerConfig.builder()
                    .listen(new InetSocketAddress("127.0.0.1", 0)).noManagement()
                    .mode(IdentificationMode.PROXY).sharedSecret(SECRET).build(), directory,
                    new StorePasswordStore(store.passwords()))) {
                long serving = usedAfterGc();
                List<Integer> order = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    order.add(i);
                }
                Collections.shuffle(order, new Random(1)); // guests boot in no particular order
                long s0 = System.nanoTime();
                storm(server.port(), directory, order);
                double stormS = (System.nanoTime() - s0) / 1e9;
                long full = usedAfterGc();
                int cached = directory.cachedTrees();
                System.out.printf("instances %d%ncache_entries %d%nopen_ms %d%nopen_us_per_instance %.1f%n"
                                + "storm_requests %d%nstorm_s %.1f%nstorm_req_per_s %.0f%n"
                                + "heap_store_open_mb %.1f%nheap_after_open_mb %.1f%nindex_bytes_per_instance %.0f%n"
                                + "heap_serving_mb %.1f%nheap_after_storm_mb %.1f%ncached_trees %d%n"
                                + "tree_kb_per_cached_tree %.2f%n",
                        n, cacheEntries, openMs, openMs * 1000.0 / n, 2L * n, stormS, 2L * n / stormS,
                        mb(base), mb(indexed), (double) (indexed - base) / n, mb(serving), mb(full), cached,
                        (full - serving) / 1024.0 / cached);
                lookupCosts(store, directory, order, cacheEntries);
                System.out.println("heap_final_mb " + String.format("%.1f", mb(usedAfterGc())));
                System.out.println("ready");
                System.in.read(); // the caller takes its histogram now
            }
            directory.close();
        }
    }

    /** Every instance: meta_data.json and an EC2 path over HTTP (signed proxy headers), and its address looked up. */
    private static void storm(int port, InstanceDirectory directory, List<Integer> order) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        AtomicInteger next = new AtomicInteger();
        try (ExecutorService threads = Executors.newFixedThreadPool(16)) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                done.add(threads.submit(() -> {
                    Mac mac = Mac.getInstance("HmacSHA256");
                    mac.init(new SecretKeySpec(SECRET.getBytes(), "HmacSHA256"));
                    for (int k = next.getAndIncrement(); k < order.size(); k = next.getAndIncrement()) {
                        int i = order.get(k);
                        String uuid = uuid(i);
                        String signature = HexFormat.of().formatHex(mac.doFinal(uuid.getBytes()));
                        String meta = get(client, port, "/openstack/latest/meta_data.json", uuid, signature);
                        if (!meta.contains("\"uuid\": \"" + uuid + "\"")) {
                            throw new IllegalStateException("another instance's meta_data.json for " + uuid);
                        }
                        if (!get(client, port, "/latest/meta-data/instance-id", uuid, signature).startsWith("i-")) {
                            throw new IllegalStateException("no instance-id for " + uuid);
                        }
                        Optional<MetadataTree> byAddress = directory.byAddress(InetAddress.ofLiteral(ipv4(i)));
                        if (!byAddress.orElseThrow().instance().uuid().toString().equals(uuid)) {
                            throw new IllegalStateException("address " + ipv4(i) + " is not " + uuid);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        }
    }

    private static String get(HttpClient client, int port, String path, String uuid, String signature)
            throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("X-Instance-ID", uuid).header("X-Tenant-ID", "6d1b6b5e2f2a4a3c9b1e0d7f8a9c0b1d")
                .header("X-Instance-ID-Signature", signature).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(path + " of " + uuid + ": " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    /**
     * A miss (the storm's first instances, evicted since): median time of one lookup that reads the store and
     * builds; beside it the store read alone. A hit: median over rounds of the time per lookup of instances just
     * built.
     */
    private static void lookupCosts(Store store, StoreInstanceDirectory directory, List<Integer> order, int cacheEntries) {
        int misses = Math.min(2000, Math.max(0, order.size() - cacheEntries - 1));
        if (misses == 0) {
            System.out.println("miss_ns_median n/a (every instance is cached)");
        } else {
            long[] miss = new long[misses];
            long[] read = new long[misses];
            for (int k = 0; k < misses; k++) {
                String uuid = uuid(order.get(k));
                long t0 = System.nanoTime();
                store.instances().get(UUID.fromString(uuid));
                long t1 = System.nanoTime();
                directory.byUuid(uuid).orElseThrow();
                long t2 = System.nanoTime();
                read[k] = t1 - t0;
                miss[k] = t2 - t1;
            }
            System.out.printf("miss_ns_median %d%nmiss_ns_p90 %d%nmiss_store_read_ns_median %d%n",
                    median(miss), percentile(miss, 0.9), median(read));
        }
        // the instances just built are cached (at most half the cache's capacity of them, so they all are)
        int hot = Math.min(1000, misses == 0 ? order.size() : Math.min(misses, Math.max(1, cacheEntries / 2)));
        int from = misses == 0 ? 0 : misses - hot;
        List<String> uuids = new ArrayList<>();
        List<InetAddress> addresses = new ArrayList<>();
        for (int k = from; k < from + hot; k++) {
            uuids.add(uuid(order.get(k)));
            addresses.add(InetAddress.ofLiteral(ipv4(order.get(k))));
        }
        System.out.printf("hit_ns_median %.1f%nhit_by_address_ns_median %.1f%n",
                hitCost(uuids, directory::byUuid), hitCost(addresses, directory::byAddress));
    }

    /** Median over 200 rounds of the time per lookup, each round every key once. */
    private static <K> double hitCost(List<K> keys, java.util.function.Function<K, Optional<MetadataTree>> lookup) {
        long sink = 0;
        double[] perOp = new double[200];
        for (int round = -50; round < perOp.length; round++) { // 50 rounds of warm-up
            long t0 = System.nanoTime();
            for (K key : keys) {
                sink += lookup.apply(key).orElseThrow().hashCode();
            }
            if (round >= 0) {
                perOp[round] = (System.nanoTime() - t0) / (double) keys.size();
            }
        }
        if (sink == 42) {
            System.out.println();
        }
        Arrays.sort(perOp);
        return perOp[perOp.length / 2];
    }

    // ---- the peer: every tree in memory ----

    private static void memory(int n, ObjectNode template) throws Exception {
        InstanceDocumentParser parser = new InstanceDocumentParser(Limits.nova(), KeyPairResolver.none());
        long base = usedAfterGc();
        Map<String, MetadataTree> byUuid = new HashMap<>(n * 2);
        Map<InetAddress, MetadataTree> byAddress = new HashMap<>(n * 2);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            MetadataTree tree = MetadataTree.build(parser.parse(document(template, i)), OPTIONS);
            byUuid.put(uuid(i), tree);
            byAddress.put(InetAddress.ofLiteral(ipv4(i)), tree);
        }
        long buildMs = (System.nanoTime() - t0) / 1_000_000;
        InstanceDirectory directory = new InstanceDirectory() {
            @Override
            public Optional<MetadataTree> byUuid(String uuid) {
                return Optional.ofNullable(byUuid.get(uuid));
            }

            @Override
            public Optional<MetadataTree> byAddress(InetAddress address) {
                return Optional.ofNullable(byAddress.get(address));
            }
        };
        try (MetadataServer server = MetadataServer.start(MetadataServerConfig.builder()
                .listen(new InetSocketAddress("127.0.0.1", 0)).noManagement()
                .mode(IdentificationMode.PROXY).sharedSecret(SECRET).build(), directory, new InMemoryPasswordStore())) {
            List<Integer> all = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                all.add(i);
            }
            // every instance asked once, as in the store mode (meta_data.json is built on its first request)
            storm(server.port(), directory, all);
            long used = usedAfterGc();
            List<String> uuids = new ArrayList<>();
            for (int i = 0; i < Math.min(1000, n); i++) {
                uuids.add(uuid(i));
            }
            System.out.printf("memory_instances %d%nmemory_build_ms %d%nmemory_heap_used_mb %.1f%n"
                            + "memory_baseline_mb %.1f%nmemory_kb_per_instance %.2f%nmemory_hit_ns_median %.1f%n",
                    n, buildMs, mb(used), mb(base), (used - base) / 1024.0 / n, hitCost(uuids, directory::byUuid));
        }
    }

    private static double mb(long bytes) {
        return bytes / 1048576.0;
    }

    private static long median(long[] values) {
        return percentile(values, 0.5);
    }

    private static long percentile(long[] values, double p) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
    }

    private static long usedAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
