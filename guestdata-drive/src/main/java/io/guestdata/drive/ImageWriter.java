package io.guestdata.drive;

import java.io.IOException;
import java.nio.channels.WritableByteChannel;
import java.util.List;

/** A file system image writer ({@code Iso9660Writer}, {@code VfatWriter}): lay out, then stream. */
public interface ImageWriter {
    /** Lays the image of {@code files} out and returns its size in bytes; writes nothing. */
    long imageSize(List<ImageFile> files) throws ImageException;

    /** Writes the image of {@code files}, exactly {@link #imageSize} bytes. */
    void writeTo(List<ImageFile> files, WritableByteChannel out) throws ImageException, IOException;
}
