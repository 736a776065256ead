package io.guestdata.e2e;

import io.guestdata.testkit.Command;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One boot of the guest under QEMU with TCG (no KVM: nested virtualisation does not work on these machines):
 * the guest's own kernel booted directly on its root filesystem (virtio disk), serial console to a log file,
 * SMBIOS system information as Nova's libvirt driver sets it, and the devices of the delivery path under test.
 * {@link #boot} returns when the guest has powered itself off; a guest still running at the hard timeout is
 * killed and the boot fails with the console's tail.
 */
final class GuestVm {
    private final GuestImage image;
    /** The root disk as QEMU's -drive file= names it: a local path, or an {@code rbd:} filename. */
    private final String disk;
    private final Path dir;
    private final List<String> devices = new ArrayList<>();
    private final Map<String, String> smbios = new LinkedHashMap<>();
    private final List<String> kernelArgs = new ArrayList<>();
    private List<String> prefix = List.of();
    private String root = "/dev/vda";
    private String netdev;
    private String mac;

    GuestVm(GuestImage image, Path disk, Path dir) {
        this(image, disk.toString(), dir);
    }

    /**
     * A guest whose root disk is a QEMU filename, e.g. {@code rbd:vms/x:id=guestdata:conf=/path/ceph.conf}:
     * QEMU's rbd driver opens it with cephx, the key read from the keyring file the conf names (never on the
     * command line), as Nova's libvirt driver attaches an RBD disk.
     */
    GuestVm(GuestImage image, String disk, Path dir) {
        this.image = image;
        this.disk = disk;
        this.dir = dir;
    }

    /** SMBIOS type 1 (system) entries, as in the {@code <sysinfo>} of guestdata's libvirt XML. */
    GuestVm smbios(Map<String, String> entries) {
        smbios.putAll(entries);
        return this;
    }

    /** An ISO image on the first IDE channel as a CD-ROM (Nova's {@code hda}/{@code ide} for the pc machine type). */
    GuestVm cdrom(Path iso) {
        return cdrom(iso.toString());
    }

    /** A CD-ROM from a QEMU filename (a path or an {@code rbd:} image). */
    GuestVm cdrom(String file) {
        devices.addAll(List.of("-drive", "file=" + qemuEscape(file) + ",media=cdrom,if=ide,index=0,readonly=on,format=raw"));
        return this;
    }

    /** A second virtio disk, read-only ({@code vdb}, as Nova attaches a VFAT config drive). */
    GuestVm virtioDisk(Path image) {
        devices.addAll(List.of("-drive", "file=" + qemuEscape(image.toString()) + ",if=virtio,format=raw,readonly=on"));
        return this;
    }

    /**
     * QEMU's user-mode network (10.0.2.0/24, gateway 10.0.2.2, DNS 10.0.2.3, DHCP from 10.0.2.15), restricted:
     * the guest reaches nothing outside the VM, so nothing can reach it but the drive under test.
     */
    GuestVm userNetwork(String mac) {
        this.netdev = "user,id=net0,restrict=on";
        this.mac = mac;
        return this;
    }

    /** A tap device that exists already (in the network namespace the VM runs in). */
    GuestVm tapNetwork(String tap, String mac) {
        this.netdev = "tap,id=net0,ifname=" + tap + ",script=no,downscript=no";
        this.mac = mac;
        return this;
    }

    /** Runs QEMU under a prefix command, e.g. {@code ip netns exec NS}. */
    GuestVm prefix(List<String> prefix) {
        this.prefix = List.copyOf(prefix);
        return this;
    }

    /** The root filesystem's device ({@code root=}); {@code /dev/vda} (the bare filesystem) unless set. */
    GuestVm root(String device) {
        this.root = device;
        return this;
    }

    GuestVm kernelArg(String arg) {
        kernelArgs.add(arg);
        return this;
    }

    Path console() {
        return dir.resolve("console.log");
    }

    List<String> argv() {
        List<String> argv = new ArrayList<>(prefix);
        argv.addAll(List.of("qemu-system-x86_64", "-machine", "pc,accel=tcg", "-cpu", "max", "-smp", "1", "-m", "1024",
                "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
                "-chardev", "file,id=console,path=" + qemuEscape(console().toString()), "-serial", "chardev:console",
                "-kernel", image.kernel().toString(), "-initrd", image.initrd().toString(),
                "-append", String.join(" ", cmdline()),
                "-drive", "file=" + qemuEscape(disk) + ",if=virtio,format=raw,cache=unsafe",
                "-device", "virtio-rng-pci"));
        if (!smbios.isEmpty()) {
            StringBuilder s = new StringBuilder("type=1");
            smbios.forEach((k, v) -> s.append(',').append(k).append('=').append(qemuEscape(v)));
            argv.addAll(List.of("-smbios", s.toString()));
            String uuid = smbios.get("uuid");
            if (uuid != null) {
                argv.addAll(List.of("-uuid", uuid));
            }
        }
        if (netdev != null) {
            argv.addAll(List.of("-netdev", netdev, "-device", "virtio-net-pci,netdev=net0,mac=" + mac));
        }
        argv.addAll(devices);
        return argv;
    }

    private List<String> cmdline() {
        // no_timer_check: under TCG on a loaded host the kernel's check that the timer interrupt arrives through the
        // IO-APIC can time out and panic ("IO-APIC + timer doesn't work!"; seen here with two boots and other builds
        // at load 15); virtualised guests skip it (Fedora's and RHEL's cloud images boot with it)
        List<String> c = new ArrayList<>(List.of("root=" + root, "rw", "console=ttyS0,115200", "panic=-1", "no_timer_check"));
        c.addAll(kernelArgs);
        return c;
    }

    /** Boots and waits for the guest to power off; the elapsed time, or an AssertionError with the console tail. */
    Duration boot(Duration timeout) {
        List<String> argv = argv();
        try {
            Files.writeString(dir.resolve("qemu-command.txt"), String.join(" ", argv) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long start = System.nanoTime();
        Process qemu;
        try {
            qemu = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(dir.resolve("qemu.log").toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start qemu-system-x86_64", e);
        }
        try {
            if (!qemu.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                qemu.descendants().forEach(ProcessHandle::destroyForcibly);
                qemu.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                throw new AssertionError("the guest did not power off within " + timeout.toSeconds()
                        + " s (GUESTDATA_E2E_BOOT_TIMEOUT); it was killed.\n--- console (last 60 lines) " + console()
                        + "\n" + consoleTail(60));
            }
        } catch (InterruptedException e) {
            qemu.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        if (qemu.exitValue() != 0) {
            throw new AssertionError("qemu exited with " + qemu.exitValue() + ":\n" + fileTail(dir.resolve("qemu.log"), 30)
                    + "\n--- console (last 60 lines)\n" + consoleTail(60));
        }
        return took;
    }

    String consoleTail(int lines) {
        return fileTail(console(), lines);
    }

    private static String fileTail(Path file, int lines) {
        try {
            // the console holds terminal control sequences and CRs: drop them for the report
            String text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8)
                    .replaceAll("\u001B\\[[0-9;?]*[A-Za-z]", "").replace("\r", "");
            return Command.tail(text, lines);
        } catch (IOException e) {
            return "(no " + file.getFileName() + ": " + e.getMessage() + ")";
        }
    }

    /** QEMU's option syntax: a comma inside a value is written twice. */
    private static String qemuEscape(String value) {
        return value.replace(",", ",,");
    }
}
