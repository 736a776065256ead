package io.guestdata.server.metadata.dev;

import io.guestdata.core.Instance;
import io.guestdata.core.document.InstanceDocumentParser;
import io.guestdata.core.document.InvalidDocumentException;
import io.guestdata.core.document.KeyPairResolver;
import io.guestdata.core.document.Limits;
import io.guestdata.core.metadata.MetadataOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The {@code --instances DIR} development mode: every {@code *.json} file of a directory is an instance
 * document; guests are recognised by the static addresses in their network_data (address mode) or by UUID
 * (proxy modes).
 */
final class InstanceDocuments {
    private InstanceDocuments() {
    }

    /**
     * @throws IllegalArgumentException naming the file, when a document is invalid or two claim one address
     * @throws UncheckedIOException     when the directory cannot be read
     */
    static InMemoryInstanceDirectory load(Path dir, MetadataOptions options) {
        InMemoryInstanceDirectory directory = new InMemoryInstanceDirectory(options);
        InstanceDocumentParser parser = new InstanceDocumentParser(Limits.nova(), KeyPairResolver.none());
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list instance documents in " + dir, e);
        }
        for (Path file : files) {
            Instance instance;
            try {
                instance = parser.parse(Files.readAllBytes(file));
            } catch (InvalidDocumentException e) {
                throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
            if (directory.byUuid(instance.uuid().toString()).isPresent()) {
                throw new IllegalArgumentException(file + ": uuid " + instance.uuid() + " is already used by another document");
            }
            try {
                directory.put(instance);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
            }
        }
        return directory;
    }
}
