package io.guestdata.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The training run of the JDK's ahead-of-time cache of one short command ({@code java
 * -XX:AOTCacheOutput=validate.aot … AotTraining DIR validate}, JEP 483/514/515): runs that command, in this one
 * process, as an operator or a pipeline calls it once per VM, on the example instance (inject on a small ext4
 * image made with mke2fs, in-process and sandboxed), so the cache holds its classes loaded and linked and its
 * methods' profiles. One cache per command, not one for all: the JVM maps and relocates the whole cache at every
 * start, and a cache of every command's classes (34 MB) cost validate 70 ms more than its own (20 MB).
 * {@code tools/aot.sh} runs it when the jars change (the launcher after a build, the Debian package in postinst);
 * nothing in a normal run depends on it.
 *
 * <p>Every command runs for real in a scratch directory ({@code DIR}, emptied and removed at the end). A command
 * that fails here only trains less; the run reports it on stderr and still exits 0, as a missing cache only costs
 * start-up time.
 */
public final class AotTraining {
    private static final String INSTANCE = "/io/guestdata/cli/training/instance.json";

    private AotTraining() {
    }

    /** The commands that have a start-up cache of their own, each trained on its own (a cache per command). */
    static final List<String> COMMANDS = List.of("validate", "metadata", "configdrive", "batch", "inject");

    public static void main(String[] args) throws IOException {
        if (args.length != 2 || !COMMANDS.contains(args[1])) {
            System.err.println("usage: AotTraining SCRATCH_DIR " + String.join("|", COMMANDS));
            System.exit(ExitCode.USAGE);
        }
        Path scratch = Files.createDirectories(Path.of(args[0]));
        Path instance = scratch.resolve("instance.json");
        try (InputStream in = AotTraining.class.getResourceAsStream(INSTANCE)) {
            if (in == null) {
                throw new IOException("training instance " + INSTANCE + " missing from the jar");
            }
            Files.copy(in, instance);
        }
        Path invalid = Files.writeString(scratch.resolve("invalid.json"),
                "{\"uuid\": \"not-a-uuid\", \"name\": \"\", \"public_keys\": {\"k\": 1}}", StandardCharsets.UTF_8);
        String doc = instance.toString();
        List<List<String>> commands = new ArrayList<>();
        switch (args[1]) {
            case "validate" -> {
                commands.add(List.of("validate", "--instance", doc));
                commands.add(List.of("validate", "--instance", invalid.toString()));
            }
            case "metadata" -> {
                for (String path : List.of("openstack/latest/meta_data.json", "openstack/latest/network_data.json",
                        "openstack/latest/user_data", "latest/meta-data/", "latest/meta-data/public-keys/0/openssh-key",
                        "openstack")) {
                    commands.add(List.of("metadata", "--instance", doc, path));
                }
            }
            case "configdrive" -> {
                commands.add(List.of("configdrive", "--instance", doc, "--format", "tree", "--output",
                        scratch.resolve("tree").toString()));
                commands.add(List.of("configdrive", "--instance", doc, "--format", "iso9660", "--output",
                        scratch.resolve("drive.iso").toString()));
                commands.add(List.of("configdrive", "--instance", doc, "--format", "vfat", "--output",
                        scratch.resolve("drive.vfat").toString(), "--libvirt-xml"));
                commands.add(List.of("configdrive", "--instance", doc, "--format", "nocloud", "--drop-files",
                        "--output", scratch.resolve("seed.iso").toString()));
                commands.add(List.of("configdrive", "--instance", doc, "--format", "nocloud", "--drop-files",
                        "--nocloud-filesystem", "vfat", "--output", scratch.resolve("seed.img").toString()));
                commands.add(List.of("configdrive", "--instance", doc, "--format", "iso9660", "--output",
                        scratch.resolve("drive.iso").toString()));
            }
            case "batch" -> {
                Path batchInput = Files.createDirectories(scratch.resolve("batch-in"));
                Files.copy(instance, batchInput.resolve("instance.json"));
                Files.copy(invalid, batchInput.resolve("invalid.json"));
                for (String format : List.of("iso9660", "vfat")) {
                    commands.add(List.of("batch", "--input", batchInput.toString(), "--format", format,
                            "--output-dir", Files.createDirectories(scratch.resolve("batch-" + format)).toString()));
                }
            }
            case "inject" -> {
                Optional<Path> image = guestImage(scratch);
                if (image.isPresent()) {
                    List<String> inject = List.of("inject", "--instance", doc, "--image", image.get().toString(),
                            "--partition", "0");
                    commands.add(concat(inject, "--sandbox", "off"));
                    commands.add(concat(inject, "--json"));
                }
            }
            default -> throw new IllegalStateException(args[1]);
        }
        int failed = 0;
        PrintStream none = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        try {
            for (List<String> command : commands) {
                int code = Main.run(command.toArray(String[]::new), none, none, Map.of());
                boolean expected = code == ExitCode.OK
                        || (command.contains(invalid.toString()) && code == ExitCode.INVALID_INSTANCE)
                        || (command.getLast().endsWith("drive.iso") && code == ExitCode.OUTPUT)
                        || (command.getFirst().equals("batch") && code == ExitCode.BATCH_FAILED)
                        || (command.contains("--json") && code == ExitCode.BACKEND);   // no bubblewrap here
                if (!expected) {
                    failed++;
                    System.err.println("guestdata aot training: exit " + code + " from guestdata "
                            + String.join(" ", command));
                }
            }
        } finally {
            deleteTree(scratch);
        }
        System.err.println("guestdata aot training: " + commands.size() + " commands, " + failed + " unexpected");
    }

    private static List<String> concat(List<String> head, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(List.of(tail));
        return all;
    }

    /**
     * A 16 MiB ext4 image holding the files inject edits (/etc/passwd, /etc/shadow, /etc/group, /root), made by
     * e2fsprogs' mke2fs from a directory; empty (no inject training) when mke2fs is not installed or fails.
     */
    private static Optional<Path> guestImage(Path scratch) throws IOException {
        Optional<Path> mke2fs = Stream.of("/usr/sbin/mke2fs", "/sbin/mke2fs").map(Path::of)
                .filter(Files::isExecutable).findFirst();
        if (mke2fs.isEmpty()) {
            System.err.println("guestdata aot training: no mke2fs, inject not trained");
            return Optional.empty();
        }
        Path root = Files.createDirectories(scratch.resolve("rootfs"));
        Files.createDirectories(root.resolve("etc"));
        Files.createDirectories(root.resolve("root"));
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        Files.writeString(root.resolve("etc/shadow"), "root:*:19000:0:99999:7:::\n");
        Files.writeString(root.resolve("etc/group"), "root:x:0:\n");
        Path image = scratch.resolve("guest.img");
        Process p = new ProcessBuilder(mke2fs.get().toString(), "-q", "-F", "-t", "ext4", "-d", root.toString(),
                image.toString(), "16M").redirectErrorStream(true).redirectOutput(scratch.resolve("mke2fs.log").toFile())
                .start();
        try {
            if (p.waitFor() != 0) {
                System.err.println("guestdata aot training: mke2fs failed, inject not trained: "
                        + Files.readString(scratch.resolve("mke2fs.log")));
                return Optional.empty();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
        return Optional.of(image);
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
