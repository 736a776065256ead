package io.guestdata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.inject.ceph.CephCluster;
import io.guestdata.testkit.CephTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code guestdata inject --image rbd:…} against the shared test cluster: written, malformed, in use. */
@CephTest
class InjectRbdCommandTest {
    @RegisterExtension
    static final CephCluster.Scratch scratch = new CephCluster.Scratch();
    private final CephCluster ceph = scratch.cluster();

    @TempDir
    Path tmp;

    private String imported() throws Exception {
        return RbdTestImages.imported(ceph, scratch, tmp, "cli");
    }

    private String target(String name) {
        return "rbd:" + ceph.pool() + "/" + name + ":id=" + ceph.user() + ":conf=" + ceph.conf();
    }

    private Path exported(String name) {
        return RbdTestImages.exported(ceph, tmp, name, "exported");
    }

    private static Cli inject(String image, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("inject", "--instance",
                CloudInitReadsConfigDriveTreeTest.resource("instances/full.json").toString(), "--image", image,
                "--undo-dir", Files.createTempDirectory("undo").toString()));
        args.addAll(List.of(extra));
        return Cli.run(args.toArray(String[]::new));
    }

    @Test
    void anRbdImageIsInjected() throws Exception {
        String name = imported();
        Cli r = inject(target(name), "--json");
        assertEquals(ExitCode.OK, r.exitCode(), r.toString());
        assertTrue(r.out().contains("\"image\" : \"rbd:" + ceph.pool() + "/" + name + "\"")
                || r.out().contains("\"image\":\"rbd:" + ceph.pool() + "/" + name + "\""), r.out());
        RbdTestImages.assertKeyInjected(exported(name));
    }

    @Test
    void aMalformedRbdTargetIsAUsageError() throws Exception {
        Cli r = inject("rbd:" + ceph.pool());
        assertEquals(ExitCode.USAGE, r.exitCode(), r.toString());
        assertTrue(r.stderr().contains("--image: rbd: expected POOL/IMAGE"), r.stderr());
    }

    @Test
    void anImageInUseExitsSevenNamingTheWatcher() throws Exception {
        String name = imported();
        scratch.client(ceph.librbdClient(name, "hold"));
        Cli r = inject(target(name));
        assertEquals(ExitCode.IMAGE, r.exitCode(), r.toString());
        assertTrue(r.stderr().contains("rbd:" + ceph.pool() + "/" + name + ": is open elsewhere: watched by client."),
                r.stderr());
        assertTrue(r.stderr().contains("; nothing was written"), r.stderr());
    }

    @Test
    void anUnreachableClusterFailsWithinTheCephTimeout() throws Exception {
        Cli r = inject("rbd:" + ceph.pool() + "/x:id=" + ceph.user() + ":conf=" + ceph.conf()
                + ":mon_host=127.0.0.1\\:1", "--ceph-timeout", "2");
        assertEquals(ExitCode.IMAGE, r.exitCode(), r.toString());
        assertTrue(r.stderr().contains("cannot connect to the Ceph cluster (mon_host 127.0.0.1:1) as client."
                + ceph.user() + ": timed out after 2 s"), r.stderr());
    }
}
