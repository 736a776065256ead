package io.guestdata.cli;

import io.guestdata.inject.rbd.RbdImage;
import io.guestdata.inject.rbd.RbdSyntaxException;
import io.guestdata.inject.rbd.RbdTarget;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * What {@code inject} and {@code configdrive} share about RBD targets ({@code rbd:} values of {@code --image}
 * and {@code --output}, docs/ceph.md): the one parse of the target and the one librados timeout.
 */
final class CephOptions {
    @Option(names = "--ceph-timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "For an rbd: target: how long connecting to the Ceph cluster and each monitor or OSD"
                    + " operation may take before the run fails (default: 30).")
    long cephTimeout;

    /** {@code --ceph-timeout} as librados settings. */
    RbdImage.Settings settings() throws CommandFailure {
        try {
            return new RbdImage.Settings(Duration.ofSeconds(cephTimeout));
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(ExitCode.USAGE, "--ceph-timeout: " + e.getMessage());
        }
    }

    /** The RBD image an {@code rbd:} value names (QEMU's syntax, docs/ceph.md); malformed: a usage error naming the flag. */
    static RbdTarget target(String flag, String value) throws CommandFailure {
        try {
            return RbdTarget.parse(value);
        } catch (RbdSyntaxException e) {
            throw new CommandFailure(ExitCode.USAGE, flag + ": " + e.getMessage());
        }
    }
}
