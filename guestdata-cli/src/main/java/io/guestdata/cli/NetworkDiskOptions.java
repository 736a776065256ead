package io.guestdata.cli;

import io.guestdata.inject.DiskTargetSyntaxException;
import io.guestdata.inject.net.ChapPassword;
import io.guestdata.inject.net.IscsiTarget;
import io.guestdata.inject.net.NetworkDisk;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * {@code inject}'s options for the network disks QEMU opens ({@code nbd://}, {@code nbd+unix://}, {@code iscsi://}
 * values of {@code --image}; docs/ceph.md "Other network disks"): the one parse of the target and where an iSCSI CHAP
 * password comes from (a file, else {@code GUESTDATA_ISCSI_PASSWORD}; never the URI or the command line).
 */
final class NetworkDiskOptions {
    @Option(names = "--iscsi-password-file", paramLabel = "FILE",
            description = "For an iscsi://USER@HOST/TARGET/LUN image: the file holding USER's CHAP password (one"
                    + " final line break is dropped). Default: the environment variable "
                    + ChapPassword.ENVIRONMENT_VARIABLE + ". A password in the URI is refused.")
    Path iscsiPasswordFile;

    /** The disk a network URI names (QEMU's syntax); malformed: a usage error naming the flag. */
    static NetworkDisk target(String flag, String value) throws CommandFailure {
        try {
            return NetworkDisk.parse(value);
        } catch (DiskTargetSyntaxException e) {
            throw new CommandFailure(ExitCode.USAGE, flag + ": " + e.getMessage());
        }
    }

    /**
     * The CHAP password for {@code disk}: from {@code --iscsi-password-file}, else from the environment; checked
     * against the URI (a password exactly when it names a user).
     */
    Optional<ChapPassword> password(NetworkDisk disk, Map<String, String> environment) throws CommandFailure {
        if (!(disk instanceof IscsiTarget iscsi)) {
            if (iscsiPasswordFile != null) {
                throw new CommandFailure(ExitCode.USAGE, "--iscsi-password-file is for an iscsi:// image only");
            }
            return Optional.empty();
        }
        if (iscsi.user().isEmpty() && iscsiPasswordFile == null) {
            return Optional.empty(); // a password in the environment for another run is not an error here
        }
        Optional<ChapPassword> password;
        try {
            password = iscsiPasswordFile != null ? Optional.of(ChapPassword.fromFile(iscsiPasswordFile))
                    : ChapPassword.fromEnvironment(environment);
        } catch (IOException e) {
            throw new CommandFailure(ExitCode.INPUT, "--iscsi-password-file: cannot read " + iscsiPasswordFile + ": "
                    + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(ExitCode.USAGE, (iscsiPasswordFile != null ? "--iscsi-password-file " : "")
                    + e.getMessage());
        }
        try {
            iscsi.requirePassword(password.isPresent());
        } catch (DiskTargetSyntaxException e) {
            throw new CommandFailure(ExitCode.USAGE, "--image: " + e.getMessage());
        }
        return password;
    }
}
