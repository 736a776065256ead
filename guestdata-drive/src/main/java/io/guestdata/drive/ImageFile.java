package io.guestdata.drive;

import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * One regular file to place in a drive image.
 *
 * <p>{@code path} is relative to the image root, {@code /}-separated, with no leading or trailing
 * {@code /} and no empty, {@code .} or {@code ..} segment (for example
 * {@code openstack/latest/meta_data.json}). Directories are implied by the paths. The content is
 * read through {@link ImageContent#open()} while the image is written and must deliver exactly
 * {@code size} bytes, so writers can lay out the whole image before streaming any content and keep
 * memory bounded whatever the file sizes.
 *
 * @param path    relative path inside the image
 * @param size    exact size in bytes
 * @param content where the bytes come from
 */
public record ImageFile(String path, long size, ImageContent content) {
    public ImageFile {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(content, "content");
        if (size < 0) {
            throw new IllegalArgumentException("size must be >= 0: " + path);
        }
    }

    /** A file whose content is held in memory. */
    public static ImageFile of(String path, byte[] bytes) {
        byte[] copy = bytes.clone();
        return new ImageFile(path, copy.length, ImageContent.of(copy));
    }

    /** Opens the content; callers must close the stream. */
    public InputStream open() throws IOException {
        return content.open();
    }
}
