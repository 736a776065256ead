package io.guestdata.server.metadata;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.core.metadata.PythonJson;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * An error answer exactly as Nova's handler gives it: a WebOb 1.8 {@code HTTPException} whose explanation is
 * the message (Nova raises e.g. {@code HTTPBadRequest(explanation=msg)}), rendered in the form the request's
 * {@code Accept} header picks (nova-compat.md §2.4):
 * <ul>
 *   <li>plain text, {@code text/plain; charset=UTF-8}: {@code "404 Not Found\n\n<explanation>\n\n   "}
 *       (WebOb's template {@code ${explanation}<br /><br />\n${detail}\n${html_comment}\n} with tags stripped
 *       and newlines turned into spaces, then {@code <br />} into newlines);</li>
 *   <li>an HTML page, {@code text/html; charset=UTF-8}, the explanation HTML-escaped;</li>
 *   <li>{@code {"message": ..., "code": "404 Not Found", "title": "Not Found"}}, {@code application/json},
 *       the message with its {@code <br />} tags kept, as WebOb does.</li>
 * </ul>
 * A HEAD request gets none of these: WebOb answers it with the exception's own empty response,
 * {@code text/html; charset=UTF-8} and {@code Content-Length: 0}.
 *
 * @param status      the status code
 * @param title       the reason phrase, as WebOb's class names it (e.g. {@code Not Found})
 * @param explanation the message
 */
public record ErrorResponse(int status, String title, String explanation) {
    static final String TEXT_PLAIN = "text/plain; charset=UTF-8";
    static final String TEXT_HTML = "text/html; charset=UTF-8";
    static final String APPLICATION_JSON = "application/json";

    /** Nova's 404 for every unknown path, instance, tenant mismatch (WebOb's default explanation). */
    public static final ErrorResponse NOT_FOUND = new ErrorResponse(404, "Not Found", "The resource could not be found.");
    /** Nova's 403 for a bad proxy signature. */
    static final ErrorResponse BAD_SIGNATURE = forbidden("Invalid proxy request signature.");
    /** Nova's 500 when loading the instance failed. */
    public static final ErrorResponse UNKNOWN_ERROR = new ErrorResponse(500, "Internal Server Error",
            "An unknown error has occurred. Please try your request again.");

    /**
     * WebOb's {@code HTTPServiceUnavailable} with its default explanation: the store is unavailable for now
     * (sent with {@code Retry-After}, {@link StoreOutage}), or the listener refuses a request under load.
     */
    public static final ErrorResponse SERVICE_UNAVAILABLE = new ErrorResponse(503, "Service Unavailable",
            "The server is currently unavailable. Please try again at a later time.");

    /**
     * WebOb's {@code HTTPTooManyRequests} with its default explanation (no final full stop, as WebOb's): the
     * requester is over its {@link RequestRate}; sent with {@code Retry-After}.
     */
    public static final ErrorResponse TOO_MANY_REQUESTS = new ErrorResponse(429, "Too Many Requests",
            "The client has sent too many requests in a given amount of time");

    public ErrorResponse {
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(explanation, "explanation");
    }

    static ErrorResponse badRequest(String explanation) {
        return new ErrorResponse(400, "Bad Request", explanation);
    }

    static ErrorResponse forbidden(String explanation) {
        return new ErrorResponse(403, "Forbidden", explanation);
    }

    /** The body and its content type for a request with this {@code Accept} value (null when absent). */
    public Rendered render(String accept) {
        String statusLine = status + " " + title;
        String body = explanation + "<br /><br />\n\n\n";
        return switch (AcceptHeader.form(accept)) {
            case PLAIN -> new Rendered(TEXT_PLAIN, utf8(statusLine + "\n\n" + stripTags(body)));
            case HTML -> new Rendered(TEXT_HTML, utf8("<html>\n <head>\n  <title>" + statusLine
                    + "</title>\n </head>\n <body>\n  <h1>" + statusLine + "</h1>\n  "
                    + htmlEscape(explanation) + "<br /><br />\n\n\n\n </body>\n</html>"));
            case JSON -> {
                ObjectNode json = JsonNodeFactory.instance.objectNode();
                json.put("message", body);
                json.put("code", statusLine);
                json.put("title", title);
                yield new Rendered(APPLICATION_JSON, PythonJson.dumpsUtf8(json));
            }
        };
    }

    /** A rendered error body. */
    public record Rendered(String contentType, byte[] body) {
    }

    /** WebOb's {@code strip_tags}: newlines to spaces, CRs dropped, {@code <br>} to newlines, other tags removed. */
    static String stripTags(String value) {
        String v = value.replace("\n", " ").replace("\r", "");
        v = v.replaceAll("(?is)<br.*?>", "\n");
        v = v.replaceAll("<!--|-->", "");
        return v.replaceAll("(?s)<.*?>", "");
    }

    /** WebOb's {@code html_escape}: Python's {@code html.escape(s, True)}, non-ASCII as decimal references. */
    static String htmlEscape(String value) {
        StringBuilder out = new StringBuilder(value.length() + 16);
        value.codePoints().forEach(c -> {
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#x27;");
                default -> {
                    if (c < 0x80) {
                        out.append((char) c);
                    } else {
                        out.append("&#").append(c).append(';');
                    }
                }
            }
        });
        return out.toString();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
