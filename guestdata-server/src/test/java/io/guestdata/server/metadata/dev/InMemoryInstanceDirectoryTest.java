package io.guestdata.server.metadata.dev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.core.Instance;
import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.server.metadata.Fixtures;
import io.guestdata.server.metadata.IpAddressText;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InMemoryInstanceDirectoryTest {
    @Test
    void findsByUuidAndStaticOrBoundAddress() throws Exception {
        InMemoryInstanceDirectory d = new InMemoryInstanceDirectory(MetadataOptions.defaults());
        Instance s = Fixtures.instance("static");
        d.put(s, List.of(InetAddress.getByName("127.0.0.5")));
        String id = s.uuid().toString();
        assertTrue(d.byUuid(id).isPresent());
        assertTrue(d.byUuid(id.toUpperCase()).isEmpty(), "exact canonical form only");
        for (String a : List.of("10.0.0.5", "fd00::5", "fd00:0::5", "127.0.0.5", "::ffff:10.0.0.5")) {
            assertEquals(s.uuid(), d.byAddress(IpAddressText.parse(a).orElseThrow()).orElseThrow().instance().uuid(), a);
        }
        assertTrue(d.byAddress(InetAddress.getByName("10.0.0.6")).isEmpty());
    }

    @Test
    void anAddressBelongsToOneInstanceAndReplacingMovesIt() throws Exception {
        InMemoryInstanceDirectory d = new InMemoryInstanceDirectory(MetadataOptions.defaults());
        Instance minimal = Fixtures.instance("minimal");
        Instance nonascii = Fixtures.instance("nonascii");
        d.put(minimal, List.of(InetAddress.getByName("127.0.0.5")));
        assertThrows(IllegalArgumentException.class, () -> d.put(nonascii, List.of(InetAddress.getByName("127.0.0.5"))));
        assertTrue(d.byUuid(nonascii.uuid().toString()).isEmpty(), "nothing changed");
        d.put(minimal, List.of(InetAddress.getByName("127.0.0.6")));
        assertTrue(d.byAddress(InetAddress.getByName("127.0.0.5")).isEmpty(), "the old address is released");
        d.put(nonascii, List.of(InetAddress.getByName("127.0.0.5")));
        assertEquals(2, d.size());
        assertTrue(d.remove(minimal.uuid()));
        assertTrue(d.byAddress(InetAddress.getByName("127.0.0.6")).isEmpty());
    }

    @Test
    void anIpv6AddressBelongsToOneInstanceWhateverItsSpelling() throws Exception {
        InMemoryInstanceDirectory d = new InMemoryInstanceDirectory(MetadataOptions.defaults());
        Instance minimal = Fixtures.instance("minimal");
        Instance nonascii = Fixtures.instance("nonascii");
        d.put(minimal, List.of(IpAddressText.parse("fd00:0:0:0:0:0:0:77").orElseThrow()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> d.put(nonascii, List.of(IpAddressText.parse("FD00::77").orElseThrow())));
        assertTrue(e.getMessage().startsWith("address fd00::77 already belongs to instance " + minimal.uuid()), e.getMessage());
        assertTrue(d.byUuid(nonascii.uuid().toString()).isEmpty(), "nothing changed");
        for (String a : List.of("fd00::77", "fd00:0::0:77", "fd00::77%eth0")) {
            assertEquals(minimal.uuid(), d.byAddress(IpAddressText.parse(a).orElseThrow()).orElseThrow().instance().uuid(), a);
        }
    }

    @Test
    void loadsADirectoryOfDocuments(@TempDir Path dir) throws Exception {
        Files.copy(Fixtures.novaDocument("static"), dir.resolve("a.json"));
        Files.copy(Fixtures.novaDocument("minimal"), dir.resolve("b.json"));
        Files.writeString(dir.resolve("notes.txt"), "ignored");
        InMemoryInstanceDirectory d = InstanceDocuments.load(dir, MetadataOptions.defaults());
        assertEquals(2, d.size());
        Files.copy(Fixtures.novaDocument("full"), dir.resolve("c.json")); // the same uuid as static
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> InstanceDocuments.load(dir, MetadataOptions.defaults()));
        assertTrue(e.getMessage().contains("c.json"), e.getMessage());
    }
}
