package io.guestdata.inject.rbd;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * A JVM that opens an RBD image writable through {@link RbdImage} (so under its exclusive lock),
 * says {@code locked} and waits to be killed: {@link RbdImageTest} kills it with SIGKILL to see
 * how long the lock outlives it. Arguments: conf, user, pool, image.
 */
public final class RbdLockHolder {
    private RbdLockHolder() {
    }

    public static void main(String[] args) throws Exception {
        RbdTarget target = new RbdTarget(args[2], "", args[3], Optional.of(args[1]), Optional.of(Path.of(args[0])),
                Optional.empty(), Optional.empty(), Map.of());
        RbdImage image = RbdImage.open(target, true, RbdImage.Settings.defaults());
        System.out.println("locked " + image.identity().imageId());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
