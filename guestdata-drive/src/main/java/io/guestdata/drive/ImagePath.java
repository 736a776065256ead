package io.guestdata.drive;

import java.nio.charset.StandardCharsets;

/**
 * The path syntax every image writer takes, checked once for ISO 9660 and FAT alike: a file's path relative to the
 * image root, {@code /}-separated, whose segments a guest can open. What each format adds per name (Rock Ridge's
 * 255 bytes, FAT's characters and 255 UTF-16 units) its tree checks after this.
 */
public final class ImagePath {
    /**
     * The longest path in UTF-8 bytes: the formats themselves limit no path length, but a guest does (Linux
     * {@code PATH_MAX} is 4096 with the terminating NUL), and the config drive is read through the guest's kernel.
     */
    public static final int MAX_PATH_BYTES = 4095;

    private ImagePath() {
    }

    /**
     * The segments of {@code path}, or an {@link ImageException} naming the path (an empty one as {@code ""}, a NUL
     * as {@code \0}) and the rule: empty, a leading or trailing {@code /}, a NUL, an unpaired UTF-16 surrogate, over
     * {@value #MAX_PATH_BYTES} UTF-8 bytes, an empty, {@code .} or {@code ..} segment.
     */
    public static String[] segments(String path) throws ImageException {
        if (path.isEmpty()) {
            throw new ImageException("\"\"", "empty path; give a path relative to the image root, e.g. "
                    + "openstack/latest/meta_data.json");
        }
        if (path.startsWith("/")) {
            throw new ImageException(path, "path starts with '/'; paths are relative to the image root");
        }
        if (path.endsWith("/")) {
            throw new ImageException(path, "path ends with '/'; give a file path (directories are implied)");
        }
        if (path.indexOf('\0') >= 0) {
            throw new ImageException(path.replace("\0", "\\0"), "path contains NUL, which no file name can hold");
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < path.length() && Character.isLowSurrogate(path.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new ImageException(path, String.format("path contains the unpaired UTF-16 surrogate U+%04X at "
                        + "index %d; names must be valid Unicode to be recorded as UTF-8 or UTF-16", (int) c, i));
            }
        }
        int bytes = path.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_PATH_BYTES) {
            throw new ImageException(path, "path is " + bytes + " bytes in UTF-8; a guest can open paths of at most "
                    + MAX_PATH_BYTES + " bytes (Linux PATH_MAX)");
        }
        String[] segments = path.split("/", -1);
        for (String s : segments) {
            if (s.isEmpty()) {
                throw new ImageException(path, "path has an empty segment ('//')");
            }
            if (s.equals(".") || s.equals("..")) {
                throw new ImageException(path, "path has a '" + s + "' segment; give a plain path inside the image");
            }
        }
        return segments;
    }
}
