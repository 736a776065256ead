package io.guestdata.core.document;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.core.InjectedFile;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code files}: Nova's personality files (nova-compat.md §8). Each item is exactly
 * {@code {path, contents}}; there are at most {@code [quota] injected_files} items; a path has at
 * most {@code injected_file_path_length} characters and {@code contents} at most
 * {@code injected_file_content_bytes} characters of base64 text as submitted (Nova counts the
 * base64 characters, not the decoded bytes), decoded as Python's non-strict {@code b64decode}
 * ({@link Base64Text}).
 *
 * <p>Paths are checked more strictly than Nova, which only checks their length and lets libguestfs
 * or cloud-init make sense of the rest (§7): a path must be absolute, have no empty, {@code .} or
 * {@code ..} segment, no NUL, not end in {@code /}, and appear once. Each path then names exactly
 * one file the same way on every delivery path.
 */
final class InjectedFileRules {

    static final Set<String> ITEM_MEMBERS = Set.of("path", "contents");
    private static final String STRICTER = " (guestdata is stricter than Nova here: paths must name one file unambiguously)";

    private InjectedFileRules() {
    }

    static Optional<List<InjectedFile>> read(Members members, Limits limits) {
        Optional<ArrayNode> files = members.array("files", false);
        if (files.isEmpty()) {
            return Optional.of(List.of());
        }
        DocumentErrors errors = members.errors();
        DocumentPointer at = members.at("files");
        int before = errors.size();
        if (Limits.exceeds(files.get().size(), limits.injectedFiles())) {
            errors.add(at, "files.count", "Personality file limit exceeded ("
                    + files.get().size() + " files given, at most " + limits.injectedFiles() + ")",
                    limits.injectedFiles() == 1 ? "1 file" : limits.injectedFiles() + " files");
        }
        List<InjectedFile> read = new ArrayList<>();
        Set<String> seenPaths = new HashSet<>();
        for (int i = 0; i < files.get().size(); i++) {
            JsonNode item = files.get().get(i);
            if (!item.isObject()) {
                errors.add(at.element(i), "files.item.type",
                        "a file must be an object {\"path\", \"contents\"}, is " + JsonTypes.describe(item));
                continue;
            }
            Members file = new Members((ObjectNode) item, at.element(i), "files", errors);
            file.rejectUnknown(ITEM_MEMBERS, "files.item.unknown_field");
            Optional<String> path = file.string("path", true).filter(p -> checkPath(p, file, limits, seenPaths));
            Optional<byte[]> contents = file.string("contents", true).flatMap(c -> decodeContents(c, file, limits));
            if (path.isPresent() && contents.isPresent()) {
                read.add(new InjectedFile(path.get(), contents.get()));
            }
        }
        return errors.size() == before ? Optional.of(read) : Optional.empty();
    }

    private static boolean checkPath(String path, Members file, Limits limits, Set<String> seenPaths) {
        DocumentPointer at = file.at("path");
        DocumentErrors errors = file.errors();
        int before = errors.size();
        int length = TextLength.of(path);
        if (Limits.exceeds(length, limits.injectedFilePathLength())) {
            errors.add(at, "files.path.length", "Personality file path exceeds maximum "
                    + limits.injectedFilePathLength() + " (" + length + " characters)",
                    TextLength.characters(limits.injectedFilePathLength()));
        }
        if (!path.startsWith("/")) {
            errors.add(at, "files.path.absolute", "the path must be absolute (start with '/')");
        }
        if (path.indexOf('\0') >= 0) {
            errors.add(at, "files.path.nul", "the path must not contain a NUL character" + STRICTER);
        }
        if (path.endsWith("/")) {
            errors.add(at, "files.path.trailing_slash", "the path must name a file, not end in '/'" + STRICTER);
        }
        String segmentProblem = segmentProblem(path);
        if (segmentProblem != null) {
            errors.add(at, "files.path.segment", segmentProblem + STRICTER);
        }
        if (errors.size() == before && !seenPaths.add(path)) {
            errors.add(at, "files.path.duplicate", "the path '" + InstanceFieldRules.abbreviate(path)
                    + "' is given more than once");
        }
        return errors.size() == before;
    }

    /** The first empty, {@code .} or {@code ..} segment, described; null when there is none. */
    private static String segmentProblem(String path) {
        String relative = path.startsWith("/") ? path.substring(1) : path;
        if (relative.endsWith("/")) {
            relative = relative.substring(0, relative.length() - 1);
        }
        if (relative.isEmpty()) {
            return "the path must name a file below '/'";
        }
        for (String segment : relative.split("/", -1)) {
            if (segment.isEmpty()) {
                return "the path must not contain an empty segment ('//')";
            }
            if (segment.equals(".") || segment.equals("..")) {
                return "the path must not contain a '" + segment + "' segment";
            }
        }
        return null;
    }

    private static Optional<byte[]> decodeContents(String contents, Members file, Limits limits) {
        DocumentPointer at = file.at("contents");
        int length = TextLength.of(contents);
        if (Limits.exceeds(length, limits.injectedFileContentBytes())) {
            file.errors().add(at, "files.contents.length", "Personality file content exceeds maximum "
                    + limits.injectedFileContentBytes() + " (" + length + " base64 characters; Nova counts the"
                    + " base64 text, not the decoded bytes)",
                    limits.injectedFileContentBytes() + " base64 characters");
            return Optional.empty();
        }
        try {
            return Optional.of(Base64Text.decodeLenient(contents));
        } catch (Base64Text.MalformedException e) {
            file.errors().add(at, "files.contents.base64", "the contents are not valid base64: " + e.getMessage());
            return Optional.empty();
        }
    }
}
