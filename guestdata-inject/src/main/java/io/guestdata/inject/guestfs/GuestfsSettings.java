package io.guestdata.inject.guestfs;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How libguestfs starts its appliance. Whatever is left empty stays as libguestfs decides it from
 * its environment ({@code LIBGUESTFS_BACKEND}, {@code LIBGUESTFS_BACKEND_SETTINGS},
 * {@code LIBGUESTFS_MEMSIZE}; see {@code guestfs(3)} ENVIRONMENT VARIABLES), so an operator can
 * configure it the way they configure guestfish.
 *
 * @param backend         {@code direct} (QEMU run by libguestfs) or {@code libvirt}; empty: libguestfs' choice
 * @param backendSettings e.g. {@code force_tcg} where KVM exists but does not work (nested
 *                        virtualisation); empty: libguestfs' (environment) settings
 * @param memsizeMiB      the appliance's memory; 0: libguestfs' default (1280 MiB in 1.48)
 */
public record GuestfsSettings(Optional<String> backend, List<String> backendSettings, int memsizeMiB) {

    /** Everything as libguestfs and its environment variables say. */
    public static final GuestfsSettings DEFAULT = new GuestfsSettings(Optional.empty(), List.of(), 0);

    /**
     * The {@code direct} backend with {@code force_tcg}: QEMU emulates the CPU (an appliance launch
     * takes ~15–20 s instead of ~3 s) but never touches {@code /dev/kvm}, which on a VM without
     * working nested KVM makes QEMU fail or hang.
     */
    public static final GuestfsSettings FORCE_TCG = new GuestfsSettings(Optional.of("direct"), List.of("force_tcg"), 0);

    /**
     * What libguestfs' own environment variables in {@code environment} say, applied explicitly:
     * {@code LIBGUESTFS_BACKEND}, {@code LIBGUESTFS_BACKEND_SETTINGS} (colon-separated) and
     * {@code LIBGUESTFS_MEMSIZE} (MiB; ignored unless a positive number, as libguestfs ignores it).
     * For the process's own environment this is what {@link #DEFAULT} gets from libguestfs; it
     * matters when a caller (the CLI run in-process) hands the command another environment.
     */
    public static GuestfsSettings fromEnvironment(Map<String, String> environment) {
        Optional<String> backend = Optional.ofNullable(environment.get("LIBGUESTFS_BACKEND")).filter(b -> !b.isBlank());
        List<String> settings = Optional.ofNullable(environment.get("LIBGUESTFS_BACKEND_SETTINGS"))
                .map(s -> Arrays.stream(s.split(":")).filter(v -> !v.isBlank()).toList()).orElse(List.of());
        int memsize = 0;
        String m = environment.get("LIBGUESTFS_MEMSIZE");
        if (m != null && m.strip().matches("[0-9]{1,9}")) {
            memsize = Integer.parseInt(m.strip());
        }
        return new GuestfsSettings(backend, settings, memsize);
    }

    public GuestfsSettings {
        Objects.requireNonNull(backend, "backend");
        backendSettings = List.copyOf(backendSettings);
        if (memsizeMiB < 0) {
            throw new IllegalArgumentException("memsizeMiB must not be negative: " + memsizeMiB);
        }
    }

    /** Applies what is set to an unlaunched handle. */
    void applyTo(GuestfsHandle handle) throws LibguestfsException {
        if (backend.isPresent()) {
            handle.setBackend(backend.get());
        }
        if (!backendSettings.isEmpty()) {
            handle.setBackendSettings(backendSettings);
        }
        if (memsizeMiB > 0) {
            handle.setMemsize(memsizeMiB);
        }
    }
}
