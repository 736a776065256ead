package io.guestdata.server.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.guestdata.testkit.Command;
import io.guestdata.testkit.ToolTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Our port of WebOb's Accept negotiation against WebOb 1.8 itself, on fixed and random headers. */
@ToolTest
class AcceptHeaderTest {
    private static final String WEBOB = """
            import json, sys
            from webob.acceptparse import create_accept_header
            out = []
            for value in json.load(open(sys.argv[1])):
                offers = create_accept_header(header_value=value).acceptable_offers(
                    offers=['text/html', 'application/json'])
                out.append(offers[0][0] if offers else 'text/plain')
            print(json.dumps(out))
            """;

    @Test
    void picksTheFormWebObPicks() throws Exception {
        Fixtures.assumePython();
        List<String> headers = new ArrayList<>(List.of("", "*/*", "text/html", "application/json", "text/plain",
                "application/json;q=0.9, text/html;q=0.8", "text/*", "text/html;level=1", "application/*", "*/*;q=0",
                "garbage", ",", ", ,", "text/html;q=0, */*", "application/json, text/html", "TEXT/HTML",
                "text/html;q=0.5, application/json;q=0.5", "application/json;q=1.0000", "text/html;q=1.1",
                "text/html ; q=0.3, application/json ;q=0.2", "*/*;q=0.1, application/json;q=0.1",
                "text/html;charset=utf-8", "application/json;ext=1;q=0.2", "text/html;q=0.2;ext=\"a b\"",
                "application/json, */*;q=0.5", "image/png", "text/html,,application/json", "*/html",
                "application/json;q=0.001, text/*;q=0.0001", "text/html;q=", "text/html;Q=0.4, application/json",
                "text/html;level=1, text/html;q=0.1", "application/json;a=\"x\\\"y\"", "\ttext/html"));
        Random random = new Random(20240601);
        String[] pieces = {"text/html", "application/json", "*/*", "text/*", "application/*", "image/png", ";q=0",
                ";q=0.5", ";q=1", ";level=1", ",", " ", ";", "=", "\"", "x", "q=0.3", ";q=0.25", ";q=1.0", "TEXT/Html"};
        for (int i = 0; i < 400; i++) {
            StringBuilder h = new StringBuilder();
            for (int n = random.nextInt(6); n >= 0; n--) {
                h.append(pieces[random.nextInt(pieces.length)]);
            }
            headers.add(h.toString());
        }
        Path input = Files.createTempFile("accept", ".json");
        try {
            Fixtures.MAPPER.writeValue(input.toFile(), headers);
            Command.Result r = Fixtures.run(List.of(Fixtures.SYSTEM_PYTHON, "-c", WEBOB, input.toString()), 120);
            assertEquals(0, r.exit(), r.stderr());
            JsonNode webob = r.json();
            for (int i = 0; i < headers.size(); i++) {
                String expected = webob.get(i).asText();
                AcceptHeader.Form ours = AcceptHeader.form(headers.get(i));
                String oursType = switch (ours) {
                    case PLAIN -> "text/plain";
                    case HTML -> "text/html";
                    case JSON -> "application/json";
                };
                assertEquals(expected, oursType, "Accept: " + headers.get(i));
            }
        } finally {
            Files.deleteIfExists(input);
        }
    }

    @Test
    void absentHeaderIsPlainText() {
        assertEquals(AcceptHeader.Form.PLAIN, AcceptHeader.form(null));
        assertEquals(AcceptHeader.Form.HTML, AcceptHeader.form("*/*"));
        assertEquals(AcceptHeader.Form.JSON, AcceptHeader.form("application/json"));
    }
}
