package io.guestdata.inject.rbd;

import io.guestdata.testkit.ToolTest;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.guestdata.inject.fs.CHeaderValues;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every struct offset and constant {@link LibRbd} relies on, checked against the installed
 * {@code rbd/librbd.h} and {@code rados/librados.h} (Debian's librbd-dev, librados-dev) by gcc.
 */
@ToolTest
class LibRbdLayoutTest {

    @TempDir
    Path dir;

    @Test
    void everyOffsetSizeAndConstantMatchesTheInstalledHeaders() throws Exception {
        Map<String, Long> e = new LinkedHashMap<>();
        e.put("sizeof(rbd_image_watcher_t)", LibRbd.WATCHER_SIZE);
        e.put("offsetof(rbd_image_watcher_t, addr)", LibRbd.WATCHER_ADDR);
        e.put("offsetof(rbd_image_watcher_t, id)", LibRbd.WATCHER_ID);
        e.put("RBD_LOCK_MODE_EXCLUSIVE", (long) LibRbd.RBD_LOCK_MODE_EXCLUSIVE);
        e.put("RBD_FEATURE_EXCLUSIVE_LOCK", LibRbd.RBD_FEATURE_EXCLUSIVE_LOCK);
        e.put("RBD_FEATURE_MIGRATING", LibRbd.RBD_FEATURE_MIGRATING);
        e.put("RBD_FEATURE_NON_PRIMARY", LibRbd.RBD_FEATURE_NON_PRIMARY);
        e.put("sizeof(rados_t)", 8L);
        e.put("sizeof(rados_ioctx_t)", 8L);
        e.put("sizeof(rbd_image_t)", 8L);
        e.put("sizeof(size_t)", 8L);
        e.put("sizeof(ssize_t)", 8L);
        e.put("EPERM", (long) LibRbd.EPERM);
        e.put("ENOENT", (long) LibRbd.ENOENT);
        e.put("EIO", (long) LibRbd.EIO);
        e.put("EACCES", (long) LibRbd.EACCES);
        e.put("EBUSY", (long) LibRbd.EBUSY);
        e.put("EROFS", (long) LibRbd.EROFS);
        e.put("ERANGE", (long) LibRbd.ERANGE);
        e.put("ETIMEDOUT", (long) LibRbd.ETIMEDOUT);
        Map<String, Long> installed = CHeaderValues.of(List.of("errno.h", "sys/types.h", "rados/librados.h",
                "rbd/librbd.h"), e.keySet(), dir);
        assertEquals(e, installed);
    }
}
