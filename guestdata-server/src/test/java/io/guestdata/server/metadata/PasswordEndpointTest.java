package io.guestdata.server.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.guestdata.server.metadata.dev.InMemoryPasswordStore;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class PasswordEndpointTest {
    private static final UUID ID = UUID.randomUUID();
    private final InMemoryPasswordStore store = new InMemoryPasswordStore();
    private final PasswordEndpoint endpoint = new PasswordEndpoint(store);

    @Test
    void setOnceThenConflictBeforeTheSizeCheck() throws Exception {
        assertEquals("", body(upload("GET", null, "")));
        assertEquals("", body(upload("POST", 6L, "secret")));
        assertEquals("secret", body(upload("GET", null, "")));
        assertEquals(409, refused(upload("POST", 6L, "second")));
        assertEquals(409, refused(upload("POST", 5000L, "x".repeat(5000))), "409 comes before the size check");
        store.clear(ID);
        assertEquals(400, refused(upload("POST", 5000L, "")), "by Content-Length");
        assertEquals(400, refused(upload("POST", null, "x".repeat(1021))), "by the body (no Content-Length)");
        assertEquals(Optional.empty(), store.get(ID));
        assertEquals("", body(upload("POST", 1020L, "y".repeat(1020))));
        assertEquals("y".repeat(1020), store.get(ID).orElseThrow());
    }

    @Test
    void emptyPostStoresNothingAndOtherMethodsAreRefused() throws Exception {
        assertEquals("", body(upload("POST", 0L, "")));
        assertEquals(Optional.empty(), store.get(ID), "an empty password is no password (Nova's empty chunks)");
        for (String m : new String[] {"PUT", "DELETE", "HEAD", "OPTIONS"}) {
            assertEquals(400, refused(upload(m, null, "")));
        }
        assertEquals(400, refused(new Upload("POST", OptionalLong.of(2), new byte[] {(byte) 0xff, (byte) 0xfe})),
                "not UTF-8");
    }

    private record Upload(String method, OptionalLong contentLength, byte[] body) implements PasswordEndpoint.Upload {
        @Override
        public byte[] readAtMost(int limit) {
            return java.util.Arrays.copyOf(body, Math.min(limit, body.length));
        }
    }

    private static Upload upload(String method, Long length, String body) {
        return new Upload(method, length == null ? OptionalLong.empty() : OptionalLong.of(length),
                body.getBytes(StandardCharsets.UTF_8));
    }

    private String body(Upload u) throws Exception {
        return new String(assertInstanceOf(PasswordEndpoint.Outcome.Body.class, endpoint.handle(ID, u)).utf8(),
                StandardCharsets.UTF_8);
    }

    private int refused(Upload u) throws Exception {
        return assertInstanceOf(PasswordEndpoint.Outcome.Refused.class, endpoint.handle(ID, u)).error().status();
    }
}
