package io.guestdata.server.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** WebOb's three error body forms, as Nova's handler sends them (bytes taken from nova_oracle.py). */
class ErrorResponseTest {
    @Test
    void plainText() {
        ErrorResponse.Rendered r = ErrorResponse.NOT_FOUND.render(null);
        assertEquals("text/plain; charset=UTF-8", r.contentType());
        assertEquals("404 Not Found\n\nThe resource could not be found.\n\n   ", text(r));
        assertEquals("400 Bad Request\n\nX-Instance-ID header is missing from request.\n\n   ",
                text(ErrorResponse.badRequest("X-Instance-ID header is missing from request.").render("text/plain")));
    }

    @Test
    void html() {
        ErrorResponse.Rendered r = ErrorResponse.BAD_SIGNATURE.render("text/html");
        assertEquals("text/html; charset=UTF-8", r.contentType());
        assertEquals("<html>\n <head>\n  <title>403 Forbidden</title>\n </head>\n <body>\n  <h1>403 Forbidden</h1>\n"
                + "  Invalid proxy request signature.<br /><br />\n\n\n\n </body>\n</html>", text(r));
    }

    @Test
    void json() {
        ErrorResponse.Rendered r = ErrorResponse.NOT_FOUND.render("application/json");
        assertEquals("application/json", r.contentType());
        assertEquals("{\"message\": \"The resource could not be found.<br /><br />\\n\\n\\n\", \"code\": \"404 Not Found\", "
                + "\"title\": \"Not Found\"}", text(r));
    }

    @Test
    void messagesFromHeadersAreEscapedInHtmlAndStrippedInText() {
        ErrorResponse e = ErrorResponse.badRequest("Expected a single port matching provider <b>é'\"&</b> and IP x. Found 0.");
        assertEquals("  Expected a single port matching provider &lt;b&gt;&#233;&#x27;&quot;&amp;&lt;/b&gt; and IP x. Found 0.<br />",
                text(e.render("text/html")).lines().filter(l -> l.contains("Expected")).findFirst().orElseThrow()
                        .replace("<br /><br />", "<br />"));
        assertEquals("400 Bad Request\n\nExpected a single port matching provider é'\"& and IP x. Found 0.\n\n   ",
                text(e.render(null)));
    }

    private static String text(ErrorResponse.Rendered r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }
}
