package io.guestdata.inject;

import io.guestdata.testkit.DebianPython;
import io.guestdata.testkit.ToolTest;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.guestdata.core.InjectedFile;
import io.guestdata.core.Instance;
import io.guestdata.core.metadata.InterfacesTemplate;
import io.guestdata.inject.InjectionReport.Outcome;
import io.guestdata.inject.InjectionReport.Status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Nova 26's own {@code inject_data_into_fs} (through its real VFSGuestFS class over a fake guestfs
 * handle with libguestfs' semantics) is the oracle: on the same guest, with Nova's choices (one
 * key, MD5 crypt with the same salt), guestdata changes exactly the same paths, to the same bytes,
 * modes and owners.
 */
@ToolTest
class NovaOracleTest {

    @TempDir
    Path dir;

    @Test
    void sameGuestSameInstanceSameResultAsNova() throws Exception {
        Path tree = GuestImages.skeleton(dir);
        GuestImages.write(tree, "etc/motd", "old motd\n", "rw-r-----");
        Files.setAttribute(tree.resolve("etc/motd"), "unix:uid", 1000);
        Files.setAttribute(tree.resolve("etc/motd"), "unix:gid", 1000);
        GuestImages.mkdirs(tree, "etc/selinux");
        Path img = GuestImages.wholeDisk(dir, "disk.img", tree, 32, "-t", "ext4");

        ObjectNode doc = Instances.document();
        ObjectNode keys = (ObjectNode) doc.get("public_keys");
        keys.remove("bob"); // Nova injects key_data: one key
        Instance instance = Instances.parse(doc);

        String salt = PasswordHash.salt(new Random(7));
        ObjectNode request = Instances.JSON.createObjectNode();
        request.set("entries", entries(tree));
        request.put("key", instance.keys().getFirst().publicKey());
        request.put("net", InterfacesTemplate.render(instance.networkData().orElseThrow(), false).orElseThrow());
        request.set("metadata", doc.get("metadata"));
        request.put("admin_password", instance.adminPass().orElseThrow());
        request.put("salt", salt);
        ArrayNode files = request.putArray("files");
        for (InjectedFile f : instance.files()) {
            files.addArray().add(f.path()).add(Base64.getEncoder().encodeToString(f.contents()));
        }
        Path script = Path.of(NovaOracleTest.class.getResource("/nova/inject_oracle.py").toURI());
        io.guestdata.testkit.Command.Result r = GuestImages.runOk(List.of(DebianPython.PATH, script.toString()),
                Instances.JSON.writeValueAsString(request));
        JsonNode nova = Instances.JSON.readTree(r.stdout());
        assertTrue(nova.get("status").asBoolean(), r.stdout());

        DiskInjector injector = new DiskInjector(FilesystemBackends.thisBuild(), new Random(7));
        InjectionReport report = injector.inject(img, instance, InjectionOptions.defaults().withRequest(
                new InjectionRequest(InjectionItem.all(), false, PasswordHash.MD5, false)));
        assertEquals(Outcome.DONE, report.outcome(), report::toString);

        Set<String> novaPaths = new TreeSet<>();
        nova.get("changed").fieldNames().forEachRemaining(novaPaths::add);
        Set<String> ourPaths = report.entries().stream().filter(e -> e.status() == Status.WRITTEN)
                .map(e -> e.path().orElseThrow()).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(novaPaths, ourPaths);
        assertTrue(novaPaths.containsAll(List.of("/root/.ssh/authorized_keys", "/etc/rc.local", "/etc/network/interfaces",
                "/meta.js", "/etc/shadow", "/opt/app/conf/app.ini", "/etc/motd")), novaPaths::toString);

        for (Iterator<Map.Entry<String, JsonNode>> it = nova.get("changed").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String path = e.getKey();
            JsonNode want = e.getValue();
            io.guestdata.inject.fs.Ext2Tools.Stat got = GuestImages.stat(img, 0, path);
            assertEquals(want.get("type").asText().equals("dir") ? "directory" : "regular", got.type(), path);
            assertEquals(String.format("%04o", want.get("mode").asInt()), String.format("%04o", got.mode()), path);
            assertEquals(want.get("uid").asLong() + ":" + want.get("gid").asLong(), got.uid() + ":" + got.gid(), path);
            if (want.get("type").asText().equals("file")) {
                assertEquals(new String(Base64.getDecoder().decode(want.get("content").asText()), java.nio.charset.StandardCharsets.UTF_8),
                        GuestImages.cat(img, 0, path), path);
            }
        }
        GuestImages.assertClean(img, 0);
    }

    /** The host tree as the oracle's entries: type, mode, owner, content. */
    private static ObjectNode entries(Path tree) throws Exception {
        ObjectNode entries = Instances.JSON.createObjectNode();
        try (Stream<Path> walk = Files.walk(tree)) {
            for (Path p : walk.toList()) {
                if (p.equals(tree)) {
                    continue;
                }
                ObjectNode e = entries.putObject("/" + tree.relativize(p).toString());
                boolean isDir = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
                e.put("type", isDir ? "dir" : "file");
                e.put("mode", (int) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777);
                e.put("uid", (int) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS));
                e.put("gid", (int) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS));
                e.put("content", isDir ? "" : Base64.getEncoder().encodeToString(Files.readAllBytes(p)));
            }
        }
        return entries;
    }
}
