package io.guestdata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.store.Documents;
import io.guestdata.store.Store;
import io.guestdata.store.Stores;
import io.guestdata.testkit.ToolTest;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code guestdata serve} on SQLite in a temporary data directory, as child JVMs. */
@ToolTest
class ServeSqliteTest {
    private static final String META = "/openstack/latest/meta_data.json";
    private static final String PASSWORD = "/openstack/latest/password";

    @TempDir
    Path dir;

    @Test
    void servesByAddressAndSignedProxyHeadersAndPasswordsSurviveARestart() throws Exception {
        Path data = dir.resolve("data");
        Path secret = dir.resolve("secret");
        Files.writeString(secret, "proxy-secret\n");
        try (Store store = Stores.open("sqlite:" + data)) {
            Documents first = Documents.instance().name("web-1").project("p1").address("127.0.10.1").image("img-a");
            store.instances().create(first.bytes());
            HttpClient guest1 = ServeProcess.guest("127.0.10.1");
            try (ServeProcess address = ServeProcess.start(dir, Map.of(), "--data-dir", data.toString());
                 ServeProcess proxy = ServeProcess.start(dir, Map.of("GUESTDATA_MODE", "proxy"),
                         "--data-dir", data.toString(), "--shared-secret-file", secret.toString())) {
                assertTrue(address.output().contains("1 instances"), address.output());
                HttpResponse<String> r = address.get(guest1, META);
                assertEquals(200, r.statusCode(), r.body());
                assertTrue(r.body().contains("\"uuid\": \"" + first.uuid() + "\""), r.body());
                // EC2 ids are the store's allocations
                assertEquals(String.format("i-%08x", store.ec2Ids().instanceId(first.uuid())),
                        address.get(guest1, "/latest/meta-data/instance-id").body());
                assertEquals(String.format("ami-%08x", store.ec2Ids().imageId("img-a")),
                        address.get(guest1, "/latest/meta-data/ami-id").body());
                // an unknown address
                assertEquals(404, address.get(ServeProcess.guest("127.0.10.99"), META).statusCode());

                // created after start: followed through the change feed
                Documents second = Documents.instance().name("web-2").project("p1").address("127.0.10.2");
                store.instances().create(second.bytes());
                long created = System.nanoTime();
                HttpClient guest2 = ServeProcess.guest("127.0.10.2");
                awaitStatus(address, guest2, 200);
                System.out.printf("serve (SQLite): new instance served %d ms after its create%n",
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - created));

                // proxy mode with signed headers
                HttpClient proxyClient = ServeProcess.guest("127.0.0.1");
                String id = second.uuid().toString();
                awaitProxy(proxy, proxyClient, id, sign("proxy-secret", id), "p1", 200);
                r = proxy.get(proxyClient, META, "X-Instance-ID", id, "X-Instance-ID-Signature",
                        sign("proxy-secret", id), "X-Tenant-ID", "p1");
                assertTrue(r.body().contains("\"name\": \"web-2\""), r.body());
                assertEquals(403, proxy.get(proxyClient, META, "X-Instance-ID", id, "X-Instance-ID-Signature",
                        sign("wrong", id), "X-Tenant-ID", "p1").statusCode());
                assertEquals(404, proxy.get(proxyClient, META, "X-Instance-ID", id, "X-Instance-ID-Signature",
                        sign("proxy-secret", id), "X-Tenant-ID", "p2").statusCode());

                // the guest posts its password once
                assertEquals(200, address.post(guest1, PASSWORD, "encrypted-pw").statusCode());
                assertEquals(409, address.post(guest1, PASSWORD, "again").statusCode());
                assertEquals(0, address.terminate(), address.output());
                assertTrue(address.output().contains("guestdata serve: stopped"), address.output());
                assertTrue(!address.output().contains("proxy-secret"), address.output());
                assertTrue(!proxy.output().contains("proxy-secret"), proxy.output());
            }
            try (ServeProcess restarted = ServeProcess.start(dir, Map.of(), "--data-dir", data.toString())) {
                assertEquals("encrypted-pw", restarted.get(guest1, PASSWORD).body());
                assertEquals(409, restarted.post(guest1, PASSWORD, "again").statusCode());
                assertEquals(0, restarted.terminate());
            }
        }
    }

    @Test
    void killMinusNineMidLoadLosesNothingCommittedAndRestartsCleanly() throws Exception {
        Path data = dir.resolve("data");
        int count = 60;
        List<UUID> uuids = new ArrayList<>();
        try (Store store = Stores.open("sqlite:" + data)) {
            for (int i = 0; i < count; i++) {
                Documents d = Documents.instance().name("vm-" + i).address("127.0.11." + (i + 1));
                store.instances().create(d.bytes());
                uuids.add(d.uuid());
            }
        }
        Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
        for (int round = 0; round < 2; round++) {
            try (ServeProcess serve = ServeProcess.start(dir, Map.of(), "--data-dir", data.toString())) {
                int from = round * count / 2;
                Thread load = Thread.ofPlatform().start(() -> {
                    for (int i = from; i < from + count / 2; i++) {
                        try {
                            HttpClient guest = ServeProcess.guest("127.0.11." + (i + 1));
                            serve.get(guest, META);
                            if (serve.post(guest, PASSWORD, "pw-" + i).statusCode() == 200) {
                                acknowledged.add(i);
                            }
                        } catch (Exception e) {
                            return; // killed
                        }
                    }
                });
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (acknowledged.size() < from + 10 && System.nanoTime() < deadline) {
                    Thread.sleep(2);
                }
                serve.kill();
                load.join(30_000);
                assertEquals(137, serve.process.exitValue());
            }
        }
        assertTrue(acknowledged.size() >= 20, "acknowledged " + acknowledged.size());
        try (ServeProcess restarted = ServeProcess.start(dir, Map.of(), "--data-dir", data.toString())) {
            assertTrue(restarted.output().contains(count + " instances"), restarted.output());
            for (int i = 0; i < count; i++) {
                HttpClient guest = ServeProcess.guest("127.0.11." + (i + 1));
                HttpResponse<String> meta = restarted.get(guest, META);
                assertEquals(200, meta.statusCode());
                assertTrue(meta.body().contains(uuids.get(i).toString()));
                String password = restarted.get(guest, PASSWORD).body();
                if (acknowledged.contains(i)) {
                    assertEquals("pw-" + i, password, "acknowledged password of instance " + i);
                } else {
                    assertTrue(password.isEmpty() || password.equals("pw-" + i), password); // at most in flight
                }
            }
            HttpResponse<String> health = restarted.get(HttpClient.newHttpClient(), "/healthz");
            assertEquals(404, health.statusCode()); // not on the guest listener
            assertEquals(0, restarted.terminate());
        }
    }

    private static void awaitStatus(ServeProcess serve, HttpClient guest, int status) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        int last;
        do {
            last = serve.get(guest, META).statusCode();
            if (last == status) {
                return;
            }
            Thread.sleep(5);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("still " + last + " after 1 s, expected " + status);
    }

    private static void awaitProxy(ServeProcess serve, HttpClient client, String id, String signature, String tenant,
                                   int status) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (serve.get(client, META, "X-Instance-ID", id, "X-Instance-ID-Signature", signature, "X-Tenant-ID",
                tenant).statusCode() != status) {
            assertTrue(System.nanoTime() < deadline, "proxy node did not serve " + id);
            Thread.sleep(5);
        }
    }

    static String sign(String secret, String id) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(id.getBytes(StandardCharsets.UTF_8)));
    }
}
