package io.guestdata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.inject.ceph.CephCluster;
import io.guestdata.testkit.Command;
import java.nio.file.Path;
import java.util.List;

/** The RBD images the CLI's tests inject into: a minimal ext4 guest imported into the test pool, exported back. */
final class RbdTestImages {
    private RbdTestImages() {
    }

    /** A 32 MiB ext4 image of {@link MinimalGuest#tree} imported as {@code prefix-…} into the pool; removed by scratch. */
    static String imported(CephCluster ceph, CephCluster.Scratch scratch, Path tmp, String prefix) throws Exception {
        Path image = MinimalGuest.ext4(MinimalGuest.tree(tmp), tmp.resolve("disk.img"), 32);
        String name = CephCluster.uniqueName(prefix);
        ceph.rbdAdminOk("import", "--no-progress", image.toString(), ceph.pool() + "/" + name);
        scratch.image(ceph.pool() + "/" + name);
        return name;
    }

    /** The image's bytes as {@code rbd export} writes them, in {@code tmp/NAME.SUFFIX}. */
    static Path exported(CephCluster ceph, Path tmp, String name, String suffix) {
        Path out = tmp.resolve(name + "." + suffix);
        ceph.rbdAdminOk("export", "--no-progress", ceph.pool() + "/" + name, out.toString());
        return out;
    }

    /** {@code full.json}'s key is in the exported image's root's authorized_keys, and {@code e2fsck -fn} is clean. */
    static void assertKeyInjected(Path exported) throws Exception {
        Command.Result keys = Tool.run(List.of("debugfs", "-R", "cat /root/.ssh/authorized_keys", exported.toString()));
        assertTrue(keys.stdout().contains("# The following ssh key was injected by Nova"), keys.stdout());
        Command.Result fsck = Tool.run(List.of("e2fsck", "-fn", exported.toString()));
        assertEquals(0, fsck.exit(), fsck.stdout() + fsck.stderr());
    }
}
