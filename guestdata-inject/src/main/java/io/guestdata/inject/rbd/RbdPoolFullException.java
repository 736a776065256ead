package io.guestdata.inject.rbd;

import io.guestdata.inject.block.BlockException;
import java.nio.file.Path;

/**
 * The pool cannot take the write: its quota is reached ({@code ceph osd pool set-quota}; librados {@code EDQUOT}) or
 * the cluster is full ({@code ENOSPC}). Thrown at once rather than after the op timeout, because {@link RbdPool}
 * writes with {@code rados_set_pool_full_try}; nothing was written.
 */
public final class RbdPoolFullException extends BlockException {
    private static final long serialVersionUID = 1L;

    RbdPoolFullException(Path image, String message) {
        super(image, message);
    }
}
