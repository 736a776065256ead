package io.guestdata.inject;

import java.util.Optional;
import java.util.OptionalLong;

import io.guestdata.inject.fs.AccessPolicy;
import io.guestdata.inject.fs.FileStat;
import io.guestdata.inject.fs.GuestFilesystem;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.fs.GuestPath;

/** Every call passed on to {@code fs}; a test overrides the calls it sabotages or watches. */
public class ForwardingFilesystem implements GuestFilesystem {
    protected final GuestFilesystem fs;

    public ForwardingFilesystem(GuestFilesystem fs) {
        this.fs = fs;
    }

    @Override
    public boolean exists(GuestPath path, AccessPolicy policy) throws GuestFsException {
        return fs.exists(path, policy);
    }

    @Override
    public FileStat stat(GuestPath path, AccessPolicy policy) throws GuestFsException {
        return fs.stat(path, policy);
    }

    @Override
    public byte[] read(GuestPath path, int maxBytes, AccessPolicy policy) throws GuestFsException {
        return fs.read(path, maxBytes, policy);
    }

    @Override
    public void makeDirectories(GuestPath d, int m, int uid, int gid, AccessPolicy policy) throws GuestFsException {
        fs.makeDirectories(d, m, uid, gid, policy);
    }

    @Override
    public void replace(GuestPath file, byte[] content, AccessPolicy policy) throws GuestFsException {
        fs.replace(file, content, policy);
    }

    @Override
    public void append(GuestPath file, byte[] content, AccessPolicy policy) throws GuestFsException {
        fs.append(file, content, policy);
    }

    @Override
    public void chmod(GuestPath path, int m, AccessPolicy policy) throws GuestFsException {
        fs.chmod(path, m, policy);
    }

    @Override
    public void chown(GuestPath path, int uid, int gid, AccessPolicy policy) throws GuestFsException {
        fs.chown(path, uid, gid, policy);
    }

    @Override
    public long freeBytes() throws GuestFsException {
        return fs.freeBytes();
    }

    @Override
    public OptionalLong freeInodes() throws GuestFsException {
        return fs.freeInodes();
    }

    @Override
    public Optional<GuestFsException> broken() {
        return fs.broken();
    }

    @Override
    public void close() throws GuestFsException {
        fs.close();
    }
}
