package io.guestdata.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The hand-written OpenAPI 3.1 description of the API ({@code openapi.yaml}), served as YAML and as JSON. */
final class OpenApiDocument {
    private final byte[] yaml;
    private final byte[] json;

    private OpenApiDocument(byte[] yaml, byte[] json) {
        this.yaml = yaml;
        this.json = json;
    }

    static OpenApiDocument load() {
        byte[] yaml = resource();
        try {
            JsonNode tree = parse(yaml);
            return new OpenApiDocument(yaml, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(tree));
        } catch (IOException e) {
            throw new UncheckedIOException("the OpenAPI document does not parse", e);
        }
    }

    static byte[] resource() {
        try (InputStream in = OpenApiDocument.class.getResourceAsStream(ManagementApi.OPENAPI_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + ManagementApi.OPENAPI_RESOURCE);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode parse(byte[] yaml) throws IOException {
        return new ObjectMapper(new YAMLFactory()).readTree(yaml);
    }

    void sendYaml(ServerResponse res) {
        res.header(HeaderValues.create(HeaderNames.CONTENT_TYPE, "application/yaml"));
        res.send(yaml);
    }

    void sendJson(ServerResponse res) {
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        res.send(json);
    }
}
