package io.guestdata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.store.Documents;
import io.guestdata.store.Store;
import io.guestdata.store.Stores;
import io.guestdata.testkit.DatabaseTest;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Two {@code guestdata serve} nodes (child JVMs) on one throwaway PostgreSQL; a third party writes through a
 * {@link Store}. Node 2 must answer every change within 1 s.
 */
@DatabaseTest
class ServeMultiNodeTest extends ServeNodesOnPostgres {
    private static final String META = "/openstack/latest/meta_data.json";
    private static final String PASSWORD = "/openstack/latest/password";
    private static final long LIMIT_MS = 1000;

    @Test
    void changesThroughTheStoreReachTheOtherNodeWithinOneSecond() throws Exception {
        String url = postgres.url(postgres.createDatabase());
        List<Long> latencies = new ArrayList<>();
        try (Store store = Stores.open(url);
             ServeProcess node1 = ServeProcess.start(dir, Map.of("GUESTDATA_STORE", url));
             ServeProcess node2 = ServeProcess.start(dir, Map.of("GUESTDATA_STORE", url))) {
            assertTrue(!node1.output().contains(url.substring(url.indexOf("password=") + 9)), node1.output());
            for (int round = 0; round < 5; round++) {
                String a = "127.0.20." + (2 * round + 1);
                String b = "127.0.20." + (2 * round + 2);
                HttpClient guestA = ServeProcess.guest(a);
                HttpClient guestB = ServeProcess.guest(b);
                UUID uuid = UUID.randomUUID();

                store.instances().create(Documents.instance(uuid).name("alpha").project("p").address(a)
                        .meta("color", "red").bytes());
                latencies.add(await(node2, guestA, r -> r.statusCode() == 200 && r.body().contains("\"red\"")));

                store.instances().update(uuid, 1, Documents.instance(uuid).name("alpha").project("p").address(a)
                        .meta("color", "blue").bytes());
                latencies.add(await(node2, guestA, r -> r.body().contains("\"blue\"")));

                // the instance moves to another address: the old one is no longer it
                store.instances().update(uuid, 2, Documents.instance(uuid).name("alpha").project("p").address(b)
                        .meta("color", "blue").bytes());
                latencies.add(await(node2, guestB, r -> r.statusCode() == 200));
                assertEquals(404, node2.get(guestA, META).statusCode());

                // a password posted through node 1 is visible through node 2 at once, and set once (node 1 follows
                // the move too: on a loaded machine it may apply it a little after node 2)
                await(node1, guestB, r -> r.statusCode() == 200);
                assertEquals(200, node1.post(guestB, PASSWORD, "pw-" + round).statusCode());
                assertEquals("pw-" + round, node2.get(guestB, PASSWORD).body());
                assertEquals(409, node2.post(guestB, PASSWORD, "other").statusCode());
                assertEquals(409, node1.post(guestB, PASSWORD, "other").statusCode());

                store.instances().delete(uuid);
                latencies.add(await(node2, guestB, r -> r.statusCode() == 404));
                // node 1 followed as well
                await(node1, guestB, r -> r.statusCode() == 404);
            }
            List<Long> sorted = latencies.stream().sorted().toList();
            System.out.printf("serve (PostgreSQL, 2 nodes): %d changes seen by node 2; median %d ms, max %d ms%n",
                    sorted.size(), sorted.get(sorted.size() / 2), sorted.getLast());
            assertEquals(0, node1.terminate());
            assertEquals(0, node2.terminate());
        }
    }

    @Test
    void anInstanceCreatedThroughNodeOnesApiIsServedByNodeTwoWithinOneSecond() throws Exception {
        String url = postgres.url(postgres.createDatabase());
        String token = "t-" + UUID.randomUUID();
        int apiPort;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            apiPort = free.getLocalPort();
        }
        try (ServeProcess node1 = ServeProcess.start(dir, Map.of("GUESTDATA_STORE", url, "GUESTDATA_API_TOKEN", token),
                     "--api-listen", "127.0.0.1:" + apiPort);
             ServeProcess node2 = ServeProcess.start(dir, Map.of("GUESTDATA_STORE", url))) {
            HttpClient admin = HttpClient.newHttpClient();
            HttpClient guest = ServeProcess.guest("127.0.21.7");
            UUID uuid = UUID.randomUUID();
            java.net.URI instances = java.net.URI.create("http://127.0.0.1:" + apiPort + "/v1/instances");
            HttpResponse<String> unauthorised = admin.send(java.net.http.HttpRequest.newBuilder(instances).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(401, unauthorised.statusCode(), "the management API needs the token");

            HttpResponse<String> created = admin.send(java.net.http.HttpRequest.newBuilder(instances)
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(Documents.instance(uuid).name("via-api")
                            .project("p").address("127.0.21.7").meta("color", "green").bytes())).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(201, created.statusCode(), created.body());
            long seen = await(node2, guest, r -> r.statusCode() == 200 && r.body().contains("\"green\""));

            HttpResponse<String> deleted = admin.send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create(instances + "/" + uuid)).header("Authorization", "Bearer " + token)
                    .DELETE().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(204, deleted.statusCode(), deleted.body());
            long gone = await(node2, guest, r -> r.statusCode() == 404);
            System.out.printf("serve (PostgreSQL, 2 nodes, through node 1's API): created seen by node 2 after %d ms,"
                    + " deletion after %d ms%n", seen, gone);
            assertEquals(0, node1.terminate());
            assertEquals(0, node2.terminate());
        }
    }

    /** Polls {@code node} until {@code done}; the milliseconds it took (from the write's return), failing after 1 s. */
    private static long await(ServeProcess node, HttpClient guest, Predicate<HttpResponse<String>> done) throws Exception {
        long start = System.nanoTime();
        long deadline = start + TimeUnit.MILLISECONDS.toNanos(LIMIT_MS);
        HttpResponse<String> last;
        do {
            last = node.get(guest, META);
            if (done.test(last)) {
                return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            }
            Thread.sleep(2);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("node did not apply the change within " + LIMIT_MS + " ms; last answer "
                + last.statusCode() + " " + last.body());
    }
}
