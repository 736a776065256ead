package io.guestdata.server.api;

import static io.guestdata.server.api.ApiClient.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.store.Store;
import io.guestdata.store.StoreException;
import io.guestdata.store.Stores;
import io.helidon.webserver.WebServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The management API's seams with Helidon's routing: a route that is not the API's own, registered beside it below
 * {@code /v1}, is guarded by the API's authentication filter and answered by its error handlers, with no code of
 * its own for either; a path outside {@code /v1} is left alone.
 */
class ManagementApiRoutingTest {
    private static final String TOKEN = "s3cret-token-for-tests";

    private Store store;
    private ManagementApi api;
    private WebServer server;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start(@TempDir Path dir) {
        store = Stores.open("sqlite:" + dir);
        api = ManagementApi.create(store, TOKEN, MetadataOptions.defaults());
        server = WebServer.builder().host("127.0.0.1").port(0)
                .routing(r -> r.addFeature(api)
                        // a throwaway route: no authentication, no error handling of its own
                        .any("/v1/throwaway/{what}", (req, res) -> {
                            switch (req.path().pathParameters().get("what")) {
                                case "api-error" -> throw new ApiError(409, "thrown", "thrown by a route", "/x",
                                        "1 x", null);
                                case "not-found" -> throw new StoreException.NotFound("thing", "k");
                                case "database" -> throw new StoreException.DatabaseError("disk gone", true, null);
                                default -> res.send("fine");
                            }
                        })
                        .get("/elsewhere", (req, res) -> res.send("open")))
                .build().start();
    }

    @AfterEach
    void stop() {
        server.stop();
        store.close();
    }

    @Test
    void aRouteAddedBelowTheMountPathNeedsTheToken() throws Exception {
        HttpResponse<String> none = send(request("/v1/throwaway/ok").GET().build());
        assertEquals(401, none.statusCode());
        assertEquals("Bearer realm=\"guestdata\"", none.headers().firstValue("WWW-Authenticate").orElseThrow());
        assertEquals("unauthorized", json(none).at("/error/code").asText());
        assertEquals("this API needs an Authorization: Bearer <token> header", json(none).at("/error/message").asText());

        HttpResponse<String> wrong = send(request("/v1/throwaway/ok").header("Authorization", "Bearer nope").GET()
                .build());
        assertEquals(401, wrong.statusCode());
        assertEquals("Bearer realm=\"guestdata\", error=\"invalid_token\"",
                wrong.headers().firstValue("WWW-Authenticate").orElseThrow());
        assertEquals("the bearer token is not valid", json(wrong).at("/error/message").asText());

        HttpResponse<String> ok = send(authorized("/v1/throwaway/ok").GET().build());
        assertEquals(200, ok.statusCode());
        assertEquals("fine", ok.body());
    }

    @Test
    void aPathOutsideTheMountPathIsNotGuarded() throws Exception {
        HttpResponse<String> r = send(request("/elsewhere").GET().build());
        assertEquals(200, r.statusCode());
        assertEquals("open", r.body());
        assertFalse(r.headers().firstValue("WWW-Authenticate").isPresent());
    }

    @Test
    void whatAnyRouteThrowsIsAnsweredByTheOneHandler() throws Exception {
        HttpResponse<String> refused = send(authorized("/v1/throwaway/api-error").GET().build());
        assertEquals(409, refused.statusCode());
        assertEquals("application/json", refused.headers().firstValue("Content-Type").orElseThrow());
        JsonNode error = json(refused).get("error");
        assertEquals("thrown", error.get("code").asText());
        assertEquals("thrown by a route", error.get("message").asText());
        assertEquals("/x", error.get("field").asText());
        assertEquals("1 x", error.get("limit").asText());

        HttpResponse<String> head = send(authorized("/v1/throwaway/api-error").HEAD().build());
        assertEquals(409, head.statusCode());
        assertEquals("", head.body());

        HttpResponse<String> missing = send(authorized("/v1/throwaway/not-found").GET().build());
        assertEquals(404, missing.statusCode());
        assertEquals("not_found", json(missing).at("/error/code").asText());
        assertEquals("thing k not found", json(missing).at("/error/message").asText());

        assertEquals(0, api.storeErrors());
        HttpResponse<String> outage = send(authorized("/v1/throwaway/database").GET().build());
        assertEquals(503, outage.statusCode());
        assertTrue(outage.headers().firstValue("Retry-After").isPresent());
        assertEquals("database_unavailable", json(outage).at("/error/code").asText());
        assertEquals(1, api.storeErrors(), "a database failure in any route is counted");
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
    }

    private HttpRequest.Builder authorized(String path) {
        return request(path).header("Authorization", "Bearer " + TOKEN);
    }

    private HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
