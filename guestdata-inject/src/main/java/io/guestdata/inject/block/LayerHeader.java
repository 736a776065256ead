package io.guestdata.inject.block;

import java.util.Objects;
import java.util.Optional;

/**
 * What one layer's header says that matters for opening it safely, after that header's own
 * checks passed: whether it names a backing file, and how.
 *
 * @param format the layer's format (from its magic)
 * @param backingName the backing file name exactly as the header stores it; empty when none
 * @param backingField where the header stores it, for messages ("qcow2 header field backing_file")
 * @param backingFormat the backing file's format as the header records it ({@code raw}, {@code qcow2}),
 *     empty when the header records none (QEMU would then probe the backing file)
 */
record LayerHeader(ImageFormat format, Optional<String> backingName, String backingField,
        Optional<String> backingFormat) {
    LayerHeader {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(backingName, "backingName");
        Objects.requireNonNull(backingField, "backingField");
        Objects.requireNonNull(backingFormat, "backingFormat");
    }

    /** A layer that names no other file. */
    static LayerHeader standalone(ImageFormat format) {
        return new LayerHeader(format, Optional.empty(), "", Optional.empty());
    }
}
