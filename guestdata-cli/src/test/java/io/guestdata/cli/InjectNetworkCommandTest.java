package io.guestdata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.guestdata.inject.net.NbdServer;
import io.guestdata.inject.net.TgtdTarget;
import io.guestdata.testkit.Command;
import io.guestdata.testkit.ToolTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code guestdata inject --image} on what a host sees besides image files: a block device ({@code /dev/loopN}), an
 * NBD export (qemu-nbd over TCP, qemu-storage-daemon over a Unix socket), an iSCSI LUN (a private tgtd with CHAP,
 * the password from a file or the environment). The image behind each is read back with debugfs and checked with
 * e2fsck once its server has stopped; the exit codes of a bad URI (2) and of an unreachable server (7).
 */
@ToolTest
class InjectNetworkCommandTest {
    private static final String CHAP_USER = "guestdata";
    private static final String CHAP_PASSWORD = "Chap-Pa55-word-4567";

    @TempDir
    Path tmp;

    Path image;

    @BeforeEach
    void guest() throws Exception {
        image = MinimalGuest.ext4(MinimalGuest.tree(tmp), tmp.resolve("disk.img"), 32);
    }

    private Cli inject(Map<String, String> environment, String target, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("inject", "--instance",
                CloudInitReadsConfigDriveTreeTest.resource("instances/full.json").toString(), "--image", target,
                "--only", "key,metadata", "--undo-dir", tmp.resolve("undo").toString()));
        args.addAll(List.of(extra));
        return Cli.run(environment, args.toArray(String[]::new));
    }

    /** What --only key,metadata wrote, read back from the image file, and e2fsck's word on it. */
    private void assertInjected(Cli r) throws Exception {
        InjectCommandTest.assertKeyAndMetadataWritten(r, image);
        Command.Result fsck = Tool.run(List.of("e2fsck", "-fn", image.toString()));
        assertEquals(0, fsck.exit(), fsck.stdout() + fsck.stderr());
    }

    @Test
    void anNbdExportOverTcpIsInjected() throws Exception {
        Cli r;
        String uri;
        try (NbdServer server = NbdServer.qemuNbdTcp(image, "disk0", tmp)) {
            uri = server.uri();
            r = inject(Map.of(), uri);
        }
        assertTrue(r.out().startsWith("inject: " + uri.replace("nbd://", "nbd:") + " (raw), the whole disk (ext4)"), r.out());
        assertInjected(r);
    }

    @Test
    void anNbdExportOverAUnixSocketIsInjected() throws Exception {
        Cli r;
        try (NbdServer server = NbdServer.storageDaemonUnix(image, "disk0", tmp.resolve("nbd.sock"), tmp)) {
            r = inject(Map.of(), server.uri());
        }
        assertInjected(r);
    }

    @Test
    void anIscsiLunWithChapIsInjectedWithThePasswordFromAFileOrTheEnvironment() throws Exception {
        Optional<String> unavailable = TgtdTarget.unavailable();
        assumeTrue(unavailable.isEmpty(), () -> "no private tgtd: " + unavailable.orElseThrow());
        Path file = Files.writeString(tmp.resolve("chap"), CHAP_PASSWORD + "\n");
        String before = Images.sha256(Files.readAllBytes(image));
        Cli noPassword;
        Cli dry;
        Cli r;
        try (TgtdTarget tgtd = TgtdTarget.start(image, Optional.of(new TgtdTarget.Chap(CHAP_USER, CHAP_PASSWORD)), tmp)) {
            String uri = tgtd.uri(Optional.of(CHAP_USER));
            noPassword = inject(Map.of(), uri);
            dry = inject(Map.of(), uri, "--dry-run", "--iscsi-password-file", file.toString());
            r = inject(Map.of("GUESTDATA_ISCSI_PASSWORD", CHAP_PASSWORD), uri);
        }
        assertEquals(ExitCode.USAGE, noPassword.exitCode(), noPassword.toString());
        assertTrue(noPassword.stderr().contains("names the CHAP user 'guestdata' but no password is given"),
                noPassword.stderr());
        assertEquals(ExitCode.OK, dry.exitCode(), dry.toString());
        assertTrue(dry.out().endsWith("dry run: 3 planned; nothing was written\n"), dry.out());
        assertInjected(r);
        assertFalse(before.equals(Images.sha256(Files.readAllBytes(image))));
    }

    @Test
    void aPasswordInTheUriIsAUsageErrorThatDoesNotRepeatIt() throws Exception {
        String before = Images.sha256(Files.readAllBytes(image));
        Cli r = inject(Map.of(), "iscsi://alice%" + CHAP_PASSWORD + "@127.0.0.1/iqn.2026-12.io.example:x/1");
        assertEquals(ExitCode.USAGE, r.exitCode(), r.toString());
        assertTrue(r.stderr().contains("--image: iscsi: the URI holds a CHAP password"), r.stderr());
        assertFalse(r.stderr().contains(CHAP_PASSWORD), r.stderr());
        assertFalse(r.out().contains(CHAP_PASSWORD), r.out());
        assertEquals(before, Images.sha256(Files.readAllBytes(image)));
    }

    @Test
    void aMalformedUriOrAnotherProtocolIsAUsageError() throws Exception {
        Cli lun = inject(Map.of(), "iscsi://127.0.0.1/iqn.2026-12.io.example:x/lun1");
        assertEquals(ExitCode.USAGE, lun.exitCode(), lun.toString());
        assertTrue(lun.stderr().contains("--image: iscsi: the LUN 'lun1' is not a decimal number from 0 to 16383"),
                lun.stderr());
        Cli http = inject(Map.of(), "http://example/disk.img");
        assertEquals(ExitCode.USAGE, http.exitCode(), http.toString());
        assertTrue(http.stderr().contains("--image: image: 'http://' is not a disk guestdata opens"), http.stderr());
        Cli stray = inject(Map.of(), "nbd://127.0.0.1/disk0", "--iscsi-password-file", image.toString());
        assertEquals(ExitCode.USAGE, stray.exitCode(), stray.toString());
        assertTrue(stray.stderr().contains("--iscsi-password-file is for an iscsi:// image only"), stray.stderr());
    }

    @Test
    void anUnreachableServerIsExit7() throws Exception {
        int port = NbdServer.freePort();
        Cli r = inject(Map.of(), "nbd://127.0.0.1:" + port + "/disk0");
        assertEquals(ExitCode.IMAGE, r.exitCode(), r.toString());
        assertTrue(r.stderr().contains("nbd:127.0.0.1:" + port + "/disk0: qemu-storage-daemon exited"), r.stderr());
        assertTrue(r.stderr().contains("Connection refused"), r.stderr());
    }

    @Test
    void aLoopDeviceIsInjected() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")) && Files.exists(Path.of("/dev/loop-control")),
                "loop devices need root");
        Command.Result attach = Tool.run(List.of("losetup", "-f", "--show", image.toString()));
        assertEquals(0, attach.exit(), attach.stderr());
        String device = attach.stdout().strip();
        Cli r;
        try {
            r = inject(Map.of(), device);
        } finally {
            Tool.run(List.of("losetup", "-d", device));
        }
        assertTrue(r.out().startsWith("inject: " + device + " (raw), the whole disk (ext4)"), r.out());
        assertInjected(r);
    }
}
