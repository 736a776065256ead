package io.guestdata.server.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.server.api.ManagementApi;
import io.guestdata.server.metadata.dev.InMemoryInstanceDirectory;
import io.guestdata.server.metadata.dev.InMemoryPasswordStore;
import io.guestdata.store.Store;
import io.guestdata.store.Stores;
import io.helidon.webserver.http.HttpService;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API listener: a service registered at /v1 is reachable there, and only there; the listener's own filter
 * (ConnectionTearDown) sees the answers the management API's filter gives.
 */
class ApiListenerTest {
    @Test
    void aServiceAtV1IsServedOnTheApiListenerOnly() throws Exception {
        HttpService api = rules -> rules.get("/ping", (req, res) -> res.send("pong"));
        try (MetadataServer server = MetadataServer.start(TestServers.config().build(),
                new InMemoryInstanceDirectory(MetadataOptions.defaults()), new InMemoryPasswordStore(),
                Optional.of(new ApiListener(new InetSocketAddress("127.0.0.1", 0), Map.of("/v1", api))))) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.apiPort() + "/v1/ping")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertEquals("pong", r.body());
            assertEquals(404, client.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port() + "/v1/ping")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
        }
    }

    @Test
    void theManagementApisRefusalOfAClosingRequestClosesTheConnection(@TempDir Path dir) throws Exception {
        try (Store store = Stores.open("sqlite:" + dir);
             MetadataServer server = MetadataServer.start(TestServers.config().build(),
                     new InMemoryInstanceDirectory(MetadataOptions.defaults()), new InMemoryPasswordStore(),
                     Optional.of(new ApiListener(new InetSocketAddress("127.0.0.1", 0),
                             List.of(ManagementApi.create(store, "t0ken", MetadataOptions.defaults())))))) {
            try (Socket s = ConnectionLimitsTest.connect("127.0.0.1", server.apiPort())) {
                RawHttp.Response r = ConnectionLimitsTest.exchange(s, "GET /v1/instances HTTP/1.1\r\nHost: x\r\n"
                        + "Connection: close\r\n\r\n");
                assertEquals(401, r.status());
                assertTrue(ConnectionLimitsTest.closedWithin(s, 1000), "EOF within 1 s after the 401");
            }
            try (Socket s = ConnectionLimitsTest.connect("127.0.0.1", server.apiPort())) {
                RawHttp.Response r = ConnectionLimitsTest.exchange(s, "GET /v1/instances/nope HTTP/1.1\r\n"
                        + "Host: x\r\nAuthorization: Bearer t0ken\r\nConnection: close\r\n\r\n");
                assertEquals(404, r.status());
                assertTrue(ConnectionLimitsTest.closedWithin(s, 1000), "EOF within 1 s after the error handler's 404");
            }
        }
    }
}
