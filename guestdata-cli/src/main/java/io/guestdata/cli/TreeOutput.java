package io.guestdata.cli;

import io.guestdata.core.metadata.MetadataFile;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Writes a config drive's file tree into a directory, all or nothing: the files go into a
 * temporary directory beside the target, which is renamed to the target only when complete.
 * An existing non-empty target is refused before anything is written.
 */
final class TreeOutput {
    private TreeOutput() {
    }

    /** @param flag how failures name the target ({@code --output}) */
    static void write(List<MetadataFile> files, Path target, String flag) throws CommandFailure {
        Path dir = target.toAbsolutePath().normalize();
        checkTarget(dir, flag);
        Path parent = dir.getParent();
        Path temp;
        try {
            temp = Files.createTempDirectory(parent, "." + dir.getFileName() + ".");
        } catch (IOException e) {
            throw new CommandFailure(ExitCode.OUTPUT, flag + " " + target + ": cannot create a directory in " + parent
                    + ": " + e.getMessage());
        }
        try {
            for (MetadataFile file : files) {
                Path p = temp.resolve(file.path()).normalize();
                if (!p.startsWith(temp)) {
                    throw new IllegalStateException("config drive path escapes the tree: " + file.path());
                }
                Files.createDirectories(p.getParent());
                Files.write(p, file.contents());
            }
            moveIntoPlace(temp, dir, flag);
        } catch (IOException e) {
            deleteTree(temp);
            throw new CommandFailure(ExitCode.OUTPUT, flag + " " + target + ": " + e.getMessage() + " (nothing written)");
        } catch (RuntimeException | CommandFailure e) {
            deleteTree(temp);
            throw e;
        }
    }

    private static void checkTarget(Path dir, String flag) throws CommandFailure {
        Path parent = dir.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new CommandFailure(ExitCode.OUTPUT, flag + " " + dir + ": parent directory does not exist");
        }
        if (Files.exists(dir)) {
            if (!Files.isDirectory(dir)) {
                throw new CommandFailure(ExitCode.OUTPUT, flag + " " + dir + ": exists and is not a directory");
            }
            if (!isEmpty(dir, flag)) {
                throw new CommandFailure(ExitCode.OUTPUT, flag + " " + dir
                        + ": directory exists and is not empty; refusing to overwrite it (nothing written)");
            }
        }
        if (!Files.isWritable(parent)) {
            throw new CommandFailure(ExitCode.OUTPUT, flag + " " + dir + ": " + parent + " is not writable");
        }
    }

    private static void moveIntoPlace(Path temp, Path dir, String flag) throws IOException, CommandFailure {
        try {
            Files.move(temp, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException | FileAlreadyExistsException | DirectoryNotEmptyException e) {
            // The target appeared meanwhile, or is an empty directory the rename cannot replace.
            if (Files.isDirectory(dir) && isEmpty(dir, flag)) {
                Files.delete(dir);
                Files.move(temp, dir, StandardCopyOption.ATOMIC_MOVE);
            } else {
                throw new CommandFailure(ExitCode.OUTPUT, flag + " " + dir
                        + ": was created by someone else while writing; refusing to overwrite it (nothing written)");
            }
        }
    }

    private static boolean isEmpty(Path dir, String flag) throws CommandFailure {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            throw new CommandFailure(ExitCode.OUTPUT, flag + " " + dir + ": cannot list it: " + e.getMessage());
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // Best effort on a temporary directory whose failure is already being reported.
        }
    }
}
