package io.guestdata.drive.iso9660;

import io.guestdata.drive.AtomicTarget;
import io.guestdata.drive.ImageException;
import io.guestdata.drive.ImageFile;
import io.guestdata.drive.ImageWriter;
import java.io.IOException;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Writes ISO 9660 images (ECMA-119) with Rock Ridge (SUSP 1.12, RRIP 1991A) and Joliet (UCS-2
 * level 3), the kind Nova makes for config drives with {@code genisoimage -ldots -allow-lowercase
 * -allow-multidot -l -publisher … -quiet -J -r -V config-2}.
 *
 * <p><b>Names.</b> Rock Ridge {@code NM} carries every name exactly (any Unicode except {@code /}
 * and NUL, up to 255 UTF-8 bytes); Joliet carries it exactly when it has at most 64 UTF-16 units and
 * none of {@code * / : ; ? \} or control characters ({@link JolietIdentifiers}); the primary
 * hierarchy carries a level-2-like fallback ({@link PrimaryIdentifiers}). Directories deeper than
 * ECMA-119's 8 levels are relocated through {@code rr_moved} in the primary hierarchy
 * ({@link Hierarchy}).
 *
 * <p><b>Attributes</b> are normalised as {@code genisoimage -r} does: files {@code 0444}, directories
 * {@code 0555}, owner and group 0, all times {@link IsoOptions#recordedAt()}.
 *
 * <p><b>Memory.</b> The layout is computed from the paths and declared sizes alone; content is then
 * streamed once, in order, through one 64 KiB buffer. Heap use is therefore O(number of paths)
 * (the tree and one planned record per path and hierarchy, a few hundred bytes each, plus the
 * names) plus 64 KiB, and does not depend on file sizes: a 300 MiB file is written under
 * {@code -Xmx64m} (tested). Nothing is cached between calls.
 *
 * <p><b>Determinism.</b> The same files (in any order) and options give the same bytes.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class Iso9660Writer implements ImageWriter {
    private final IsoOptions options;

    public Iso9660Writer(IsoOptions options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    /**
     * Writes the image to {@code target} through {@link AtomicTarget}: validation and layout happen
     * before anything is created, and a failure while writing (an I/O error, content shorter or
     * longer than its declared size) leaves no file behind and any previous target untouched.
     *
     * @throws ImageException a path or size the image cannot hold, or a target that cannot be written
     * @throws IOException    reading content or writing the image failed
     */
    public void write(List<ImageFile> files, Path target) throws ImageException, IOException {
        IsoImage image = IsoImage.layOut(files, options);
        try (AtomicTarget t = AtomicTarget.open(target)) {
            image.writeTo(t.channel());
            t.commit();
        }
    }

    /** The exact size in bytes {@link #write} and {@link #writeTo} produce (a multiple of 4096). */
    @Override
    public long imageSize(List<ImageFile> files) throws ImageException {
        return IsoImage.layOut(files, options).size();
    }

    /**
     * Streams the image to {@code out} front to back (for HTTP responses and pipes); exactly
     * {@link #imageSize} bytes. {@code out} must be blocking; it is not closed. If content fails
     * midway, an {@link IOException} is thrown after part of the image has been written.
     */
    @Override
    public void writeTo(List<ImageFile> files, WritableByteChannel out) throws ImageException, IOException {
        Objects.requireNonNull(out, "out");
        IsoImage.layOut(files, options).writeTo(out);
    }
}
