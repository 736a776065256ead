package io.guestdata.inject.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.testkit.ToolTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.guestdata.inject.DiskTargetSyntaxException;

/**
 * {@link IscsiTarget}: libiscsi 1.19's iscsi_parse_full_url as QEMU 7.2 uses it, the --blockdev JSON, a password in
 * the URI refused without being repeated, and {@link ChapPassword}.
 */
@ToolTest
class IscsiTargetTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "iscsi://127.0.0.1:3261/iqn.2026-12.io.example:disk/1 | {\"driver\":\"iscsi\",\"transport\":\"tcp\",\"portal\":\"127.0.0.1:3261\",\"target\":\"iqn.2026-12.io.example:disk\",\"lun\":1}",
        "iscsi://san.example/iqn.2026-12.io.example:disk/0    | {\"driver\":\"iscsi\",\"transport\":\"tcp\",\"portal\":\"san.example:3260\",\"target\":\"iqn.2026-12.io.example:disk\",\"lun\":0}",
        "iscsi://[fd00::5]/iqn.x%3Ay/16383                    | {\"driver\":\"iscsi\",\"transport\":\"tcp\",\"portal\":\"[fd00::5]:3260\",\"target\":\"iqn.x:y\",\"lun\":16383}",
        "iser://10.0.0.2:3260/naa.60014055/2                  | {\"driver\":\"iscsi\",\"transport\":\"iser\",\"portal\":\"10.0.0.2:3260\",\"target\":\"naa.60014055\",\"lun\":2}",
    })
    void qemusFormsBecomeItsBlockdev(String uri, String json) {
        IscsiTarget t = IscsiTarget.parse(uri);
        assertEquals(json, t.toBlockdevJson(Optional.empty()).toString());
        assertEquals(t, IscsiTarget.parse(t.uri()));
    }

    @Test
    void aUserTakesItsPasswordFromASecretObjectAndIsNotPartOfTheKey() {
        IscsiTarget t = IscsiTarget.parse("iscsi://alice@127.0.0.1/iqn.x:y/1");
        assertEquals("{\"driver\":\"iscsi\",\"transport\":\"tcp\",\"portal\":\"127.0.0.1:3260\",\"target\":\"iqn.x:y\","
                + "\"lun\":1,\"user\":\"alice\",\"password-secret\":\"chap0\"}", t.toBlockdevJson(Optional.of("chap0")).toString());
        assertEquals("iscsi://127.0.0.1:3260/iqn.x:y/1", t.uri());
        assertEquals("iscsi:127.0.0.1:3260/iqn.x:y/1", t.name().toString());
        DiskTargetSyntaxException none = assertThrows(DiskTargetSyntaxException.class,
                () -> t.toBlockdevJson(Optional.empty()));
        assertTrue(none.getMessage().contains("names the CHAP user 'alice' but no password is given"), none.getMessage());
        DiskTargetSyntaxException extra = assertThrows(DiskTargetSyntaxException.class,
                () -> IscsiTarget.parse("iscsi://h/iqn.x/1").toBlockdevJson(Optional.of("chap0")));
        assertTrue(extra.getMessage().contains("a CHAP password is given but the URI names no user"), extra.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"iscsi://alice%Pa55-word@h/iqn.x/1", "iscsi://alice:Pa55-word@h/iqn.x/1",
        "iscsi://alice%Pa55-word@more@h/iqn.x/1", "iscsi://alice%Pa55/word@h/iqn.x/1", "iscsi://alice:Pa55-word?@h/iqn.x/1"})
    void aPasswordInTheUriIsRefusedAndNeverRepeated(String uri) {
        DiskTargetSyntaxException e = assertThrows(DiskTargetSyntaxException.class, () -> IscsiTarget.parse(uri));
        assertFalse(e.getMessage().contains("Pa55"), e.getMessage());
    }

    @Test
    void thePasswordRefusalSaysWhereToPutIt() {
        DiskTargetSyntaxException e = assertThrows(DiskTargetSyntaxException.class,
                () -> IscsiTarget.parse("iscsi://alice%Pa55-word@h/iqn.x/1"));
        assertEquals("iscsi: the URI holds a CHAP password (after the user's '%'), a secret that would be on a command"
                + " line: write iscsi://USER@HOST/... and give the password in a file (--iscsi-password-file) or in the"
                + " environment (GUESTDATA_ISCSI_PASSWORD)", e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "ISCSI://h/iqn.x/1            | the scheme 'ISCSI' is not one of iscsi, iser (in lowercase)",
        "iscsi://h                    | the target name and the LUN are missing after the portal",
        "iscsi://h/iqn.x              | the LUN is missing after the target name",
        "iscsi://h//1                 | the target name is empty",
        "iscsi:///iqn.x/1             | the portal (HOST[:PORT]) is missing",
        "iscsi://h/iqn.x/-1           | the LUN '-1' is not a decimal number from 0 to 16383",
        "iscsi://h/iqn.x/+1           | the LUN '+1' is not a decimal number from 0 to 16383",
        "iscsi://h/iqn.x/16384        | the LUN '16384' is not a decimal number from 0 to 16383",
        "iscsi://h/iqn.x/1/2          | the LUN '1/2' is not a decimal number",
        "iscsi://h/iqn.x/              | the LUN '' is not a decimal number",
        "iscsi://h/iqn.x/1?header_digest=crc32c | QEMU passes none of the URI's '?' arguments",
        "iscsi://h/iqn.x/1#f          | a '#fragment' is not part of an iSCSI URI",
        "iscsi://h/iqn.a@b/1          | an '@' after the portal would make libiscsi read all before it as the user",
        "iscsi://h:99999/iqn.x/1      | the port '99999' is not a number from 1 to 65535",
        "iscsi://h/iqn%20x/1          | holds a space or a control character",
        "iscsi://@h/iqn.x/1           | the user before '@' is empty",
    })
    void malformedUrisAreRefusedNamingThePart(String uri, String message) {
        DiskTargetSyntaxException e = assertThrows(DiskTargetSyntaxException.class, () -> IscsiTarget.parse(uri));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void aTargetNameOfMoreThan223BytesIsRefused() {
        IscsiTarget.parse("iscsi://h/iqn." + "a".repeat(219) + "/0");
        DiskTargetSyntaxException e = assertThrows(DiskTargetSyntaxException.class,
                () -> IscsiTarget.parse("iscsi://h/iqn." + "a".repeat(220) + "/0"));
        assertEquals("iscsi: the target name has 224 bytes; an iSCSI name has at most 223 (RFC 3720)", e.getMessage());
    }

    @Test
    void aPasswordFileLosesOneFinalLineBreakAndNothingElse() throws Exception {
        Path f = Files.writeString(dir.resolve("pw"), "s3cret pass\r\n");
        ChapPassword p = ChapPassword.fromFile(f);
        assertEquals("s3cret pass", new String(p.bytes()));
        assertFalse(p.toString().contains("s3cret"));
        Files.writeString(f, "two\nlines\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ChapPassword.fromFile(f));
        assertEquals(f + ": the CHAP password holds a NUL or a line break (only one final line break is dropped)",
                e.getMessage());
        Files.writeString(f, "\n");
        assertEquals(f + ": the CHAP password is empty",
                assertThrows(IllegalArgumentException.class, () -> ChapPassword.fromFile(f)).getMessage());
        assertEquals(Optional.empty(), ChapPassword.fromEnvironment(Map.of()));
        assertEquals("x", new String(ChapPassword.fromEnvironment(Map.of(ChapPassword.ENVIRONMENT_VARIABLE, "x"))
                .orElseThrow().bytes()));
    }
}
