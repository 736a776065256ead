package io.guestdata.inject.fs;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GuestPathTest {

    @ParameterizedTest
    @CsvSource({
            "/, /",
            "//, /",
            "/etc/passwd, /etc/passwd",
            "//etc///passwd/, /etc/passwd",
            "/./etc/./passwd, /etc/passwd",
            "/.., /",
            "/../../etc/shadow, /etc/shadow",
            "/root/.ssh/../../etc, /etc",
            "/a/b/../../../c, /c",
            "/..., /...",
            "/.hidden/..x, /.hidden/..x"})
    void normalises_lexically_and_never_above_the_root(String in, String out) {
        assertEquals(out, GuestPath.of(in).toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "etc/passwd", "./etc", "../etc", " /etc", "/etc\0/passwd"})
    void rejects_empty_relative_and_nul(String in) {
        var e = assertThrows(IllegalArgumentException.class, () -> GuestPath.of(in));
        assertTrue(e.getMessage().startsWith("guest path"), e.getMessage());
    }

    @Test
    void rejects_names_and_paths_beyond_linux_limits() {
        GuestPath.of("/" + "n".repeat(255));
        assertThrows(IllegalArgumentException.class, () -> GuestPath.of("/" + "n".repeat(256)));
        // 128 × 2 bytes in UTF-8 is 256 bytes.
        assertThrows(IllegalArgumentException.class, () -> GuestPath.of("/" + "é".repeat(128)));
        String deep = ("/" + "d".repeat(99)).repeat(40);
        assertEquals(4000, deep.length());
        GuestPath.of(deep);
        assertThrows(IllegalArgumentException.class, () -> GuestPath.of(deep + "/" + "x".repeat(99)));
    }

    @Test
    void record_components_are_validated_too() {
        assertThrows(IllegalArgumentException.class, () -> new GuestPath(List.of("..")));
        assertThrows(IllegalArgumentException.class, () -> new GuestPath(List.of("a/b")));
        assertThrows(IllegalArgumentException.class, () -> new GuestPath(List.of("")));
        assertThrows(IllegalArgumentException.class, () -> GuestPath.of("/etc").child("."));
    }

    @Test
    void parent_file_name_and_child() {
        GuestPath p = GuestPath.of("/root/.ssh/authorized_keys");
        assertEquals("authorized_keys", p.fileName());
        assertEquals("/root/.ssh", p.parent().toString());
        assertEquals(GuestPath.ROOT, GuestPath.of("/x").parent());
        assertEquals(GuestPath.ROOT, GuestPath.ROOT.parent());
        assertEquals(p, GuestPath.of("/root/.ssh").child("authorized_keys"));
        assertTrue(GuestPath.of("/").isRoot());
        assertThrows(IllegalStateException.class, GuestPath.ROOT::fileName);
    }
}
