package io.guestdata.cli;

import io.guestdata.drive.AtomicTarget;
import io.guestdata.drive.DriveImage;
import io.guestdata.drive.ImageException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Writes one image file, all or nothing, through {@link AtomicTarget}: the image goes to a temporary file
 * beside the target, forced to disk, and takes the target's name only when complete. Every check that can
 * be made first is made first (target, then the layout of the content), so a refusal creates nothing; a
 * failure while writing (disk full, an I/O error) removes the temporary file.
 *
 * <p>Without {@code force} an existing target is refused, and the final step cannot replace a file that
 * appeared meanwhile ({@link AtomicTarget#commitNew()}). With it, the target is replaced atomically; a
 * symbolic link at the target is replaced, not followed.
 */
final class ImageOutput {
    private ImageOutput() {
    }

    /**
     * Writes {@code image} to {@code target}; returns its size in bytes.
     *
     * @param flag how failures name the target ({@code --output})
     */
    static long write(DriveImage image, Path target, boolean force, String flag) throws CommandFailure {
        Path absolute = target.toAbsolutePath().normalize();
        checkTarget(absolute, force, flag);
        long size;
        try {
            size = image.size();
        } catch (ImageException e) {
            throw formatLimit(e);
        }
        AtomicTarget t;
        try {
            t = AtomicTarget.open(absolute);
        } catch (ImageException e) {
            throw new CommandFailure(ExitCode.OUTPUT, flag + " " + e.getMessage() + " (nothing written)");
        }
        try (t) {
            image.writeTo(t.channel());
            if (force) {
                t.commit();
            } else {
                t.commitNew();
            }
        } catch (FileAlreadyExistsException e) {
            throw new CommandFailure(ExitCode.OUTPUT, flag + " " + absolute
                    + ": was created by someone else while writing; not replaced (nothing written)");
        } catch (ImageException e) {
            throw formatLimit(e);
        } catch (IOException e) {
            throw new CommandFailure(ExitCode.OUTPUT, flag + " " + absolute + ": writing the image failed: "
                    + e.getMessage() + " (nothing written)");
        }
        return size;
    }

    private static CommandFailure formatLimit(ImageException e) {
        return new CommandFailure(ExitCode.FORMAT_LIMIT, e.getMessage() + " (nothing written)");
    }

    private static void checkTarget(Path target, boolean force, String flag) throws CommandFailure {
        Path parent = target.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new CommandFailure(ExitCode.OUTPUT, flag + " " + target + ": directory " + parent
                    + " does not exist (nothing written)");
        }
        if (Files.isDirectory(target)) {
            throw new CommandFailure(ExitCode.OUTPUT, flag + " " + target
                    + ": is a directory; give the path of the image file (nothing written)");
        }
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !force) {
            throw new CommandFailure(ExitCode.OUTPUT, flag + " " + target
                    + ": exists; give --force to replace it (nothing written)");
        }
        if (!Files.isWritable(parent)) {
            throw new CommandFailure(ExitCode.OUTPUT, flag + " " + target + ": directory " + parent
                    + " is not writable (nothing written)");
        }
    }
}
