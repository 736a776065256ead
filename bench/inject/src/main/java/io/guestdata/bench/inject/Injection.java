package io.guestdata.bench.inject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.guestdata.inject.fs.AccessPolicy;
import io.guestdata.inject.fs.GuestFilesystem;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.fs.GuestPath;

/**
 * The injection every contender makes, as Nova's key and files injectors do it (nova-compat.md §7):
 * {@code mkdir -p /root/.ssh} (0700, root), append the key with Nova's comment line to
 * {@code /root/.ssh/authorized_keys}, {@code chmod 0600} it, and write one 4 KiB file.
 */
final class Injection {

    static final String KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBenchmarkKeyForGuestdataInjection bench@guestdata";
    /** Nova's {@code _inject_key_into_fs} appends exactly this. */
    static final byte[] KEY_APPEND = ("\n# The following ssh key was injected by Nova\n" + KEY + "\n")
            .getBytes(StandardCharsets.UTF_8);
    static final String FILE = "/etc/guestdata-bench.conf";
    static final byte[] FILE_CONTENT = content4KiB();

    private Injection() {
    }

    private static byte[] content4KiB() {
        byte[] b = new byte[4096];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) ('a' + i % 26);
        }
        b[b.length - 1] = '\n';
        return b;
    }

    /** The injection through the {@link GuestFilesystem} interface (either backend). */
    static void apply(GuestFilesystem fs) throws GuestFsException {
        fs.makeDirectories(GuestPath.of("/root/.ssh"), 0700, 0, 0, AccessPolicy.STRICT);
        fs.append(GuestPath.of("/root/.ssh/authorized_keys"), KEY_APPEND, AccessPolicy.STRICT);
        fs.chmod(GuestPath.of("/root/.ssh/authorized_keys"), 0600, AccessPolicy.STRICT);
        fs.replace(GuestPath.of(FILE), FILE_CONTENT);
    }

    /**
     * The same for {@code debugfs -w -f}: debugfs cannot append, but on a fresh image the file is
     * new, so writing the appended text is the same result. Host files hold the content.
     */
    static Path debugfsScript(Path dir) throws IOException {
        Path key = Files.write(dir.resolve("authorized_keys.src"), KEY_APPEND);
        Path file = Files.write(dir.resolve("file.src"), FILE_CONTENT);
        return Files.write(dir.resolve("inject.debugfs"), List.of(
                "mkdir /root/.ssh",
                "sif /root/.ssh mode 040700",
                "write " + key + " /root/.ssh/authorized_keys",
                "sif /root/.ssh/authorized_keys mode 0100600",
                "sif /root/.ssh/authorized_keys uid 0",
                "sif /root/.ssh/authorized_keys gid 0",
                "write " + file + " " + FILE));
    }

    /** The same for {@code guestfish -f}: the calls Nova's VFSGuestFS makes, plus an upload. */
    static Path guestfishScript(Path dir) throws IOException {
        Path file = Files.write(dir.resolve("file.src"), FILE_CONTENT);
        String key = new String(KEY_APPEND, StandardCharsets.UTF_8).replace("\n", "\\n");
        return Files.write(dir.resolve("inject.guestfish"), List.of(
                "mkdir-p /root/.ssh",
                "chown 0 0 /root/.ssh",
                "chmod 0700 /root/.ssh",
                "write-append /root/.ssh/authorized_keys \"" + key + "\"",
                "chmod 0600 /root/.ssh/authorized_keys",
                "upload " + file + " " + FILE));
    }
}
