package io.guestdata.inject.ceph;

import io.guestdata.testkit.Command;
import io.guestdata.testkit.CephTest;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.guestdata.inject.fs.Ext2Tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The test cluster is what the RBD tests rely on: cephx on, the pool writable, the user confined to it. */
@CephTest
class CephClusterTest {

    static CephCluster ceph;

    @BeforeAll
    static void cluster() {
        ceph = CephCluster.shared();
        System.out.println("CephClusterTest: cluster in " + ceph.dir() + ", started in " + ceph.startUp().toSeconds()
                + " s, monitor " + ceph.monHost());
    }

    @Test
    void theUserWritesImagesInItsPool() {
        String name = ceph.pool() + "/" + CephCluster.uniqueName("cluster-test");
        Command.Result created = ceph.rbd("create", "--size", "8M", name);
        assertEquals(0, created.exit(), created.stderr());
        assertTrue(ceph.rbd("ls", ceph.pool()).stdout().lines().anyMatch(name.substring(ceph.pool().length() + 1)::equals));
        assertEquals(0, ceph.rbd("rm", "--no-progress", name).exit());
    }

    @Test
    void theUserCannotTouchAnotherPoolNorTheClusterKeys() {
        String other = CephCluster.uniqueName("other");
        assertEquals(0, ceph.cephAdmin("osd", "pool", "create", other, "8", "8").exit());
        try {
            assertEquals(0, ceph.cephAdmin("osd", "pool", "application", "enable", other, "rbd").exit());
            Command.Result r = ceph.rbd("create", "--size", "8M", other + "/x");
            assertNotEquals(0, r.exit(), "profile rbd pool=" + ceph.pool() + " must not reach " + other);
            assertTrue(r.stderr().contains("Operation not permitted"), r.stderr());
            assertEquals(0, ceph.rbdAdmin("create", "--size", "8M", other + "/x").exit(), "the admin can");
            Command.Result keys = Ext2Tools.run(java.util.List.of("ceph", "--conf", ceph.conf().toString(), "--id",
                    ceph.user(), "auth", "ls"));
            assertNotEquals(0, keys.exit(), "the client user must not list the cluster's keys");
        } finally {
            ceph.cephAdmin("osd", "pool", "delete", other, other, "--yes-i-really-really-mean-it");
        }
    }

    @Test
    void cephxIsOnAndTheKeyringsArePrivate() throws Exception {
        String conf = Files.readString(ceph.conf());
        assertTrue(conf.contains("auth_client_required = cephx"), conf);
        assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                Files.getPosixFilePermissions(ceph.keyring()));
        // a client with a wrong key is refused
        var wrong = Files.createTempFile("wrong-", ".keyring");
        try {
            Files.writeString(wrong, "[client." + ceph.user() + "]\n\tkey = AQBzaW5nbGUtbm9kZS10ZXN0LXdyb25nLWtleQ==\n");
            Command.Result r = Ext2Tools.run(java.util.List.of("rbd", "--conf", ceph.conf().toString(), "--id",
                    ceph.user(), "--keyring", wrong.toString(), "ls", ceph.pool()));
            assertNotEquals(0, r.exit());
            assertFalse(r.stdout().contains("cluster-test"));
        } finally {
            Files.delete(wrong);
        }
    }
}
