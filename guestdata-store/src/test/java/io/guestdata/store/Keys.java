package io.guestdata.store;

/** Public keys for tests, made with ssh-keygen and openssl; fingerprints as those tools print them. */
final class Keys {

    static final String ALICE = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOnuR4nSOJFZFDVMYPyJ+kj5/IxnsnmF2TnlRP9UFvnb alice@example";
    /** {@code ssh-keygen -l -E md5} */
    static final String ALICE_MD5 = "51:c5:33:89:d4:d9:7b:52:82:96:7b:88:c4:bb:78:58";
    static final String BOB = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAII/AZ2zERk0JSvdd/E+7NPW8bTkeEx82DMT5APbSRDcx bob@example";
    static final String BOB_MD5 = "cf:19:a9:c8:9d:b8:38:02:35:48:a3:3b:fe:38:9f:10";
    static final String CAROL = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJKAth6GsJ9S2x9uE5EukGhs0dxpD7BkM0J0hal6X5XI carol@example";

    /** {@code openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -subj /CN=guestdata-test} */
    static final String CERTIFICATE = """
            -----BEGIN CERTIFICATE-----
            MIIBiTCCAS+gAwIBAgIUPGxq+3QRsSC3A51O3trOPgz9Tz8wCgYIKoZIzj0EAwIw
            GTEXMBUGA1UEAwwOZ3Vlc3RkYXRhLXRlc3QwIBcNMjYxMTIyMTkxODI2WhgPMjEy
            NjEwMjkxOTE4MjZaMBkxFzAVBgNVBAMMDmd1ZXN0ZGF0YS10ZXN0MFkwEwYHKoZI
            zj0CAQYIKoZIzj0DAQcDQgAE09ecwx7+OUGr/qWcGvW18+2zOazgIzrstbR0rI+Z
            jgALfyeYqVmk/rDu+At325e0gROZb5GqIcC3VJD4k7+5PKNTMFEwHQYDVR0OBBYE
            FExJiqiOms9OVrsgIvoHoKD63fD9MB8GA1UdIwQYMBaAFExJiqiOms9OVrsgIvoH
            oKD63fD9MA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIhAMMlpL77
            U619WljHURincvuQyVu7mkYtdqyFtKtqISCYAiAkyElJ+UD3V6JIqI70Pz3WpLq0
            imA0t7TOui8SJJ5zxg==
            -----END CERTIFICATE-----
            """;
    /** {@code openssl x509 -noout -fingerprint -sha1}, lowercased */
    static final String CERTIFICATE_SHA1 = "a1:90:2c:61:58:95:9b:63:85:14:ec:48:dc:67:3b:2a:c3:f1:6e:2a";

    private Keys() {
    }
}
