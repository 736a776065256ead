package io.guestdata.core.document;

import static io.guestdata.core.document.Fixtures.ECDSA256;
import static io.guestdata.core.document.Fixtures.ED25519;
import static io.guestdata.core.document.Fixtures.accept;
import static io.guestdata.core.document.Fixtures.chars;
import static io.guestdata.core.document.Fixtures.minimal;
import static io.guestdata.core.document.Fixtures.reject;
import static io.guestdata.core.document.Fixtures.rejectOnly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.core.Instance;
import io.guestdata.core.KeyPair;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** key_name and public_keys in a document. */
class PublicKeyRulesTest {

    private static ObjectNode withKeyName(String name) {
        ObjectNode doc = minimal();
        doc.put("key_name", name);
        return doc;
    }

    private static ObjectNode withInline(String name, String key) {
        ObjectNode doc = minimal();
        doc.putObject("public_keys").put(name, key);
        return doc;
    }

    private static InstanceDocumentParser resolving(String name) {
        return new InstanceDocumentParser(Limits.nova(),
                KeyPairResolver.of(new KeyPair(name, "ssh", ED25519, Fixtures.ED25519_MD5)));
    }

    @Test
    void anUnknownKeyNameGivesNovasMessage() {
        DocumentError error = rejectOnly(withKeyName("ghost"), "/key_name", "key_name.unknown");
        assertEquals("Invalid key_name provided.", error.message());
        rejectOnly(new InstanceDocumentParser(Limits.nova(), KeyPairResolver.none()), withKeyName("mykey"),
                "/key_name", "key_name.unknown");
    }

    @Test
    void aKnownKeyNameIsDeliveredWithItsStoredKey() {
        assertEquals(List.of(Fixtures.MYKEY), accept(withKeyName("mykey")).keys());
        assertEquals(Optional.of("mykey"), accept(withKeyName("mykey")).keyName());
    }

    @Test
    void keyNamesAreOneTo255Characters() {
        String at = chars('k', 255);
        accept(resolving(at), withKeyName(at));
        accept(resolving("k"), withKeyName("k"));
        DocumentError over = rejectOnly(resolving(at), withKeyName(at + "k"), "/key_name", "key_name.length");
        assertEquals(Optional.of("255 characters"), over.limit());
        rejectOnly(withKeyName(""), "/key_name", "key_name.length");
    }

    @ParameterizedTest
    @ValueSource(strings = {"alice@example.com", "my key", "a_b-c.d", "X9"})
    void keyNamesMayUseThe292Charset(String name) {
        accept(resolving(name), withKeyName(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a/b", "ключ", "a+b", "a:b", "a,b"})
    void otherCharactersAreRefused(String name) {
        DocumentError error = rejectOnly(withKeyName(name), "/key_name", "key_name.charset");
        assertTrue(error.message().contains("Only expected characters: [@._- 0123456789"), error.message());
    }

    @Test
    void keyNamesFollowTheNameRuleToo() {
        rejectOnly(withKeyName(" a"), "/key_name", "key_name.whitespace");
        rejectOnly(withKeyName("a\tb"), "/key_name", "key_name.printable");
    }

    @Test
    void everyKeyIsDeliveredUnlessOnlyTheKeyNamePairIsAsked() {
        ObjectNode doc = withKeyName("mykey");
        doc.putObject("public_keys").put("alice", ED25519).put("bob", ECDSA256);
        List<String> all = accept(doc).keys().stream().map(KeyPair::name).toList();
        assertEquals(List.of("mykey", "alice", "bob"), all);
        doc.put("key_delivery", "all");
        assertEquals(all, accept(doc).keys().stream().map(KeyPair::name).toList());
        doc.put("key_delivery", "key_name");
        assertEquals(List.of(Fixtures.MYKEY), accept(doc).keys());
        // the named pair may be one of the inline keys; the others are still checked, and not delivered
        ObjectNode inline = withKeyName("bob");
        inline.put("key_delivery", "key_name");
        inline.putObject("public_keys").put("alice", ED25519).put("bob", ECDSA256);
        assertEquals(List.of("bob"), accept(inline).keys().stream().map(KeyPair::name).toList());
        ((ObjectNode) inline.get("public_keys")).put("alice", "ssh-ed25519 AAAA-not-a-key");
        rejectOnly(inline, "/public_keys/alice", "public_keys.key.invalid");
    }

    @Test
    void keyDeliveryIsAllOrKeyNameAndKeyNameNeedsAKeyName() {
        ObjectNode doc = withInline("alice", ED25519);
        doc.put("key_delivery", "key_name");
        DocumentError missing = rejectOnly(doc, "/key_delivery", "key_delivery.key_name");
        assertTrue(missing.message().contains("there is no key_name"), missing.message());
        doc.put("key_delivery", "first");
        DocumentError value = rejectOnly(doc, "/key_delivery", "key_delivery.value");
        assertTrue(value.message().contains("'all'") && value.message().contains("'key_name'")
                && value.message().contains("'first'"), value.message());
        doc.put("key_delivery", 1);
        rejectOnly(doc, "/key_delivery", "key_delivery.type");
        // a key_name that is itself wrong is reported once, as a key_name error
        ObjectNode badName = withKeyName("a/b");
        badName.put("key_delivery", "key_name");
        rejectOnly(badName, "/key_name", "key_name.charset");
    }

    @Test
    void inlineKeysAreParsed() {
        List<KeyPair> keys = accept(withInline("alice", ED25519)).keys();
        assertEquals("alice", keys.getFirst().name());
        assertEquals(Fixtures.ED25519_MD5, keys.getFirst().fingerprint());
    }

    @Test
    void inlineKeyNamesFollowTheKeyPairNameRules() {
        rejectOnly(withInline("a/b", ED25519), "/public_keys/a~1b", "public_keys.name.charset");
        rejectOnly(withInline(chars('k', 256), ED25519), "/public_keys/" + chars('k', 256), "public_keys.name.length");
        accept(withInline(chars('k', 255), ED25519));
        rejectOnly(withInline("", ED25519), "/public_keys/", "public_keys.name.length");
        rejectOnly(withInline("a ", ED25519), "/public_keys/a ", "public_keys.name.whitespace");
    }

    @Test
    void invalidInlineKeysAreRefusedWithTheReason() {
        DocumentError error = rejectOnly(withInline("k", "ssh-rsa AAAA"), "/public_keys/k", "public_keys.key.invalid");
        assertTrue(error.message().startsWith("Keypair data is invalid: "), error.message());
        rejectOnly(withInline("k", "not a key"), "/public_keys/k", "public_keys.key.invalid");
        rejectOnly(withInline("k", ""), "/public_keys/k", "public_keys.key.invalid");
    }

    @Test
    void aStoredKeyPairAndADifferentInlineKeyOfTheSameNameConflict() {
        ObjectNode doc = withInline("mykey", ED25519);   // the store's "mykey" is ECDSA256
        doc.put("key_name", "mykey");
        rejectOnly(doc, "/public_keys/mykey", "public_keys.name.duplicate");
    }

    @Test
    void theSameKeyInTheStoreAndInlineIsDeliveredOnce() {
        ObjectNode doc = withInline("mykey", ECDSA256);
        doc.put("key_name", "mykey");
        doc.withObject("/public_keys").put("other", ED25519);
        assertEquals(List.of("mykey", "other"), accept(doc).keys().stream().map(KeyPair::name).toList());
    }

    @Test
    void keyNameResolvesToAnInlineKeyWhenNoStoreHasIt() {
        ObjectNode doc = withInline("first", ECDSA256);
        doc.withObject("/public_keys").put("inline", ED25519);
        doc.put("key_name", "inline");
        Instance instance = accept(new InstanceDocumentParser(Limits.nova(), KeyPairResolver.none()), doc);
        assertEquals(List.of("inline", "first"), instance.keys().stream().map(KeyPair::name).toList(),
                "the key pair key_name names goes first");
        assertEquals(Optional.of("inline"), instance.keyName());
    }

    @Test
    void everyBadInlineKeyIsReported() {
        ObjectNode doc = minimal();
        doc.putObject("public_keys").put("a", "x").put("b", ECDSA256).put("c", "ssh-ed25519 AAAA").put("d/", ED25519);
        assertEquals(List.of("/public_keys/a", "/public_keys/c", "/public_keys/d~1"),
                reject(doc).stream().map(DocumentError::pointer).toList());
    }
}
