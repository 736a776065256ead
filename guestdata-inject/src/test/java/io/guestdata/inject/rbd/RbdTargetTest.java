package io.guestdata.inject.rbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link RbdTarget#parse}, its refusals and {@link RbdTarget#toBlockdevJson}, without a cluster. */
class RbdTargetTest {

    @Test
    void poolImageAndOptions() {
        RbdTarget t = RbdTarget.parse("rbd:vms/disk:id=nova:conf=/etc/ceph/ceph.conf:keyring=/etc/ceph/k"
                + ":mon_host=10.0.0.1\\:6789\\;10.0.0.2\\:6789:rbd_cache=false");
        assertEquals(new RbdTarget("vms", "", "disk", Optional.of("nova"),
                Optional.of(Path.of("/etc/ceph/ceph.conf")), Optional.of(Path.of("/etc/ceph/k")),
                Optional.of("10.0.0.1:6789;10.0.0.2:6789"), Map.of("rbd_cache", "false")), t);
    }

    @ParameterizedTest
    @CsvSource({"rbd:vms/d:id=u", "rbd:vms/d:conf=/c", "rbd:vms/d:keyring=/k", "rbd:vms/d:mon_host=h\\:1",
            "rbd:vms/d:rbd_cache=false"})
    void everyOptionCountsAsAnOption(String target) {
        assertTrue(RbdTarget.parse(target).hasOptions(), target);
    }

    @Test
    void withClientKeepsTheImageAndReplacesEveryOption() {
        RbdTarget t = RbdTarget.parse("rbd:vms/ns/d\\:1");
        assertFalse(t.hasOptions());
        RbdTarget client = RbdTarget.parse("rbd:vms/ns/d\\:1:id=x:mon_host=h\\:1:rbd_cache=false")
                .withClient(Optional.of("guestdata"), Path.of("/etc/ceph/ceph.conf"), Optional.empty());
        assertEquals(new RbdTarget("vms", "ns", "d:1", Optional.of("guestdata"), Optional.of(Path.of("/etc/ceph/ceph.conf")),
                Optional.empty(), Optional.empty(), Map.of()), client);
        assertEquals(t.withClient(Optional.of("guestdata"), Path.of("/etc/ceph/ceph.conf"), Optional.empty()), client);
    }

    @ParameterizedTest
    @CsvSource({"vms, vms, ''", "vms/tenant-a, vms, tenant-a"})
    void poolSpecs(String spec, String pool, String namespace) {
        assertEquals(new RbdPoolSpec(pool, namespace), RbdPoolSpec.parse(spec));
        assertEquals(spec, RbdPoolSpec.parse(spec).toString());
    }

    @ParameterizedTest
    @CsvSource({"''", "vms/", "/ns", "vms/ns/x", "vms@snap", "vms:id=x", "' vms'", "vm\\s"})
    void malformedPoolSpecsAreRefused(String spec) {
        RbdSyntaxException e = assertThrows(RbdSyntaxException.class, () -> RbdPoolSpec.parse(spec));
        assertTrue(e.getMessage().contains("expected POOL or POOL/NAMESPACE"), e.getMessage());
    }

    @Test
    void aPoolSpecWithoutNamespaceHoldsTheWholePool() {
        RbdTarget inNamespace = RbdTarget.parse("rbd:vms/tenant-a/d");
        RbdTarget inPool = RbdTarget.parse("rbd:vms/d");
        assertTrue(RbdPoolSpec.parse("vms").holds(inNamespace));
        assertTrue(RbdPoolSpec.parse("vms").holds(inPool));
        assertTrue(RbdPoolSpec.parse("vms/tenant-a").holds(inNamespace));
        assertFalse(RbdPoolSpec.parse("vms/tenant-a").holds(inPool));
        assertFalse(RbdPoolSpec.parse("vms/tenant-b").holds(inNamespace));
        assertFalse(RbdPoolSpec.parse("vms2").holds(inPool));
    }

    @Test
    void namespaceIsTheMiddlePartAndEscapesKeepDelimitersInNames() {
        RbdTarget t = RbdTarget.parse("rbd:vms/tenant-a/disk\\:1\\\\x");
        assertEquals("vms", t.pool());
        assertEquals("tenant-a", t.namespace());
        assertEquals("disk:1\\x", t.image());
        assertEquals("rbd:vms/tenant-a/disk\\:1\\\\x", t.toString());
    }

    @Test
    void canonicalFormOrdersOptions() {
        RbdTarget t = RbdTarget.parse("rbd:vms/d:z_opt=1:conf=/c:a_opt=2:id=u");
        assertEquals("rbd:vms/d:id=u:conf=/c:a_opt=2:z_opt=1", t.toString());
    }

    @Test
    void settingsKeepTheOrderGivenAndAreEqualWhateverTheOrder() {
        RbdTarget t = RbdTarget.parse("rbd:vms/d:z_opt=1:m_opt=3:a_opt=2");
        assertEquals(List.of("z_opt", "m_opt", "a_opt"), List.copyOf(t.settings().keySet()));
        assertEquals(RbdTarget.parse("rbd:vms/d:a_opt=2:z_opt=1:m_opt=3"), t);
        assertThrows(UnsupportedOperationException.class, () -> t.settings().put("b_opt", "4"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            vms/disk                         | starts with 'rbd:'
            rbd:                             | the pool is required
            rbd:disk:id=u                    | the pool is required
            rbd:/disk                        | the pool name is empty
            rbd:vms/                         | the image name is empty
            rbd:vms//disk                    | the namespace name is empty
            rbd:vms/ns/                      | the image name is empty
            rbd:vms/disk@snap                | snapshots are read-only; name the image itself
            rbd:vms/disk:conf=/a@b           | an unescaped '@' makes QEMU read a snapshot
            rbd:vms/ns/a\\/b                 | image name 'a/b' holds '/'
            rbd:vms\\/x/disk                 | pool name 'vms/x' holds '/'
            rbd:v@s/disk                     | pool name 'v@s' holds '@'
            rbd:vms/d\\@x                    | image name 'd@x' holds '@'
            rbd:vms/disk\\x                  | image: unknown escape '\\x'
            rbd:vms/disk\\                   | image: a trailing backslash escapes nothing
            rbd:vms/disk:                    | an empty option
            rbd:vms/disk:id                  | option 'id' has no value
            rbd:vms/disk:=x                  | an option has an empty name
            rbd:vms/disk:id=                 | option 'id' has an empty value
            rbd:vms/disk:id=a:id=b           | option 'id' is given twice
            rbd:vms/disk:conf=/a:conf=/b     | option 'conf' is given twice
            rbd:vms/disk:mon_host=a:mon_host=b | option 'mon_host' is given twice
            rbd:vms/disk:mon-host=a          | option 'mon-host': a Ceph setting is named with lowercase letters, digits and '_' (librados refuses mon-host; write mon_host)
            rbd:vms/disk:Log_File=/x         | option 'Log_File': a Ceph setting
            rbd:vms/disk:conf=ceph.conf      | option 'conf' must be an absolute path, got 'ceph.conf'
            rbd:vms/disk:keyring=k           | option 'keyring' must be an absolute path
            rbd:vms/disk:keyfile=./k         | option 'keyfile' must be an absolute path
            rbd:vms/disk:id=client.nova      | expected id=nova, got id=client.nova
            """)
    void refusedNamingThePart(String target, String expected) {
        assertRefused(expected, () -> RbdTarget.parse(target));
    }

    @ParameterizedTest
    @CsvSource({"key", "password-secret", "password_secret", "key-secret"})
    void secretsOnTheCommandLineAreRefusedWithoutRepeatingThem(String option) {
        String message = assertRefused("option '" + option + "' would put a secret on the command line",
                () -> RbdTarget.parse("rbd:vms/disk:id=u:" + option + "=AQBsEcRETkey==:conf=/c"));
        assertTrue(message.contains("keyring file"), message);
        assertFalse(message.contains("AQBsEcRETkey"), message);
    }

    @Test
    void blockdevJsonHasQapiFields() {
        RbdTarget t = RbdTarget.parse("rbd:vms/ns/disk:id=nova:conf=/etc/ceph/ceph.conf"
                + ":mon_host=10.0.0.1\\:6789\\;[fd00\\:\\:1]\\:3300:auth_supported=cephx");
        assertEquals("{\"driver\":\"rbd\",\"pool\":\"vms\",\"namespace\":\"ns\","
                + "\"image\":\"disk\",\"user\":\"nova\",\"conf\":\"/etc/ceph/ceph.conf\",\"server\":["
                + "{\"host\":\"10.0.0.1\",\"port\":\"6789\"},{\"host\":\"fd00::1\",\"port\":\"3300\"}],"
                + "\"auth-client-required\":[\"cephx\"]}", t.toBlockdevJson().toString());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            rbd:vms/d:keyring=/k                      | no field for keyring: set it in the conf file
            rbd:vms/d:rbd_cache=false:client_mount_timeout=5 | no field for client_mount_timeout, rbd_cache
            rbd:vms/d:mon_host=10.0.0.1               | mon_host '10.0.0.1': --blockdev's server takes HOST:PORT
            rbd:vms/d:mon_host=v2\\:10.0.0.1\\:3300    | mon_host 'v2:10.0.0.1:3300'
            rbd:vms/d:auth_supported=kerberos         | auth mode 'kerberos': expected cephx or none
            """)
    void blockdevJsonRefusesWhatQapiCannotSay(String target, String expected) {
        RbdTarget t = RbdTarget.parse(target);
        assertRefused(expected, t::toBlockdevJson);
    }

    /** Asserts {@code call} throws an {@link RbdSyntaxException} whose message holds {@code expected}. */
    static String assertRefused(String expected, org.junit.jupiter.api.function.Executable call) {
        String message = assertThrows(RbdSyntaxException.class, call).getMessage();
        assertTrue(message.contains(expected), () -> "expected '" + expected + "' in: " + message);
        return message;
    }
}
