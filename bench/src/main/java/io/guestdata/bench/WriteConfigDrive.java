package io.guestdata.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code WriteConfigDrive DOC.json OUT.iso}: one config drive ISO in a fresh JVM, exactly
 * {@link DriveJob#isoFile} and nothing else. The driver times this process with hyperfine, beside
 * Nova's path, while {@code guestdata configdrive --format iso9660} does not exist yet; once it does,
 * the driver times the real command instead.
 */
public final class WriteConfigDrive {
    private WriteConfigDrive() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: WriteConfigDrive DOC.json OUT.iso");
            System.exit(2);
        }
        DriveJob.isoFile(Files.readAllBytes(Path.of(args[0])), Path.of(args[1]));
    }
}
