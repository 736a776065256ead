package io.guestdata.server.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ProxySignatureTest {
    private static final String ID = "b65cee2f-8c69-4aeb-be2f-f79742548fc2";

    @Test
    void novaTestVector() {
        ProxySignature s = new ProxySignature("s3cret");
        assertEquals("4c1befaa1cac178d08081090893c8eff849ab35a9717b58262875f3c9236e1f7", s.sign(ID));
        assertTrue(s.verify(ID, "4c1befaa1cac178d08081090893c8eff849ab35a9717b58262875f3c9236e1f7"));
    }

    @Test
    void comparisonIsCaseSensitiveAndExact() {
        ProxySignature s = new ProxySignature("s3cret");
        String good = s.sign(ID);
        assertFalse(s.verify(ID, good.toUpperCase()));
        assertFalse(s.verify(ID, good.substring(1)));
        assertFalse(s.verify(ID, good + "0"));
        assertFalse(s.verify(ID, ""));
        assertFalse(s.verify(ID, null));
        assertFalse(s.verify(ID + "x", good));
    }

    @Test
    void anEmptySecretIsStillAnHmacKey() {
        // Python: hmac.new(b'', ID.encode(), hashlib.sha256).hexdigest()
        ProxySignature s = new ProxySignature("");
        assertTrue(s.secretEmpty());
        assertEquals("988ce0432879b2da725247b4a4c1a9ea78966115a19bcd11de5389b1e37c0fed", s.sign(ID));
        assertTrue(s.verify(ID, "988ce0432879b2da725247b4a4c1a9ea78966115a19bcd11de5389b1e37c0fed"));
        assertFalse(s.verify(ID, new ProxySignature("x").sign(ID)));
    }

    @Test
    void utf8SecretAndId() {
        // Python: hmac.new('sécret'.encode(), 'é'.encode(), hashlib.sha256).hexdigest()
        assertEquals("c57d4b7c66d24adee1eab0ced2e04336bf22f06a8785827afc7e5f5f46ec6324", new ProxySignature("sécret").sign("é"));
    }
}
