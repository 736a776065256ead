package io.guestdata.inject;

import java.util.EnumSet;
import java.util.Set;

import io.guestdata.inject.block.FilesystemType;
import io.guestdata.inject.fs.Ext2Filesystem;
import io.guestdata.inject.fs.GuestFilesystem;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.fs.OpenMode;

/** ext2, ext3 and ext4 through libext2fs ({@link Ext2Filesystem}): in-process, no VM, no mount. */
public final class Ext2fsBackend implements FilesystemBackend {

    public static final String NAME = "ext2fs";

    private static final Set<FilesystemType> TYPES = EnumSet.of(FilesystemType.EXT2, FilesystemType.EXT3,
            FilesystemType.EXT4);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean supports(FilesystemType type) {
        return TYPES.contains(type);
    }

    @Override
    public GuestFilesystem open(InjectionTarget target, OpenMode mode) throws GuestFsException {
        return Ext2Filesystem.open(target.partition().path(), target.partition().offset(), target.partition().size(),
                mode, java.time.InstantSource.system());
    }

    @Override
    public void checkWritable(InjectionTarget target) throws GuestFsException {
        Ext2Filesystem.checkWritable(target.partition().path(), target.partition().offset());
    }

    @Override
    public String toString() {
        return NAME;
    }
}
