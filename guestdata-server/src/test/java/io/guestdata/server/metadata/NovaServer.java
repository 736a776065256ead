package io.guestdata.server.metadata;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Nova 26's metadata API as {@code nova-api-metadata} serves it (nova.wsgi.Server: eventlet.wsgi with Nova's
 * settings, the real {@code MetadataRequestHandler}, remote-IP mode), on 127.0.0.1: {@code nova_oracle.py serve}.
 * For comparing what a client sees on the wire, not only the handler's answers ({@link NovaLookupBatch}).
 */
final class NovaServer implements AutoCloseable {
    private final Process process;
    private final Path log;
    private final int port;

    /**
     * @param doc          the document's name in the Nova comparison set
     * @param boundAddress the only source address Nova's fake Neutron knows (the instance's fixed IP)
     */
    NovaServer(String doc, String boundAddress) throws IOException, InterruptedException {
        Fixtures.assumePython();
        log = Files.createTempFile("nova-server", ".log");
        process = new ProcessBuilder(List.of(Fixtures.SYSTEM_PYTHON,
                Fixtures.repoRoot().resolve("tools/nova-oracle/nova_oracle.py").toString(), "serve",
                Fixtures.novaDocument(doc).toString(), "--bound-address", boundAddress))
                .redirectError(log.toFile())
                .start();
        String line = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII))
                .readLine(); // importing Nova takes seconds
        if (line == null) {
            process.waitFor(10, TimeUnit.SECONDS);
            throw new IllegalStateException("nova_oracle.py serve ended (" + process.exitValue() + ") before listening: "
                    + Files.readString(log, StandardCharsets.UTF_8));
        }
        port = Integer.parseInt(line.strip());
    }

    int port() {
        return port;
    }

    @Override
    public void close() throws InterruptedException, IOException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        Files.deleteIfExists(log);
    }
}
