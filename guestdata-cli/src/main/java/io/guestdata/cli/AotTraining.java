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
import java.util.stream.Stream;

/**
 * The training run of the JDK's ahead-of-time cache ({@code java -XX:AOTCacheOutput=guestdata.aot … AotTraining
 * DIR}, JEP 483/514/515): runs, in this one process, the short commands an operator or a pipeline calls once per
 * VM, on the example instance, so the cache holds their classes loaded and linked and their methods' profiles.
 * {@code tools/aot-cache} runs it when the jars change (the launcher and the Debian package call that script);
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

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: AotTraining SCRATCH_DIR");
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
        commands.add(List.of("--version"));
        commands.add(List.of("validate", "--instance", doc));
        commands.add(List.of("validate", "--instance", invalid.toString()));
        for (String path : List.of("openstack/latest/meta_data.json", "openstack/latest/network_data.json",
                "openstack/latest/user_data", "latest/meta-data/", "latest/meta-data/public-keys/0/openssh-key",
                "openstack")) {
            commands.add(List.of("metadata", "--instance", doc, path));
        }
        commands.add(List.of("configdrive", "--instance", doc, "--format", "tree", "--output",
                scratch.resolve("tree").toString()));
        commands.add(List.of("configdrive", "--instance", doc, "--format", "iso9660", "--output",
                scratch.resolve("drive.iso").toString()));
        commands.add(List.of("configdrive", "--instance", doc, "--format", "vfat", "--output",
                scratch.resolve("drive.vfat").toString(), "--libvirt-xml"));
        commands.add(List.of("configdrive", "--instance", doc, "--format", "nocloud", "--drop-files", "--output",
                scratch.resolve("seed.iso").toString()));
        commands.add(List.of("configdrive", "--instance", doc, "--format", "nocloud", "--drop-files",
                "--nocloud-filesystem", "vfat", "--output", scratch.resolve("seed.img").toString()));
        commands.add(List.of("configdrive", "--instance", doc, "--format", "iso9660", "--output",
                scratch.resolve("drive.iso").toString()));
        Path batchInput = Files.createDirectories(scratch.resolve("batch-in"));
        Files.copy(instance, batchInput.resolve("instance.json"));
        commands.add(List.of("batch", "--input", batchInput.toString(), "--format", "iso9660", "--output-dir",
                Files.createDirectories(scratch.resolve("batch-out")).toString(), "--jobs", "1"));
        int failed = 0;
        PrintStream none = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        try {
            for (List<String> command : commands) {
                int code = Main.run(command.toArray(String[]::new), none, none, Map.of());
                boolean expected = code == ExitCode.OK
                        || (command.contains(invalid.toString()) && code == ExitCode.INVALID_INSTANCE)
                        || (command.getLast().endsWith("drive.iso") && code == ExitCode.OUTPUT);
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

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
