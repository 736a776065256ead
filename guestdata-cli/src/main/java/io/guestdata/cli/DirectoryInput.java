package io.guestdata.cli;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * {@code --input DIR}: every {@code *.json} file directly in DIR (not below it), in the order of their names.
 * As a shell's {@code DIR/*.json}: names starting with a dot are left out, and so are directories; anything
 * else that ends in {@code .json} (a dangling link, a file we may not read) is a document that is reported
 * as unreadable. Only the names are held; each file is read when its turn comes.
 */
final class DirectoryInput implements BatchInput {
    private final Iterator<Path> files;

    private DirectoryInput(List<Path> files) {
        this.files = files.iterator();
    }

    /** Lists {@code dir}; fails (exit 6) when it is not a directory that can be listed. */
    static DirectoryInput open(Path dir) throws CommandFailure {
        if (!Files.isDirectory(dir)) {
            throw new CommandFailure(ExitCode.INPUT, "--input " + dir + ": not a directory (give a directory of "
                    + "*.json instance documents, or - for newline-delimited JSON on stdin)");
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "*.json")) {
            for (Path p : entries) {
                if (!p.getFileName().toString().startsWith(".") && !Files.isDirectory(p)) {
                    files.add(p);
                }
            }
        } catch (IOException e) {
            throw new CommandFailure(ExitCode.INPUT, "--input " + dir + ": cannot list it: " + e);
        }
        files.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
        return new DirectoryInput(files);
    }

    @Override
    public BatchDocument next() {
        if (!files.hasNext()) {
            return null;
        }
        Path file = files.next();
        String source = file.toString();
        try {
            if (Files.size(file) > MAX_DOCUMENT_BYTES) {
                return BatchInput.tooLarge(source);
            }
            return new BatchDocument.Text(source, InstanceOptions.read(file, "--input"));
        } catch (IOException e) {
            return unreadable(source, new CommandFailure(ExitCode.INPUT, "cannot read " + file + ": " + e));
        } catch (CommandFailure e) {
            return unreadable(source, e);
        }
    }

    private static BatchDocument.Unreadable unreadable(String source, CommandFailure failure) {
        return new BatchDocument.Unreadable(source, failure.exitCode(), BatchError.of(failure).getFirst());
    }

    @Override
    public void close() {
    }
}
