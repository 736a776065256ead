package io.guestdata.inject.guestfs;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The distribution's binding is found and loaded without any JVM flag or classpath entry (no appliance launch). */
@Tag("guestfs")
class GuestfsBindingTest {

    @Test
    void foundWhereTheDistributionPutsItAndLoadedOnce() throws Exception {
        GuestfsBinding binding = GuestfsBinding.system();
        assertTrue(binding.jar().getFileName().toString().matches("libguestfs(-[0-9.]+)?\\.jar"), binding.toString());
        assertTrue(binding.jni().getFileName().toString().startsWith("libguestfs_jni.so"), binding.toString());
        assertSame(binding, GuestfsBinding.system());
        // guestfs_create and guestfs_close: no appliance is started.
        GuestfsHandle handle = binding.newHandle();
        handle.setBackendSettings(java.util.List.of("force_tcg"));
        handle.close();
        // Not on the class path: the binding lives in its own class loader.
        assertThrows(ClassNotFoundException.class,
                () -> Class.forName(GuestfsBinding.GUESTFS_CLASS, false, GuestfsBindingTest.class.getClassLoader()));
    }
}
