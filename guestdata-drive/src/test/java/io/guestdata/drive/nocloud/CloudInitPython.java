package io.guestdata.drive.nocloud;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.guestdata.testkit.Command;
import io.guestdata.testkit.NovaOracle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Runs a Python snippet against Debian's cloud-init: Debian 12's 22.4 (importable only under /usr/bin/python3) or
 * Debian 13's 25.1 (in the cached root the Nova 31 oracle runs in), both through
 * {@code tools/nova-oracle/debian-python}. The snippet reads one JSON value from stdin ({@code data}) and prints one
 * JSON value. One process per call, so tests batch their cases.
 */
final class CloudInitPython {
    private static final ObjectMapper JSON = new ObjectMapper();

    private CloudInitPython() {
    }

    /** Runs {@code script} under Debian 12's cloud-init 22.4; see {@link #run(String, String, JsonNode)}. */
    static JsonNode run(String script, JsonNode input) throws IOException, InterruptedException {
        return run("12", script, input);
    }

    /**
     * Runs {@code script} under Debian generation {@code debian}'s cloud-init ({@code "12"}: 22.4, {@code "13"}: 25.1;
     * see {@link NovaOracle#assumeDebian}) with {@code data} bound to the parsed stdin; the script prints its JSON answer.
     */
    static JsonNode run(String debian, String script, JsonNode input) throws IOException, InterruptedException {
        Path file = Files.createTempFile("cloudinit", ".py");
        try {
            Files.writeString(file, "import json, sys, logging\nlogging.basicConfig(level=logging.ERROR)\n"
                    + "data = json.loads(sys.stdin.buffer.read().decode('utf-8'))\n" + script);
            Command.Result r = NovaOracle.debianPython(debian, List.of(file.toString())).env(Map.of("LC_ALL", "C.UTF-8"))
                    .stdin(JSON.writeValueAsBytes(input)).timeout(Duration.ofSeconds(120)).run();
            assertEquals(0, r.exit(), "python failed: " + r.stderr());
            return JSON.readTree(r.stdoutBytes());
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
