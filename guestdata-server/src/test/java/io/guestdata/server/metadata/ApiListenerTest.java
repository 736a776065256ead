package io.guestdata.server.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.guestdata.core.metadata.MetadataOptions;
import io.helidon.webserver.http.HttpService;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The API listener: a service registered at /v1 is reachable there, and only there. */
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
}
