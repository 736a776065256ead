package io.guestdata.server.metadata;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * {@code /openstack/<v>/password} for v ≥ 2013-04-04 (Nova's {@code handle_password}, nova-compat.md §3):
 * GET answers the stored password (an empty body when none); POST stores one once; other methods are refused.
 * Answers are {@code text/html; charset=UTF-8}, WebOb's default for a handler returning a bare string.
 *
 * <p>A POST is refused with 409 when a password is already stored, before its size is looked at (Nova's
 * order), then with 400 when it is over 1020 bytes (4 chunks of 255) by {@code Content-Length} or by the body
 * actually sent. Nova answers a 500 for a body that is not UTF-8 and for a POST without
 * {@code Content-Length} (it compares None with an int); here the first is a 400 and the second is read and
 * measured like any other body.
 */
final class PasswordEndpoint {
    static final int MAX_SIZE = 4 * 255;
    static final String CONTENT_TYPE = "text/html; charset=UTF-8";

    private static final ErrorResponse CONFLICT = new ErrorResponse(409, "Conflict",
            "There was a conflict when trying to complete your request.");
    private static final ErrorResponse TOO_LARGE = ErrorResponse.badRequest("Request is too large.");
    private static final ErrorResponse NOT_UTF8 = ErrorResponse.badRequest("The password is not UTF-8 text.");
    private static final ErrorResponse BAD_METHOD = ErrorResponse.badRequest("GET and POST only are supported.");

    private final PasswordStore store;

    PasswordEndpoint(PasswordStore store) {
        this.store = store;
    }

    /** What the endpoint needs of a request. */
    interface Upload {
        String method();

        OptionalLong contentLength();

        /** Reads the body, at most {@code limit} bytes (more may have been sent). */
        byte[] readAtMost(int limit) throws IOException;
    }

    /** The answer: a 200 body, or an error. */
    sealed interface Outcome {
        record Body(byte[] utf8) implements Outcome {
        }

        record Refused(ErrorResponse error) implements Outcome {
        }
    }

    Outcome handle(UUID instance, Upload request) throws IOException {
        switch (request.method()) {
            case "GET" -> {
                return new Outcome.Body(store.get(instance).orElse("").getBytes(StandardCharsets.UTF_8));
            }
            case "POST" -> {
                if (store.get(instance).isPresent()) {
                    return new Outcome.Refused(CONFLICT);
                }
                OptionalLong declared = request.contentLength();
                if (declared.isPresent() && declared.getAsLong() > MAX_SIZE) {
                    return new Outcome.Refused(TOO_LARGE);
                }
                byte[] body = request.readAtMost(MAX_SIZE + 1);
                if (body.length > MAX_SIZE) {
                    return new Outcome.Refused(TOO_LARGE);
                }
                Optional<String> password = utf8(body);
                if (password.isEmpty()) {
                    return new Outcome.Refused(NOT_UTF8);
                }
                if (!store.setIfAbsent(instance, password.get())) {
                    return new Outcome.Refused(CONFLICT); // another POST won the race
                }
                return new Outcome.Body(new byte[0]);
            }
            default -> {
                return new Outcome.Refused(BAD_METHOD);
            }
        }
    }

    private static Optional<String> utf8(byte[] body) {
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body)).toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }
}
