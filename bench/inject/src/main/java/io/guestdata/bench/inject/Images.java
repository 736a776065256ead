package io.guestdata.bench.inject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** Host commands the benchmark needs: sparse copies, and checks of a result with debugfs and e2fsck. */
final class Images {

    private Images() {
    }

    /** {@code cp --sparse=always}: a 1 GiB image with ~40 MiB of data copies in tens of milliseconds. */
    static void freshCopy(Path base, Path copy) throws IOException, InterruptedException {
        run(List.of("cp", "--sparse=always", "--reflink=auto", base.toString(), copy.toString()));
    }

    static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(command + " exited " + p.exitValue() + ": " + out);
        }
        return out;
    }

    /**
     * That the injection is in {@code image}: e2fsck clean, the directory 0700, the key file 0600
     * root:root with Nova's text, the 4 KiB file there.
     */
    static void verify(Path image, String who) throws IOException, InterruptedException {
        run(List.of("e2fsck", "-fn", image.toString()));
        String dir = run(List.of("debugfs", "-R", "stat /root/.ssh", image.toString()));
        String key = run(List.of("debugfs", "-R", "stat /root/.ssh/authorized_keys", image.toString()));
        String content = run(List.of("debugfs", "-R", "cat /root/.ssh/authorized_keys", image.toString()));
        String file = run(List.of("debugfs", "-R", "stat " + Injection.FILE, image.toString()));
        List<String> problems = new java.util.ArrayList<>();
        if (!dir.contains("Mode:  0700")) {
            problems.add("/root/.ssh is not 0700");
        }
        if (!key.contains("Mode:  0600") || !key.matches("(?s).*User:\\s+0\\s+Group:\\s+0\\s.*")) {
            problems.add("authorized_keys is not 0600 root:root");
        }
        if (!content.endsWith(new String(Injection.KEY_APPEND, StandardCharsets.UTF_8))) {
            problems.add("authorized_keys does not hold the key");
        }
        if (!file.matches("(?s).*Size:\\s+4096\\b.*")) {
            problems.add(Injection.FILE + " is not 4096 bytes");
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException(who + " did not inject correctly: " + problems);
        }
    }
}
