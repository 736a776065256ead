package io.guestdata.cli;

import io.guestdata.drive.DriveImage;
import io.guestdata.drive.ImageException;
import io.guestdata.inject.block.BlockException;
import io.guestdata.inject.block.ImageInUseException;
import io.guestdata.inject.rbd.RbdImage;
import io.guestdata.inject.rbd.RbdImageExistsException;
import io.guestdata.inject.rbd.RbdImport;
import io.guestdata.inject.rbd.RbdTarget;
import java.io.IOException;

/**
 * Writes one drive image into an RBD image, all or nothing, as {@link ImageOutput} does for a file ({@link RbdImport}
 * does the writing, as for the management API), and says what went wrong as the CLI does: an existing image
 * without {@code --force} exit 4, an image in use exit 7, a drive the format cannot hold exit 12.
 */
final class RbdOutput {
    private RbdOutput() {
    }

    static RbdImport.Imported write(DriveImage image, RbdTarget target, boolean force, RbdImage.Settings settings,
                                    String flag) throws CommandFailure {
        long size;
        try {
            size = image.size();
        } catch (ImageException e) {
            throw new CommandFailure(ExitCode.FORMAT_LIMIT, e.getMessage() + " (nothing written)");
        }
        try {
            return RbdImport.write(target, size, image::writeTo, force, settings);
        } catch (RbdImageExistsException e) {
            throw new CommandFailure(ExitCode.OUTPUT, flag + " " + target + (e.appearedMeanwhile()
                    ? ": was created by someone else while writing; not replaced (nothing written)"
                    : ": exists; give --force to replace it (nothing written)"));
        } catch (ImageInUseException e) {
            throw new CommandFailure(ExitCode.IMAGE, flag + " " + e.getMessage() + "; the existing drive is kept"
                    + " (nothing written)");
        } catch (BlockException e) {
            throw new CommandFailure(ExitCode.OUTPUT, flag + " " + e.getMessage() + " (nothing written)");
        } catch (ImageException e) {
            throw new CommandFailure(ExitCode.FORMAT_LIMIT, e.getMessage() + " (nothing written)");
        } catch (IOException e) {
            throw new CommandFailure(ExitCode.OUTPUT, flag + " " + target + ": writing the image failed: "
                    + e.getMessage() + " (nothing written)");
        }
    }
}
