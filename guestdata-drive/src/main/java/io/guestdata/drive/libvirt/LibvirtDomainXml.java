package io.guestdata.drive.libvirt;

import io.guestdata.core.metadata.NovaRelease;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * The parts of a libvirt domain that attach a drive image to a guest as Nova's libvirt driver does (26 and 31 alike),
 * as one {@code <domain>} fragment to merge into a domain definition:
 *
 * <ul>
 *   <li>{@code <sysinfo type="smbios">} with the SMBIOS system entries of
 *       {@code LibvirtDriver._get_guest_config_sysinfo} (nova-compat.md §6): manufacturer
 *       {@value #MANUFACTURER}, product {@value #PRODUCT} (cloud-init's OpenStack platform check and
 *       ds-identify look for this name), version the Nova release's {@link NovaRelease#version()} ({@link Smbios}), serial and uuid the instance
 *       UUID ({@code sysinfo_serial=unique}, the default), family {@value #FAMILY}; and
 *       {@code <os><smbios mode="sysinfo"/></os>}, which makes the guest see them. Config drives only: a
 *       NoCloud guest is not an OpenStack guest.</li>
 *   <li>{@code <devices><disk>} as {@code imagebackend.Flat.libvirt_info} builds it for
 *       {@code disk.config}: {@code type="file"}, {@code device} {@code cdrom} for ISO 9660 and
 *       {@code disk} for VFAT ({@code blockinfo.get_config_drive_type}), driver {@code qemu}, format
 *       {@code raw}, the driver's cache mode ({@link DiskCache}), the image as {@code <source file>},
 *       and the target {@code blockinfo} picks: the bus {@code get_disk_bus_for_device_type} gives on
 *       x86_64 KVM ({@code ide} for a cdrom with the {@code pc} machine type, {@code sata} with
 *       {@code q35}, {@code virtio} for a disk) and the first free name on it with the root disk at
 *       {@code vda} ({@code hda}, {@code sda}, {@code vdb}).</li>
 *   <li>or, for a drive in Ceph ({@code [libvirt] images_type = rbd}), the network {@code <disk>} of
 *       {@code imagebackend.Rbd.libvirt_info}: {@code type="network"}, a driver with format {@code raw}
 *       and the cache mode but no name, {@code <source protocol="rbd" name="POOL/IMAGE">} with one
 *       {@code <host>} per monitor ({@code RBDDriver.get_mon_addrs}: {@code ceph mon dump}'s
 *       {@code addr}s), and {@code <auth username>} with {@code <secret type="ceph" uuid>} when a
 *       libvirt secret is named ({@code [libvirt] rbd_secret_uuid}); same device, bus and target.</li>
 * </ul>
 *
 * @param device      {@code cdrom} or {@code disk}
 * @param bus         target bus
 * @param targetDev   target device name
 * @param source      where the image is: a file, or an RBD image
 * @param cache       the driver cache mode
 * @param smbios      the SMBIOS system entries' instance and Nova release, or empty for no {@code <sysinfo>}
 */
public record LibvirtDomainXml(String device, String bus, String targetDev, Source source, String cache,
                        Optional<Smbios> smbios) {
    public static final String MANUFACTURER = "OpenStack Foundation";
    public static final String PRODUCT = "OpenStack Nova";
    public static final String FAMILY = "Virtual Machine";

    /** The machine types Nova's bus choice distinguishes (any name containing {@code q35} counts as q35). */
    public enum MachineType { pc, q35 }

    /**
     * What the SMBIOS system entries name: the instance ({@code serial}, {@code uuid}) and the Nova release whose
     * {@code version_string_with_package()} is the {@code version} (the release guests see, {@code --nova-release}).
     */
    public record Smbios(UUID uuid, NovaRelease release) {
        public Smbios {
            Objects.requireNonNull(uuid, "uuid");
            Objects.requireNonNull(release, "release");
        }
    }

    /** Where the drive's image is. */
    public sealed interface Source {
        /** {@code <disk type="file">}: the image path for {@code <source file>}. */
        record File(String path) implements Source {
            public File {
                Objects.requireNonNull(path, "path");
            }
        }

        /**
         * {@code <disk type="network">} with protocol rbd.
         *
         * @param name       {@code POOL/IMAGE} (or {@code POOL/NAMESPACE/IMAGE})
         * @param monitors   the monitors, in {@code ceph mon dump} order
         * @param username   the Ceph user (without {@code client.}) for {@code <auth>}
         * @param secretUuid the libvirt secret holding that user's key; without it there is no {@code <auth>}
         */
        record Rbd(String name, List<Monitor> monitors, Optional<String> username, Optional<UUID> secretUuid)
                implements Source {
            public Rbd {
                Objects.requireNonNull(name, "name");
                monitors = List.copyOf(monitors);
                Objects.requireNonNull(username, "username");
                Objects.requireNonNull(secretUuid, "secretUuid");
            }
        }

        /** One {@code <host name port>}: a monitor's address as {@code ceph mon dump} gives it, brackets stripped. */
        record Monitor(String host, String port) {
            public Monitor {
                Objects.requireNonNull(host, "host");
                Objects.requireNonNull(port, "port");
            }
        }
    }

    public LibvirtDomainXml {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(bus, "bus");
        Objects.requireNonNull(targetDev, "targetDev");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(cache, "cache");
        Objects.requireNonNull(smbios, "smbios");
    }

    /** A cdrom (ISO 9660) or disk (VFAT) as Nova's blockinfo places it, unless {@code targetDev} is given. */
    public static LibvirtDomainXml of(boolean cdrom, MachineType machine, String targetDev, String sourceFile, String cache,
                               Optional<Smbios> smbios) {
        return of(cdrom, machine, targetDev, new Source.File(sourceFile), cache, smbios);
    }

    /** The same for a drive anywhere {@link Source} can name. */
    public static LibvirtDomainXml of(boolean cdrom, MachineType machine, String targetDev, Source source, String cache,
                               Optional<Smbios> smbios) {
        String bus = !cdrom ? "virtio" : machine == MachineType.q35 ? "sata" : "ide";
        String dev = targetDev != null ? targetDev : switch (bus) {
            case "ide" -> "hda";
            case "sata" -> "sda";
            default -> "vdb";
        };
        return new LibvirtDomainXml(cdrom ? "cdrom" : "disk", bus, dev, source, cache, smbios);
    }

    /** The fragment, UTF-8 text with a final newline. */
    public String render() {
        StringBuilder x = new StringBuilder();
        x.append("<!-- guestdata: merge these elements into the libvirt domain of the instance; they attach the "
                + "drive").append(smbios.isPresent() ? " and set the SMBIOS system information" : "")
                .append(" as Nova's libvirt driver does -->\n");
        x.append("<domain>\n");
        smbios.ifPresent(system -> {
            String uuid = system.uuid().toString();
            x.append("  <sysinfo type=\"smbios\">\n");
            x.append("    <system>\n");
            entry(x, "manufacturer", MANUFACTURER);
            entry(x, "product", PRODUCT);
            entry(x, "version", system.release().version());
            entry(x, "serial", uuid);
            entry(x, "uuid", uuid);
            entry(x, "family", FAMILY);
            x.append("    </system>\n");
            x.append("  </sysinfo>\n");
            x.append("  <os>\n");
            x.append("    <smbios mode=\"sysinfo\"/>\n");
            x.append("  </os>\n");
        });
        x.append("  <devices>\n");
        switch (source) {
            case Source.File(String path) -> {
                x.append("    <disk type=\"file\" device=\"").append(escape(device)).append("\">\n");
                x.append("      <driver name=\"qemu\" type=\"raw\" cache=\"").append(escape(cache)).append("\"/>\n");
                x.append("      <source file=\"").append(escape(path)).append("\"/>\n");
            }
            case Source.Rbd rbd -> {
                x.append("    <disk type=\"network\" device=\"").append(escape(device)).append("\">\n");
                x.append("      <driver type=\"raw\" cache=\"").append(escape(cache)).append("\"/>\n");
                x.append("      <source protocol=\"rbd\" name=\"").append(escape(rbd.name())).append("\">\n");
                for (Source.Monitor m : rbd.monitors()) {
                    x.append("        <host name=\"").append(escape(m.host())).append("\" port=\"").append(escape(m.port()))
                            .append("\"/>\n");
                }
                x.append("      </source>\n");
                rbd.secretUuid().ifPresent(secret -> {
                    x.append("      <auth").append(rbd.username().map(u -> " username=\"" + escape(u) + "\"").orElse(""))
                            .append(">\n");
                    x.append("        <secret type=\"ceph\" uuid=\"").append(secret).append("\"/>\n");
                    x.append("      </auth>\n");
                });
            }
        }
        x.append("      <target dev=\"").append(escape(targetDev)).append("\" bus=\"").append(escape(bus)).append("\"/>\n");
        x.append("    </disk>\n");
        x.append("  </devices>\n");
        x.append("</domain>\n");
        return x.toString();
    }

    private static void entry(StringBuilder x, String name, String value) {
        x.append("      <entry name=\"").append(name).append("\">").append(escape(value)).append("</entry>\n");
    }

    /**
     * Text and attribute escaping (XML 1.0 §2.4, §3.3.3): the five markup characters, and tab, CR and LF as
     * character references so that attribute normalisation keeps them. Characters XML 1.0 cannot hold at
     * all (other C0 controls, unpaired surrogates, U+FFFE/U+FFFF) are refused by the caller's validation.
     */
    public static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&apos;");
                case '\t' -> out.append("&#9;");
                case '\n' -> out.append("&#10;");
                case '\r' -> out.append("&#13;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** Whether XML 1.0 can hold {@code s} (§2.2 Char), so {@link #escape} gives well-formed text. */
    public static boolean isXmlText(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' || Character.isSurrogate(c)
                    || c == '\uFFFE' || c == '\uFFFF') {
                return false;
            }
        }
        return true;
    }
}
