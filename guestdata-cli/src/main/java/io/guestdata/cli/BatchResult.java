package io.guestdata.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * What became of one document of a batch.
 *
 * @param source   where it came from ({@link BatchDocument#source()})
 * @param uuid     the instance's uuid, when the document got far enough to have one
 * @param output   the drive written (image file or tree directory), when it was written
 * @param files    how many files the drive holds (0 when not written)
 * @param bytes    the image size, or for a tree the sum of its files' sizes (0 when not written)
 * @param exitCode what {@code guestdata configdrive --instance SOURCE} would have exited with: 0 when written
 * @param errors   why it was not written (empty when it was)
 * @param notes    NoCloud: the kinds of instance data the seed does not carry
 */
record BatchResult(String source, Optional<UUID> uuid, Optional<Path> output, int files, long bytes, int exitCode,
                   List<BatchError> errors, List<String> notes) {
    BatchResult {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(output, "output");
        errors = List.copyOf(errors);
        notes = List.copyOf(notes);
        if ((exitCode == ExitCode.OK) != errors.isEmpty() || (exitCode == ExitCode.OK) != output.isPresent()) {
            throw new IllegalArgumentException("a written document has an output and no errors, a failed one the "
                    + "reverse: exit " + exitCode + ", " + errors.size() + " error(s), output " + output);
        }
    }

    static BatchResult written(String source, UUID uuid, Path output, DriveOutput.Written drive) {
        return new BatchResult(source, Optional.of(uuid), Optional.of(output), drive.files(), drive.bytes(),
                ExitCode.OK, List.of(), drive.omitted());
    }

    static BatchResult failed(String source, Optional<UUID> uuid, int exitCode, List<BatchError> errors) {
        return new BatchResult(source, uuid, Optional.empty(), 0, 0, exitCode, errors, List.of());
    }

    boolean isWritten() {
        return exitCode == ExitCode.OK;
    }
}
