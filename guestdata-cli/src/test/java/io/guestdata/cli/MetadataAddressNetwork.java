package io.guestdata.cli;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.guestdata.testkit.Command;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A guest that reaches the metadata service at {@code 169.254.169.254:80}, for agents that hard-code that address
 * (cloud-utils' {@code ec2metadata} sends its token PUT there whatever {@code --url} says; Ignition's OpenStack
 * provider has no setting at all). Two network namespaces joined by a veth pair: the guest's, whose {@code eth0}
 * holds {@link #GUEST} and routes {@code 169.254.169.254} to the other side, and the metadata side's (Neutron's
 * router or DHCP namespace), which holds {@code 169.254.169.254} and where {@code guestdata serve} runs
 * ({@link #onMetadataSide()}) in address mode: the guest's requests come from {@link #GUEST}. Needs root and
 * iproute2; names carry this JVM's pid, {@link #close} removes them, as does the next run for a run that was killed.
 */
final class MetadataAddressNetwork implements AutoCloseable {
    static final String METADATA = "169.254.169.254";
    /** The guest's address, the one fixed IP of the instance it is. */
    static final String GUEST = "203.0.113.10";
    private static final String SIDE = "203.0.113.1";
    private static final String PREFIX = "gdmd";

    private final long pid = ProcessHandle.current().pid();
    private final String guest = PREFIX + "-g-" + pid;
    private final String metadata = PREFIX + "-m-" + pid;

    /** Skips the calling test unless it runs as root with {@code ip}. */
    static void assumeUsable() {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root: creates network namespaces and a veth pair");
        assumeTrue(new java.io.File("/usr/bin/ip").canExecute() || new java.io.File("/bin/ip").canExecute(),
                "needs iproute2's ip");
    }

    static MetadataAddressNetwork create() throws IOException, InterruptedException {
        removeStale();
        MetadataAddressNetwork net = new MetadataAddressNetwork();
        try {
            net.sh("ip", "netns", "add", net.metadata);
            net.sh("ip", "netns", "add", net.guest);
            net.sh("ip", "-n", net.metadata, "link", "add", "md0", "type", "veth", "peer", "name", "eth0", "netns", net.guest);
            net.sh("ip", "-n", net.metadata, "link", "set", "lo", "up");
            net.sh("ip", "-n", net.metadata, "addr", "add", SIDE + "/24", "dev", "md0");
            net.sh("ip", "-n", net.metadata, "addr", "add", METADATA + "/32", "dev", "lo");
            net.sh("ip", "-n", net.metadata, "link", "set", "md0", "up");
            net.sh("ip", "-n", net.guest, "link", "set", "lo", "up");
            net.sh("ip", "-n", net.guest, "addr", "add", GUEST + "/24", "dev", "eth0");
            net.sh("ip", "-n", net.guest, "link", "set", "eth0", "up");
            net.sh("ip", "-n", net.guest, "route", "add", METADATA + "/32", "via", SIDE);
            return net;
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            net.close();
            throw e;
        }
    }

    /** {@code ip netns exec}: the wrapper that runs serve on the metadata side. */
    List<String> onMetadataSide() {
        return List.of("ip", "netns", "exec", metadata);
    }

    /** Runs {@code argv} in the guest (timeout {@code seconds}); its exit code and output. */
    Command.Result inGuest(int seconds, String... argv) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", guest));
        command.addAll(List.of(argv));
        return Tool.run(command, seconds);
    }

    @Override
    public void close() {
        for (String ns : List.of(guest, metadata)) {
            try {
                Tool.run(List.of("ip", "netns", "del", ns), 30); // the veth pair goes with the first
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException("ip netns del " + ns + ": " + e, e);
            }
        }
    }

    /** Namespaces of runs whose JVM is gone (killed before it could clean up). */
    private static void removeStale() throws IOException, InterruptedException {
        for (String line : Tool.run(List.of("ip", "netns", "list"), 30).stdout().lines().toList()) {
            String name = line.split(" ")[0];
            if (name.matches(PREFIX + "-[gm]-[0-9]+")
                    && ProcessHandle.of(Long.parseLong(name.substring(name.lastIndexOf('-') + 1))).isEmpty()) {
                Tool.run(List.of("ip", "netns", "del", name), 30);
            }
        }
    }

    private void sh(String... argv) throws IOException, InterruptedException {
        Command.Result r = Tool.run(List.of(argv), 30);
        if (r.exit() != 0) {
            throw new IllegalStateException(String.join(" ", argv) + ": exit " + r.exit() + ": " + r.stderr().strip());
        }
    }
}
