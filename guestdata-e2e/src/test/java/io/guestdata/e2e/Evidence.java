package io.guestdata.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.guestdata.testkit.Command;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * What a boot left on the guest's disk, checked item by item. Every check runs (one failure does not hide
 * the next); {@link #verify} then fails with all that was missing or wrong, the console's tail, the
 * guest's record of cloud-init's outcome and an excerpt of cloud-init's log.
 */
final class Evidence {
    static final String DIR = "/var/lib/guestdata-e2e";

    private final String path;
    private final GuestDisk disk;
    private final GuestVm vm;
    private final List<String> passed = new ArrayList<>();
    private final List<String> failed = new ArrayList<>();

    Evidence(String path, GuestDisk disk, GuestVm vm) {
        this.path = path;
        this.disk = disk;
        this.vm = vm;
    }

    /** The file as text, or a recorded failure (and empty) if the guest has no such file. */
    Optional<String> text(String file) {
        Optional<String> t = disk.text(file);
        if (t.isEmpty()) {
            failed.add(file + ": missing");
        }
        return t;
    }

    void check(String what, boolean ok, String detail) {
        (ok ? passed : failed).add(ok ? what : what + ": " + detail);
    }

    void fileEquals(String file, byte[] expected) {
        Optional<byte[]> actual = disk.read(file);
        if (actual.isEmpty()) {
            failed.add(file + ": missing (expected " + expected.length + " bytes)");
        } else {
            check(file + " holds the " + expected.length + " bytes delivered", Arrays.equals(actual.get(), expected),
                    "differs: " + actual.get().length + " bytes, starting " + preview(actual.get()));
        }
    }

    void fileContains(String file, String expected) {
        text(file).ifPresent(t -> check(file + " contains " + quote(expected), t.contains(expected),
                "does not; it holds:\n" + indent(Command.tail(t, 15))));
    }

    void fileMatches(String file, String what, Predicate<String> ok) {
        text(file).ifPresent(t -> check(file + " " + what, ok.test(t), "it holds:\n" + indent(Command.tail(t, 15))));
    }

    /** The guest ran its collector (it powers off only after it). */
    void collectorRan() {
        check("the guest's evidence collector ran (" + DIR + "/done-at.txt)", disk.read(DIR + "/done-at.txt").isPresent(),
                "missing: the guest powered off (or crashed) before cloud-init finished");
    }

    /** cloud-init finished with no errors, using the expected datasource. */
    void cloudInitDone(String datasource) {
        fileContains(DIR + "/cloud-init-status.txt", "status: done");
        text(DIR + "/result.json").ifPresent(t -> {
            try {
                JsonNode v1 = TestInstance.JSON.readTree(t).path("v1");
                check("cloud-init used " + datasource, v1.path("datasource").asText().startsWith(datasource),
                        "it used " + v1.path("datasource"));
                check("cloud-init reported no errors", v1.path("errors").isArray() && v1.path("errors").isEmpty(),
                        "errors: " + v1.path("errors"));
            } catch (IOException e) {
                failed.add(DIR + "/result.json: not JSON (" + e.getMessage() + ")");
            }
        });
        text(DIR + "/status.json").ifPresent(t -> {
            try {
                JsonNode stages = TestInstance.JSON.readTree(t).path("v1");
                List<String> stageErrors = new ArrayList<>();
                for (String stage : List.of("init-local", "init", "modules-config", "modules-final")) {
                    JsonNode errors = stages.path(stage).path("errors");
                    if (errors.isArray() && !errors.isEmpty()) {
                        stageErrors.add(stage + ": " + errors);
                    }
                }
                check("no cloud-init stage reported an error", stageErrors.isEmpty(), String.join("; ", stageErrors));
            } catch (IOException e) {
                failed.add(DIR + "/status.json: not JSON (" + e.getMessage() + ")");
            }
        });
    }

    /** The instance data cloud-init kept (instance-data.json) names the instance and its metadata. */
    void instanceData(TestInstance instance) {
        text(DIR + "/instance-data.json").ifPresent(t -> {
            try {
                JsonNode v1 = TestInstance.JSON.readTree(t).path("v1");
                check("cloud-init's instance_id is the uuid", v1.path("instance_id").asText().equals(instance.uuid),
                        "it is " + v1.path("instance_id"));
                check("cloud-init's local_hostname is " + instance.hostname,
                        v1.path("local_hostname").asText().startsWith(instance.hostname), "it is " + v1.path("local_hostname"));
                check("cloud-init saw the ssh key", v1.path("public_ssh_keys").toString().contains(instance.publicKey.split(" ")[1]),
                        "public_ssh_keys " + v1.path("public_ssh_keys"));
            } catch (IOException e) {
                failed.add(DIR + "/instance-data.json: not JSON (" + e.getMessage() + ")");
            }
        });
    }

    /**
     * The EC2 {@code block-device-mapping} cloud-init read (its datasource's {@code ec2_metadata} in
     * instance-data.json) is exactly {@code expected}.
     */
    void blockDeviceMapping(Map<String, String> expected) {
        text(DIR + "/instance-data.json").ifPresent(t -> {
            try {
                JsonNode bdm = TestInstance.JSON.readTree(t).path("ds").path("ec2_metadata").path("block-device-mapping");
                Map<String, String> actual = new TreeMap<>();
                bdm.properties().forEach(entry -> actual.put(entry.getKey(), entry.getValue().asText()));
                check("cloud-init's EC2 block-device-mapping is " + new TreeMap<>(expected), actual.equals(expected),
                        "it is " + bdm);
            } catch (IOException e) {
                failed.add(DIR + "/instance-data.json: not JSON (" + e.getMessage() + ")");
            }
        });
    }

    /** The guest has the address on an interface (as its collector saw it with ip -4 addr, or ip -6 addr). */
    void addressUp(TestInstance instance, String ifacePrefix) {
        String inet = (instance.ipv6 ? "inet6 " : "inet ") + instance.address + "/" + instance.prefix + " ";
        fileMatches(DIR + (instance.ipv6 ? "/ip6-addr.txt" : "/ip-addr.txt"), "shows " + inet.strip() + " on " + ifacePrefix + "*",
                t -> t.lines().anyMatch(l -> l.split("\\s+").length > 1 && l.split("\\s+")[1].startsWith(ifacePrefix)
                        && l.contains(inet)));
    }

    /** The guest had no IPv4 address but the loopback's (ip -4 addr lists only lo). */
    void noIpv4() {
        fileMatches(DIR + "/ip-addr.txt", "shows no IPv4 address but lo's", t -> t.lines().filter(l -> !l.isBlank())
                .allMatch(l -> l.split("\\s+").length > 1 && l.split("\\s+")[1].equals("lo")));
    }

    /** Root's entry in /etc/shadow has exactly this hash. */
    void rootHash(String expected) {
        fileMatches("/etc/shadow", "gives root the hash delivered", t -> t.lines()
                .anyMatch(l -> l.startsWith("root:") && l.split(":", -1)[1].equals(expected)));
    }

    /** Root's hash in /etc/shadow verifies the password (openssl passwd with the same salt). */
    void rootPassword(String password) {
        text("/etc/shadow").ifPresent(t -> {
            String hash = t.lines().filter(l -> l.startsWith("root:")).map(l -> l.split(":", -1)[1]).findFirst().orElse("");
            String[] parts = hash.split("\\$");
            boolean ok = false;
            if (parts.length == 4) {
                String again = Command.run(java.time.Duration.ofSeconds(30), List.of("openssl", "passwd", "-" + parts[1],
                        "-salt", parts[2], password)).stdout().strip();
                ok = again.equals(hash);
            }
            check("root's hash in /etc/shadow verifies the admin password", ok, "root's hash is '" + hash + "'");
        });
    }

    /** Fails with everything that was missing or wrong, and what the guest said. */
    void verify() {
        if (failed.isEmpty()) {
            return;
        }
        StringBuilder report = new StringBuilder();
        report.append(path).append(": ").append(failed.size()).append(" of ").append(failed.size() + passed.size())
                .append(" checks failed\n");
        failed.forEach(f -> report.append("  FAILED ").append(f).append('\n'));
        passed.forEach(p -> report.append("  ok     ").append(p).append('\n'));
        report.append("--- cloud-init status (as the guest recorded it)\n")
                .append(disk.text(DIR + "/cloud-init-status.txt").orElse("(none)")).append('\n');
        disk.text("/var/log/cloud-init.log").ifPresent(log -> {
            List<String> bad = log.lines().filter(l -> l.contains("WARNING") || l.contains("ERROR") || l.contains("Traceback"))
                    .toList();
            report.append("--- cloud-init.log: WARNING/ERROR lines (").append(bad.size()).append(")\n")
                    .append(String.join("\n", bad.subList(Math.max(0, bad.size() - 30), bad.size()))).append('\n')
                    .append("--- cloud-init.log (last 25 lines)\n").append(Command.tail(log, 25)).append('\n');
        });
        report.append("--- console (last 60 lines) ").append(vm.console()).append('\n').append(vm.consoleTail(60));
        throw new AssertionError(report.toString());
    }

    private static String preview(byte[] b) {
        return HexFormat.of().formatHex(b, 0, Math.min(16, b.length));
    }

    private static String quote(String s) {
        return "'" + (s.length() > 80 ? s.substring(0, 77) + "..." : s) + "'";
    }

    private static String indent(String s) {
        return s.lines().map(l -> "      | " + l).reduce((a, b) -> a + "\n" + b).orElse("");
    }

}
