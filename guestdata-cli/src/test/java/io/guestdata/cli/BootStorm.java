package io.guestdata.cli;

import io.guestdata.server.proxy.MetadataProxy;
import io.guestdata.store.Documents;
import io.guestdata.store.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * A small boot storm for tests: {@code instances} instances in a store, the first {@code guests} of them booting
 * (each a virtual thread replaying {@link CloudInitOpenStackBoot} from its own 127.x address) through an in-process
 * {@code guestdata proxy} (configured by {@link ProxyCommand}'s own options, so its defaults are the command's),
 * arriving spread over {@code arrivalMillis} as a batch boot does. {@link #updating} rewrites random instances
 * meanwhile, so a guest can check it never gets a version older than the last one committed (allowing the
 * change feed its {@link #PROPAGATION_MS}).
 */
final class BootStorm implements AutoCloseable {
    static final String PROJECT = "storm";
    /** How long after a write's return a node may still answer the previous version (ServeMultiNodeTest's bound). */
    static final long PROPAGATION_MS = 1_000;

    private final Store store;
    private final List<CloudInitOpenStackBoot.Guest> guests = new ArrayList<>();
    private final Map<UUID, Versions> versions = new ConcurrentHashMap<>();
    private final MetadataProxy proxy;
    private final AtomicBoolean updating = new AtomicBoolean();
    private final AtomicInteger updates = new AtomicInteger();
    private final AtomicInteger failedUpdates = new AtomicInteger();
    private Thread updater;

    /** The generations of one instance's metadata and when each write returned. */
    private static final class Versions {
        final ConcurrentLinkedDeque<long[]> committed = new ConcurrentLinkedDeque<>(); // {generation, nanos}
        final int index;
        volatile long storeVersion;

        Versions(int index) {
            this.index = index;
        }

        long settled() {
            long cutoff = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(PROPAGATION_MS);
            long best = 0;
            for (long[] c : committed) {
                if (c[1] <= cutoff) {
                    best = Math.max(best, c[0]);
                }
            }
            return best;
        }
    }

    private BootStorm(Store store, MetadataProxy proxy) {
        this.store = store;
        this.proxy = proxy;
    }

    /** Creates the instances, writes the proxy's mapping and starts the proxy in front of {@code nodes}. */
    static BootStorm prepare(Path dir, Store store, int instances, int guests, List<ServeProcess> nodes,
                             String secret, String... proxyOptions) throws IOException, CommandFailure {
        List<byte[]> documents = new ArrayList<>();
        List<CloudInitOpenStackBoot.Guest> all = new ArrayList<>();
        StringBuilder mapping = new StringBuilder();
        BootStorm[] self = new BootStorm[1];
        for (int i = 0; i < instances; i++) {
            String address = address(i);
            UUID uuid = UUID.randomUUID();
            String name = "storm-" + i;
            documents.add(document(uuid, name, address, 0));
            mapping.append(address).append('=').append(uuid).append(':').append(PROJECT).append('\n');
            all.add(new CloudInitOpenStackBoot.Guest(address, uuid, name, () -> self[0].versions.get(uuid).settled()));
        }
        var stored = store.instances().createAll(documents);
        Path mappingFile = dir.resolve("proxy-map");
        Files.writeString(mappingFile, mapping);
        Path secretFile = dir.resolve("proxy-secret");
        Files.writeString(secretFile, secret);
        List<String> args = new ArrayList<>(List.of("--listen", "127.0.0.1:0", "--mapping-file", mappingFile.toString(),
                "--secret-file", secretFile.toString()));
        nodes.forEach(n -> args.addAll(List.of("--upstream", "127.0.0.1:" + n.port)));
        args.addAll(List.of(proxyOptions));
        ProxyCommand command = new ProxyCommand(Map.of());
        new picocli.CommandLine(command).parseArgs(args.toArray(String[]::new));
        BootStorm storm = new BootStorm(store, MetadataProxy.start(command.config()));
        self[0] = storm;
        for (int i = 0; i < instances; i++) {
            Versions v = new Versions(i);
            v.committed.add(new long[] {0, System.nanoTime()});
            v.storeVersion = stored.get(i).version();
            storm.versions.put(all.get(i).uuid(), v);
        }
        storm.guests.addAll(all.subList(0, guests));
        storm.awaitIndexed(nodes, all.getLast().uuid(), secret);
        return storm;
    }

    /**
     * Waits until every node answers the last instance created (the change feed has delivered them all), as a batch
     * boot's guests start only after their instances are created; prints how long that took.
     */
    private void awaitIndexed(List<ServeProcess> nodes, UUID last, String secret) throws IOException {
        long start = System.nanoTime();
        String[] signed = {"X-Instance-ID", last.toString(), "X-Tenant-ID", PROJECT,
                "X-Instance-ID-Signature", new io.guestdata.server.proxy.Signer(secret).sign(last.toString())};
        java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
        try {
            for (ServeProcess node : nodes) {
                while (node.get(client, "/openstack/latest/meta_data.json", signed).statusCode() != 200) {
                    if (System.nanoTime() - start > TimeUnit.SECONDS.toNanos(60)) {
                        throw new IllegalStateException("node " + node.port + " did not index the instances in 60 s");
                    }
                    Thread.sleep(20);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        } finally {
            client.close();
        }
        System.out.printf("storm: %d instances created, served by every node after %d ms%n", versions.size(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    private static String address(int i) {
        return "127.32." + (i / 250) + "." + (i % 250 + 1);
    }

    private static byte[] document(UUID uuid, String name, String address, long generation) {
        return Documents.instance(uuid).name(name).project(PROJECT).address(address)
                .meta("generation", Long.toString(generation)).bytes();
    }

    int proxyPort() {
        return proxy.port();
    }

    /** Starts rewriting random instances (a new generation each), one every {@code everyMillis}, until closed. */
    void updating(long everyMillis) {
        updating.set(true);
        List<UUID> uuids = List.copyOf(versions.keySet());
        updater = Thread.ofPlatform().name("storm-updater").start(() -> {
            while (updating.get()) {
                UUID uuid = uuids.get(ThreadLocalRandom.current().nextInt(uuids.size()));
                Versions v = versions.get(uuid);
                long generation = v.committed.getLast()[0] + 1;
                try {
                    v.storeVersion = store.instances().update(uuid, v.storeVersion,
                            document(uuid, "storm-" + v.index, address(v.index), generation)).version();
                    v.committed.add(new long[] {generation, System.nanoTime()});
                    updates.incrementAndGet();
                } catch (RuntimeException e) { // the store is down: the write is not acknowledged, nothing to expect
                    failedUpdates.incrementAndGet();
                }
                try {
                    Thread.sleep(everyMillis);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    /**
     * Boots every guest, arrivals spread evenly over {@code arrivalMillis}, calling {@code fault} on another thread
     * at {@code faultAtMillis}; returns each guest's result once all have finished (or given up).
     */
    List<CloudInitOpenStackBoot.Result> boot(long arrivalMillis, long faultAtMillis, FaultAction fault)
            throws Exception {
        long start = System.nanoTime();
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?> faulting = threads.submit(() -> {
                sleepUntil(start, faultAtMillis);
                fault.run();
                return null;
            });
            List<Future<CloudInitOpenStackBoot.Result>> results = new ArrayList<>();
            for (int i = 0; i < guests.size(); i++) {
                CloudInitOpenStackBoot.Guest guest = guests.get(i);
                long at = arrivalMillis * i / guests.size();
                results.add(threads.submit(() -> {
                    sleepUntil(start, at);
                    return CloudInitOpenStackBoot.boot("127.0.0.1", proxy.port(), guest);
                }));
            }
            faulting.get();
            List<CloudInitOpenStackBoot.Result> out = new ArrayList<>();
            for (Future<CloudInitOpenStackBoot.Result> r : results) {
                out.add(r.get());
            }
            return out;
        }
    }

    /** The summary line the tests print, and the failures (each with its guest's request trace). */
    static String summary(String name, List<CloudInitOpenStackBoot.Result> results) {
        List<Long> times = results.stream().map(CloudInitOpenStackBoot.Result::millis).sorted().toList();
        int requests = results.stream().mapToInt(CloudInitOpenStackBoot.Result::requests).sum();
        int retries = results.stream().mapToInt(CloudInitOpenStackBoot.Result::retries).sum();
        List<CloudInitOpenStackBoot.Result> failed = results.stream().filter(r -> !r.ok()).toList();
        return String.format("%s: %d guests, %d requests (%d retried by the guests' cloud-init policy); boot time "
                        + "median %d ms, max %d ms; %d failed%s%nslowest guest: %s", name, results.size(), requests,
                retries, times.get(times.size() / 2), times.getLast(), failed.size(),
                failed.stream().limit(5).map(r -> "\n  " + r.guest().address() + " " + r.failure() + "\n    "
                        + String.join("\n    ", r.trace())).collect(Collectors.joining()),
                results.stream().max(java.util.Comparator.comparingLong(CloudInitOpenStackBoot.Result::millis))
                        .map(r -> String.join(", ", r.trace())).orElse(""));
    }

    int updates() {
        return updates.get();
    }

    int failedUpdates() {
        return failedUpdates.get();
    }

    private static void sleepUntil(long start, long millis) throws InterruptedException {
        long wait = millis - (System.nanoTime() - start) / 1_000_000;
        if (wait > 0) {
            Thread.sleep(wait);
        }
    }

    @Override
    public void close() throws InterruptedException {
        updating.set(false);
        if (updater != null) {
            updater.interrupt();
            updater.join(10_000);
        }
        proxy.close();
    }

    /** The fault injected mid-storm. */
    @FunctionalInterface
    interface FaultAction {
        void run() throws Exception;
    }
}
