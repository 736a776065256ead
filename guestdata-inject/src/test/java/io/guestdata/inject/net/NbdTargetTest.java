package io.guestdata.inject.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.testkit.ToolTest;
import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.guestdata.inject.DiskTargetKind;
import io.guestdata.inject.DiskTargetSyntaxException;

/** {@link NbdTarget}: QEMU 7.2's nbd_parse_uri rules, the --blockdev JSON, and what is refused and why. */
@ToolTest
class NbdTargetTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "nbd://127.0.0.1:10810/disk0           | {\"driver\":\"nbd\",\"server\":{\"type\":\"inet\",\"host\":\"127.0.0.1\",\"port\":\"10810\"},\"export\":\"disk0\"}",
        "nbd://nbd.example/disk0               | {\"driver\":\"nbd\",\"server\":{\"type\":\"inet\",\"host\":\"nbd.example\",\"port\":\"10809\"},\"export\":\"disk0\"}",
        "nbd+tcp://[::1]:5000/a%20b%2Fc        | {\"driver\":\"nbd\",\"server\":{\"type\":\"inet\",\"host\":\"::1\",\"port\":\"5000\"},\"export\":\"a b/c\"}",
        "nbd://host                            | {\"driver\":\"nbd\",\"server\":{\"type\":\"inet\",\"host\":\"host\",\"port\":\"10809\"}}",
        "nbd://host/                           | {\"driver\":\"nbd\",\"server\":{\"type\":\"inet\",\"host\":\"host\",\"port\":\"10809\"}}",
        "nbd://host/a/b                        | {\"driver\":\"nbd\",\"server\":{\"type\":\"inet\",\"host\":\"host\",\"port\":\"10809\"},\"export\":\"a/b\"}",
        "nbd+unix:///disk0?socket=/run/n.sock  | {\"driver\":\"nbd\",\"server\":{\"type\":\"unix\",\"path\":\"/run/n.sock\"},\"export\":\"disk0\"}",
        "nbd+unix://?socket=/run/n%20x.sock    | {\"driver\":\"nbd\",\"server\":{\"type\":\"unix\",\"path\":\"/run/n x.sock\"}}",
    })
    void qemusFormsBecomeItsBlockdev(String uri, String json) {
        assertEquals(DiskTargetKind.NBD, DiskTargetKind.of(uri));
        NbdTarget t = NbdTarget.parse(uri);
        assertEquals(json, t.toBlockdevJson(Optional.empty()).toString());
        // the canonical form parses to the same target
        assertEquals(t, NbdTarget.parse(t.uri()));
    }

    @Test
    void theCanonicalFormNamesThePortAndNoDoubleSlashInItsName() {
        NbdTarget t = NbdTarget.parse("nbd://127.0.0.1/disk0");
        assertEquals("nbd://127.0.0.1:10809/disk0", t.uri());
        assertEquals(Path.of("nbd:127.0.0.1:10809/disk0"), t.name());
        assertEquals("nbd:127.0.0.1:10809/disk0", t.name().toString());
        assertEquals("nbd+unix:///d?socket=/run/x.sock", NbdTarget.parse("nbd+unix:///d?socket=/run/x.sock").uri());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "NBD://host/x                     | the scheme 'NBD' is not one of nbd, nbd+tcp, nbd+unix (in lowercase)",
        "nbd:///x                         | the host is missing",
        "nbd://user@host/x                | a user ('...@' before the host) is not part of an NBD URI",
        "nbd://host/x#frag                | a '#fragment' is not part of an NBD URI",
        "nbd://host/x?socket=/s           | a TCP NBD URI takes no query ('?socket=/s')",
        "nbd://host:0/x                   | the port '0' is not a number from 1 to 65535",
        "nbd://host:65536/x               | the port '65536' is not a number from 1 to 65535",
        "nbd://host:/x                    | the port '' is not a number from 1 to 65535",
        "nbd://ho st/x                    | 'ho st' is not a host name or an IP address",
        "nbd://[::1/x                     | '[' opens an IPv6 address that no ']' closes",
        "nbd://host/%zz                   | '%' must start an escape of two hex digits",
        "nbd://host/%ff                   | the %XX escapes are not UTF-8",
        "nbd://host/a%0Ab                 | the export name holds a control character",
        "nbd+unix:///x                    | the socket is missing",
        "nbd+unix://host/x?socket=/s      | no host or port goes before the export ('host')",
        "nbd+unix:///x?path=/s            | the query parameter 'path' is not 'socket'",
        "nbd+unix:///x?socket=/s&a=b      | the query takes one parameter, socket=PATH",
        "nbd+unix:///x?socket=run/s       | socket 'run/s' must be an absolute path",
        "nbd+unix:///x?socket=            | socket '' must be an absolute path",
    })
    void malformedUrisAreRefusedNamingThePart(String uri, String message) {
        DiskTargetSyntaxException e = assertThrows(DiskTargetSyntaxException.class, () -> NbdTarget.parse(uri));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void anExportNameOfMoreThan4096BytesIsRefused() {
        NbdTarget.parse("nbd://h/" + "a".repeat(4096));
        DiskTargetSyntaxException e = assertThrows(DiskTargetSyntaxException.class,
                () -> NbdTarget.parse("nbd://h/" + "a".repeat(4097)));
        assertEquals("nbd: the export name has 4097 bytes; NBD allows 4096", e.getMessage());
    }

    @Test
    void anNbdDiskTakesNoPassword() {
        DiskTargetSyntaxException e = assertThrows(DiskTargetSyntaxException.class,
                () -> NbdTarget.parse("nbd://h/x").toBlockdevJson(Optional.of("chap0")));
        assertTrue(e.getMessage().startsWith("nbd: an NBD export takes no password"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "/var/lib/images/disk.img | IMAGE_FILE", "disk.img | IMAGE_FILE", "/dev/loop3 | IMAGE_FILE",
        "rbd:vms/disk0 | RBD", "nbd://h/x | NBD", "nbd+unix:///x?socket=/s | NBD", "iscsi://h/iqn.x/0 | ISCSI",
        "iser://h/iqn.x/0 | ISCSI", "weird:name.img | IMAGE_FILE"})
    void theKindOfATargetIsDecidedInOnePlace(String target, DiskTargetKind kind) {
        assertEquals(kind, DiskTargetKind.of(target));
    }

    @Test
    void aUriOfAnotherProtocolIsRefusedNotLookedForAsAFile() {
        DiskTargetSyntaxException e = assertThrows(DiskTargetSyntaxException.class,
                () -> DiskTargetKind.of("http://example/disk.img"));
        assertTrue(e.getMessage().startsWith("image: 'http://' is not a disk guestdata opens"), e.getMessage());
    }
}
