package io.guestdata.inject.rbd;

import io.guestdata.inject.block.BlockException;
import java.nio.file.Path;

/**
 * No session with the Ceph cluster: no monitor address, the monitors unreachable within the timeout, or the user's
 * key refused ({@code rados_connect}). Says nothing about the image; nothing was written.
 */
public final class CephConnectException extends BlockException {
    private static final long serialVersionUID = 1L;

    CephConnectException(Path image, String message) {
        super(image, message);
    }
}
