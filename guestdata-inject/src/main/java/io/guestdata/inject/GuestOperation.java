package io.guestdata.inject;

import java.util.Objects;

import io.guestdata.inject.fs.AccessPolicy;
import io.guestdata.inject.fs.GuestFilesystem;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.fs.GuestPath;

/**
 * One call on a {@link GuestFilesystem}, always with {@link AccessPolicy#STRICT}: no symlink is
 * followed in any component and no hard-linked file is changed. The planner resolved every path
 * to a real one beforehand, so STRICT refuses only what changed in between.
 */
sealed interface GuestOperation {

    void apply(GuestFilesystem fs) throws GuestFsException;

    /** {@code mkdir -p}: the directories created get the mode and owner. */
    record MakeDirectories(GuestPath dir, int mode, Owner owner) implements GuestOperation {
        @Override
        public void apply(GuestFilesystem fs) throws GuestFsException {
            fs.makeDirectories(dir, mode, owner.uid(), owner.gid(), AccessPolicy.STRICT);
        }
    }

    /** Create or truncate and rewrite a regular file. */
    record Replace(GuestPath file, byte[] content) implements GuestOperation {
        public Replace {
            Objects.requireNonNull(content, "content");
        }

        @Override
        public void apply(GuestFilesystem fs) throws GuestFsException {
            fs.replace(file, content, AccessPolicy.STRICT);
        }
    }

    /** Append to a regular file, creating it if missing. */
    record Append(GuestPath file, byte[] content) implements GuestOperation {
        public Append {
            Objects.requireNonNull(content, "content");
        }

        @Override
        public void apply(GuestFilesystem fs) throws GuestFsException {
            fs.append(file, content, AccessPolicy.STRICT);
        }
    }

    /** chmod. */
    record SetMode(GuestPath path, int mode) implements GuestOperation {
        @Override
        public void apply(GuestFilesystem fs) throws GuestFsException {
            fs.chmod(path, mode, AccessPolicy.STRICT);
        }
    }

    /** chown. */
    record SetOwner(GuestPath path, Owner owner) implements GuestOperation {
        @Override
        public void apply(GuestFilesystem fs) throws GuestFsException {
            fs.chown(path, owner.uid(), owner.gid(), AccessPolicy.STRICT);
        }
    }
}
