package io.guestdata.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.guestdata.store.Stores;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The OpenAPI document describes exactly the routes the service registers. */
class OpenApiCoverageTest {
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "head", "patch", "options");

    static Set<String> documented(JsonNode doc) {
        Set<String> ops = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            for (Iterator<String> keys = path.getValue().fieldNames(); keys.hasNext(); ) {
                String key = keys.next();
                if (METHODS.contains(key)) {
                    ops.add(key.toUpperCase(Locale.ROOT) + " " + path.getKey());
                }
            }
        }
        return ops;
    }

    @Test
    void everyRouteIsDocumentedAndViceVersa(@TempDir Path dir) throws Exception {
        JsonNode doc = OpenApiDocument.parse(OpenApiDocument.resource());
        assertEquals("3.1.0", doc.get("openapi").asText());
        assertEquals("/v1", doc.at("/servers/0/url").asText());
        try (var store = Stores.open("sqlite:" + dir)) {
            Set<String> registered = new TreeSet<>();
            for (ManagementApi.Route r : ManagementApi.create(store, "t", io.guestdata.core.metadata.MetadataOptions
                    .defaults()).routes()) {
                registered.add(r.method().text() + " " + r.path());
            }
            assertEquals(registered, documented(doc));
        }
        for (JsonNode ref : doc.findValues("$ref")) {
            String pointer = ref.asText().substring(1);
            assertFalse(doc.at(pointer).isMissingNode(), "dangling $ref " + ref.asText());
        }
    }

    /** Each documented operation reaches a handler over HTTP (not the no-route or wrong-method answer). */
    @Test
    void everyDocumentedOperationIsServed(@TempDir Path dir) throws Exception {
        try (ApiClient api = new ApiClient(dir)) {
            JsonNode yaml = OpenApiDocument.parse(OpenApiDocument.resource());
            HttpResponse<String> served = api.get("/v1/openapi.json");
            assertEquals(200, served.statusCode());
            assertEquals(yaml, ApiClient.json(served));
            HttpResponse<String> servedYaml = api.get("/v1/openapi.yaml");
            assertEquals(yaml, OpenApiDocument.parse(servedYaml.body().getBytes()));
            List<String> failures = new ArrayList<>();
            for (String op : documented(yaml)) {
                String method = op.substring(0, op.indexOf(' '));
                String path = "/v1" + op.substring(op.indexOf(' ') + 1).replace("{uuid}", UUID.randomUUID().toString())
                        .replace("{name}", "nokey");
                HttpRequest.Builder b = api.request(path).header("Content-Type", "application/json");
                HttpRequest request = switch (method) {
                    case "HEAD" -> b.HEAD().build();
                    default -> b.method(method, method.equals("POST") || method.equals("PUT")
                            ? HttpRequest.BodyPublishers.ofString("{}") : HttpRequest.BodyPublishers.noBody()).build();
                };
                HttpResponse<String> r = api.send(request);
                assertNotEquals(401, r.statusCode(), op);
                if (r.statusCode() == 405 || r.body().contains("\"no_route\"")) {
                    failures.add(op + " -> " + r.statusCode() + " " + r.body());
                }
            }
            assertTrue(failures.isEmpty(), failures.toString());
        }
    }
}
