package io.guestdata.server.metadata;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.testkit.Command;
import io.guestdata.testkit.NovaOracle;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Requests for Nova's real {@code MetadataRequestHandler}, run by {@code nova_oracle.py lookup-batch} in one
 * process ({@link NovaOracle#run}; Nova takes about 1.7 s to import): the same method, path, headers and body our
 * server got, and what Nova answered. The release is the oracle's: 26 (Debian 12's python3-nova) or 31 (Debian
 * 13's, in the cached root, see docs/nova-releases.md).
 */
final class NovaLookupBatch {
    private final ArrayNode entries = Fixtures.MAPPER.createArrayNode();
    private final String release;

    /** Nova {@code release}'s handler; see {@link NovaOracle#assumeRelease} before using 31. */
    NovaLookupBatch(String release) {
        this.release = release;
    }

    /** Nova's answer: an HTTP response, or an exception out of the handler (a 500 from the WSGI server). */
    record Answer(int status, String contentType, String contentLength, byte[] body, String exception) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /**
     * @param doc        the document's name in the Nova comparison set
     * @param request    what was sent to our server
     * @param conf       nova.conf overrides (see the oracle's {@code BATCH_CONF}); may be empty
     * @param boundTo    the fixed IP the fake Neutron gives the instance
     * @param extra      further entry members (e.g. {@code password} to preset the stored password)
     * @return the index of the entry
     */
    int add(String doc, RawHttp.Request request, Map<String, Object> conf, String boundTo, Map<String, Object> extra) {
        ObjectNode e = entries.addObject();
        e.put("doc", Fixtures.novaDocument(doc).toString());
        e.put("path", request.target());
        e.put("method", request.method());
        ArrayNode headers = e.putArray("headers");
        for (String[] h : request.sentHeaders()) {
            headers.addArray().add(h[0]).add(h[1]);
        }
        e.put("body_b64", Base64.getEncoder().encodeToString(request.body()));
        e.put("remote_addr", request.local());
        e.put("requester_ip", boundTo);
        e.put("bound_address", boundTo);
        e.set("conf", Fixtures.MAPPER.valueToTree(conf));
        extra.forEach((k, v) -> e.set(k, Fixtures.MAPPER.valueToTree(v)));
        return entries.size() - 1;
    }

    int size() {
        return entries.size();
    }

    /** Runs every entry through Nova. */
    List<Answer> run() throws IOException, InterruptedException {
        Path list = Files.createTempFile("nova-oracle-batch", ".json");
        try {
            Fixtures.MAPPER.writeValue(list.toFile(), entries);
            Command.Result r = NovaOracle.run(release, "lookup-batch", list.toString());
            if (r.exit() != 0) {
                throw new IllegalStateException("nova_oracle.py lookup-batch failed (" + r.exit() + "): " + r.stderr());
            }
            String[] lines = r.stdout().strip().split("\n");
            JsonNode results = Fixtures.MAPPER.readTree(lines[lines.length - 1]);
            List<Answer> out = new ArrayList<>();
            for (JsonNode result : results) {
                if (result.has("exception")) {
                    out.add(new Answer(500, null, null, new byte[0], result.get("exception").asText()));
                    continue;
                }
                String type = null;
                String length = null;
                for (JsonNode h : result.get("headers")) {
                    if (h.get(0).asText().equalsIgnoreCase("Content-Type")) {
                        type = h.get(1).asText();
                    }
                    if (h.get(0).asText().equalsIgnoreCase("Content-Length")) {
                        length = h.get(1).asText();
                    }
                }
                out.add(new Answer(result.get("status").asInt(), type, length,
                        Base64.getDecoder().decode(result.get("body_b64").asText()), null));
            }
            return out;
        } finally {
            Files.deleteIfExists(list);
        }
    }
}
