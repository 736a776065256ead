package io.guestdata.drive;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** The source of one file's bytes; opened once per image written. */
@FunctionalInterface
public interface ImageContent {
    InputStream open() throws IOException;

    /** Content held in memory; the array must not be changed afterwards. */
    static ImageContent of(byte[] bytes) {
        return () -> new ByteArrayInputStream(bytes);
    }

    /** Content streamed from a file on the host. */
    static ImageContent of(Path file) {
        return () -> Files.newInputStream(file);
    }
}
