package io.guestdata.server.metadata;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.guestdata.core.Instance;
import io.guestdata.core.document.InstanceDocumentParser;
import io.guestdata.core.document.KeyPairResolver;
import io.guestdata.core.document.Limits;
import io.guestdata.testkit.Command;
import io.guestdata.testkit.Command.Result;
import io.guestdata.testkit.DebianPython;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/** Instance documents, the repository, and Debian's Python (Nova, WebOb, cloud-init) for the tests. */
public final class Fixtures {
    static final String SYSTEM_PYTHON = DebianPython.PATH;
    static final ObjectMapper MAPPER = new ObjectMapper();
    /** The documents the Nova comparisons use (shared with the CLI's config drive comparison). */
    static final List<String> NOVA_DOCUMENTS = List.of("dhcp", "full", "minimal", "nonascii", "static");
    /** OVN's native DHCP, where Nova 26 and 31 answer differently (docs/nova-releases.md rows 4, 5). */
    static final String OVN_DHCP = "samples/ovn-dhcp";

    private Fixtures() {
    }

    static Path repoRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("tools/consumers"))) {
                return p;
            }
        }
        throw new IllegalStateException("repository root (with tools/consumers) not found");
    }

    /** {@code samples/NAME}: tools/nova-oracle/samples; otherwise the CLI's nova/ documents. */
    public static Path novaDocument(String name) {
        return name.startsWith("samples/") ? repoRoot().resolve("tools/nova-oracle/" + name + ".json")
                : repoRoot().resolve("guestdata-cli/src/test/resources/nova/" + name + ".json");
    }

    public static Instance instance(String name) throws Exception {
        return parse(Files.readAllBytes(novaDocument(name)));
    }

    static Instance parse(byte[] json) throws Exception {
        return new InstanceDocumentParser(Limits.nova(), KeyPairResolver.none()).parse(json);
    }

    /**
     * An instance in {@code project} whose user data is {@code userDataBytes} bytes (no Nova limit on user data): an
     * answer of the size a tenant chooses.
     */
    public static Instance withUserData(String uuid, String project, int userDataBytes) throws Exception {
        byte[] userData = new byte[userDataBytes];
        java.util.Arrays.fill(userData, (byte) 'u');
        com.fasterxml.jackson.databind.node.ObjectNode doc = MAPPER.createObjectNode();
        doc.put("uuid", uuid);
        doc.put("name", "big");
        doc.put("project_id", project);
        doc.put("user_data", java.util.Base64.getEncoder().encodeToString(userData));
        Limits limits = Limits.nova();
        return new InstanceDocumentParser(new Limits(limits.injectedFiles(), limits.injectedFilePathLength(),
                limits.injectedFileContentBytes(), limits.metadataItems(), -1), KeyPairResolver.none())
                .parse(MAPPER.writeValueAsBytes(doc));
    }

    static Instance parse(String json) throws Exception {
        return parse(json.getBytes(StandardCharsets.UTF_8));
    }

    static void assumePython() {
        Assumptions.assumeTrue(Files.isExecutable(Path.of(SYSTEM_PYTHON)), SYSTEM_PYTHON + " is missing");
    }

    /** Runs a command, waiting at most {@code seconds}. */
    static Result run(List<String> command, int seconds) throws IOException, InterruptedException {
        return Command.run(Duration.ofSeconds(seconds), command);
    }

    /** Masks the one value Nova and we both regenerate per request. */
    static String maskSeed(String text) {
        return text.replaceAll("\"random_seed\": \"[A-Za-z0-9+/]{683}=\"", "\"random_seed\": \"<684 base64 chars>\"");
    }
}
