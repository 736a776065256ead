package io.guestdata.core.document;

import static io.guestdata.core.document.Fixtures.accept;
import static io.guestdata.core.document.Fixtures.base64OfLength;
import static io.guestdata.core.document.Fixtures.chars;
import static io.guestdata.core.document.Fixtures.minimal;
import static io.guestdata.core.document.Fixtures.reject;
import static io.guestdata.core.document.Fixtures.rejectOnly;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.core.InjectedFile;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class InjectedFileRulesTest {

    private static ObjectNode withFiles(String... pathsAndContents) {
        ObjectNode doc = minimal();
        ArrayNode files = doc.putArray("files");
        for (int i = 0; i < pathsAndContents.length; i += 2) {
            files.addObject().put("path", pathsAndContents[i]).put("contents", pathsAndContents[i + 1]);
        }
        return doc;
    }

    private static ObjectNode withCount(int count) {
        ObjectNode doc = minimal();
        ArrayNode files = doc.putArray("files");
        for (int i = 0; i < count; i++) {
            files.addObject().put("path", "/f" + i).put("contents", "YQ==");
        }
        return doc;
    }

    @Test
    void atMostFiveFiles() {
        assertEquals(5, accept(withCount(5)).files().size());
        DocumentError error = rejectOnly(withCount(6), "/files", "files.count");
        assertTrue(error.message().startsWith("Personality file limit exceeded"), error.message());
        assertEquals(Optional.of("5 files"), error.limit());
    }

    @Test
    void pathsOfAtMost255Characters() {
        String at = "/" + chars('p', 254);
        String over = "/" + chars('p', 255);
        assertEquals(at, accept(withFiles(at, "")).files().getFirst().path());
        DocumentError error = rejectOnly(withFiles(over, ""), "/files/0/path", "files.path.length");
        assertTrue(error.message().startsWith("Personality file path exceeds maximum 255"), error.message());
        assertEquals(Optional.of("255 characters"), error.limit());
    }

    @Test
    void contentsOfAtMost10240Base64Characters() {
        InjectedFile file = accept(withFiles("/a", base64OfLength(10240))).files().getFirst();
        assertEquals(7680, file.size());
        // 10241 characters: one more than the quota, even though the extra one is a discarded newline
        DocumentError error = rejectOnly(withFiles("/a", base64OfLength(10240) + "\n"), "/files/0/contents",
                "files.contents.length");
        assertTrue(error.message().startsWith("Personality file content exceeds maximum 10240"), error.message());
        assertEquals(Optional.of("10240 base64 characters"), error.limit());
    }

    @Test
    void contentsAreDecodedAsNovaDecodes() {
        List<InjectedFile> files = accept(withFiles("/a", "YW Jj\n", "/b", "", "/c", "YQ==garbage", "/d", "Y-W_J*j"))
                .files();
        assertArrayEquals("abc".getBytes(StandardCharsets.US_ASCII), files.get(0).contents());
        assertArrayEquals(new byte[0], files.get(1).contents());
        assertArrayEquals("a".getBytes(StandardCharsets.US_ASCII), files.get(2).contents());
        assertArrayEquals("abc".getBytes(StandardCharsets.US_ASCII), files.get(3).contents());
    }

    @ParameterizedTest
    @ValueSource(strings = {"YQ", "YWJ", "Y", "YWJjZ", "YQ=", "=YQ", "Y=Q="})
    void badPaddingIsRefused(String contents) {
        DocumentError error = rejectOnly(withFiles("/a", contents), "/files/0/contents", "files.contents.base64");
        assertTrue(error.message().contains("padding") || error.message().contains("multiple of 4"), error.message());
    }

    @ParameterizedTest
    @ValueSource(strings = {"relative", "etc/passwd", "./x", ""})
    void pathsMustBeAbsolute(String path) {
        assertTrue(reject(withFiles(path, "")).stream().anyMatch(e -> e.rule().equals("files.path.absolute")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/etc/../passwd", "/..", "/a/.", "/./a", "/a//b", "//a", "/a/b/.."})
    void pathsMustNotHaveDotOrEmptySegments(String path) {
        DocumentError error = rejectOnly(withFiles(path, ""), "/files/0/path", "files.path.segment");
        assertTrue(error.message().contains("stricter than Nova"), error.message());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/a/...", "/a/.hidden", "/a/b..", "/a b/c", "/é/☃", "/a:b"})
    void otherSegmentsAreFine(String path) {
        assertEquals(path, accept(withFiles(path, "")).files().getFirst().path());
    }

    @Test
    void pathsMustNotEndInSlash() {
        DocumentError error = rejectOnly(withFiles("/etc/", ""), "/files/0/path", "files.path.trailing_slash");
        assertTrue(error.message().contains("stricter than Nova"), error.message());
        assertEquals(List.of("files.path.trailing_slash", "files.path.segment"),
                reject(withFiles("/", "")).stream().map(DocumentError::rule).toList());
    }

    @Test
    void pathsMustNotContainNul() {
        rejectOnly(withFiles("/a\u0000b", ""), "/files/0/path", "files.path.nul");
    }

    @Test
    void pathsMustBeUnique() {
        rejectOnly(withFiles("/a", "", "/b", "", "/a", "YQ=="), "/files/2/path", "files.path.duplicate");
    }

    @Test
    void orderIsKept() {
        List<InjectedFile> files = accept(withFiles("/z", "", "/a", "", "/m", "")).files();
        assertEquals(List.of("/z", "/a", "/m"), files.stream().map(InjectedFile::path).toList());
    }

    @Test
    void customAndUnlimitedLimits() {
        InstanceDocumentParser small = Fixtures.parser(new Limits(1, 3, 4, 128, 65535));
        accept(small, withFiles("/ab", "YWJj"));
        assertEquals(Optional.of("1 file"),
                rejectOnly(small, withFiles("/a", "", "/b", ""), "/files", "files.count").limit());
        rejectOnly(small, withFiles("/abc", ""), "/files/0/path", "files.path.length");
        rejectOnly(small, withFiles("/a", "YWJj="), "/files/0/contents", "files.contents.length");
        InstanceDocumentParser unlimited = Fixtures.parser(new Limits(-1, -1, -1, -1, -1));
        ObjectNode many = withCount(50);
        ((ObjectNode) many.get("files").get(0)).put("path", "/" + chars('x', 5000))
                .put("contents", base64OfLength(100_000));
        assertEquals(50, accept(unlimited, many).files().size());
        InstanceDocumentParser none = Fixtures.parser(new Limits(0, 255, 10240, 128, 65535));
        accept(none, withCount(0));
        rejectOnly(none, withCount(1), "/files", "files.count");
    }
}
