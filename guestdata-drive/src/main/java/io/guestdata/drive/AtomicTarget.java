package io.guestdata.drive;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes an image to a temporary file beside the target and renames it into place only when the
 * whole image has been written and forced to disk, so a failure or a kill never leaves a partial
 * image under the target's name.
 *
 * <p>Use: {@code try (AtomicTarget t = AtomicTarget.open(target)) { write to t.channel(); t.commit(); }}.
 * Closing without {@link #commit()} deletes the temporary file.
 */
public final class AtomicTarget implements AutoCloseable {
    private final Path target;
    private final Path temp;
    private final FileChannel channel;
    private boolean committed;

    private AtomicTarget(Path target, Path temp, FileChannel channel) {
        this.target = target;
        this.temp = temp;
        this.channel = channel;
    }

    /**
     * Checks that {@code target} can be written (its directory exists and is writable, it is not
     * a directory) and opens a temporary file beside it.
     */
    public static AtomicTarget open(Path target) throws ImageException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new ImageException(target.toString(), "the directory to hold the image does not exist");
        }
        if (Files.isDirectory(absolute)) {
            throw new ImageException(target.toString(), "is a directory; give a file path for the image");
        }
        if (!Files.isWritable(dir)) {
            throw new ImageException(target.toString(), "directory " + dir + " is not writable");
        }
        if (Files.exists(absolute) && !Files.isWritable(absolute)) {
            throw new ImageException(target.toString(), "exists and is not writable");
        }
        try {
            Path temp = Files.createTempFile(dir, "." + absolute.getFileName() + ".", ".partial");
            // createTempFile makes the file 0600; an image is handed to a hypervisor that may run as
            // another user (libvirt's qemu), so give it the usual 0644 as genisoimage's would have.
            setReadableByAll(temp);
            FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.READ);
            return new AtomicTarget(absolute, temp, channel);
        } catch (IOException e) {
            throw new ImageException(target.toString(), "cannot create a temporary file in " + dir + ": " + reason(e), e);
        }
    }

    /** What went wrong, in words: NIO's path-only messages say nothing of the cause. */
    private static String reason(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file or directory (the file system does not accept new files)";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private static void setReadableByAll(Path file) throws IOException {
        if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        }
    }

    /** The channel on the temporary file; positioned at 0, empty. */
    public FileChannel channel() {
        return channel;
    }

    /** The temporary file's path (for tests and error messages). */
    public Path tempPath() {
        return temp;
    }

    /** Forces the image to disk and renames it to the target. */
    public void commit() throws IOException {
        channel.force(true);
        channel.close();
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        committed = true;
    }

    /**
     * Forces the image to disk and gives it the target's name only if that name is still free:
     * the temporary file is hard-linked to the target (link(2) fails if the name exists, so a file
     * that appeared meanwhile is never replaced) and then removed. On a file system without hard
     * links, falls back to a check and a rename, which a concurrent writer could race.
     *
     * @throws FileAlreadyExistsException the target exists; the temporary file is kept until
     *                                    {@link #close()} deletes it
     */
    public void commitNew() throws IOException {
        channel.force(true);
        channel.close();
        try {
            Files.createLink(target, temp);
        } catch (FileAlreadyExistsException e) {
            throw new FileAlreadyExistsException(target.toString(), null, "exists; not replaced");
        } catch (UnsupportedOperationException | FileSystemException e) {
            if (e instanceof FileSystemException fse && !isLinkUnsupported(fse)) {
                throw fse;
            }
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                throw new FileAlreadyExistsException(target.toString(), null, "exists; not replaced");
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            committed = true;
            return;
        }
        committed = true;
        Files.deleteIfExists(temp);
    }

    /** EPERM/ENOTSUP/EXDEV-like refusals of link(2), as file systems without hard links (FAT, some FUSE) give. */
    private static boolean isLinkUnsupported(FileSystemException e) {
        String reason = String.valueOf(e.getReason());
        return reason.contains("Operation not permitted") || reason.contains("not supported")
                || reason.contains("Invalid cross-device link");
    }

    @Override
    public void close() throws IOException {
        if (!committed) {
            try {
                channel.close();
            } finally {
                Files.deleteIfExists(temp);
            }
        }
    }
}
