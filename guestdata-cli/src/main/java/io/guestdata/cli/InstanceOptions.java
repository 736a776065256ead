package io.guestdata.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.core.Instance;
import io.guestdata.core.KeyPair;
import io.guestdata.core.document.JsonTreeReader;
import io.guestdata.core.document.DocumentError;
import io.guestdata.core.document.InstanceDocumentParser;
import io.guestdata.core.document.InvalidDocumentException;
import io.guestdata.core.document.InvalidKeyException;
import io.guestdata.core.document.KeyPairResolver;
import io.guestdata.core.document.Limits;
import io.guestdata.core.document.SshPublicKeys;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Where a command's instance comes from: an instance document ({@code --instance FILE}) or the
 * flags users know from {@code nova boot}, which build the same document. Either way the one
 * parser validates it, so the rules and errors are the same.
 */
final class InstanceOptions {
    @Option(names = "--instance", paramLabel = "FILE",
            description = "Instance document (JSON). Instead of it, the nova-boot style flags below build one.")
    Path instanceFile;

    @Option(names = "--name", description = "Display name (required without --instance).")
    String name;

    @Option(names = "--uuid", description = "Instance UUID (default: a random one).")
    String uuid;

    @Option(names = "--hostname", description = "Host name (default: the name, sanitised as Nova does).")
    String hostname;

    @Option(names = "--key-name", paramLabel = "NAME",
            description = "Key pair name; with --key FILE it is the key pair that key_name resolves to.")
    String keyName;

    @Option(names = "--key", paramLabel = "FILE", description = "OpenSSH public key file of the --key-name key pair.")
    Path keyFile;

    @Option(names = "--meta", paramLabel = "KEY=VALUE", description = "User metadata item (repeatable).")
    List<String> meta = new ArrayList<>();

    @Option(names = "--file", paramLabel = "GUEST_PATH=LOCAL_FILE",
            description = "Inject LOCAL_FILE at GUEST_PATH in the guest (repeatable).")
    List<String> files = new ArrayList<>();

    @Option(names = "--user-data", paramLabel = "FILE", description = "User data file (any bytes).")
    Path userData;

    @Option(names = "--admin-pass", paramLabel = "PASSWORD", description = "Admin password. A command line is"
            + " visible to every user of the host (ps, /proc): prefer --admin-pass-file or the environment variable "
            + ADMIN_PASS_VARIABLE + " (still accepted here, with a warning on stderr).")
    String adminPass;

    @Option(names = "--admin-pass-file", paramLabel = "FILE",
            description = "File holding the admin password (one trailing newline is not part of it).")
    Path adminPassFile;

    @Option(names = "--network-data", paramLabel = "FILE", description = "network_data.json (OpenStack form).")
    Path networkData;

    private static final JsonTreeReader JSON = JsonTreeReader.lenient();

    /** The environment variable that may hold the admin password instead of a flag. */
    static final String ADMIN_PASS_VARIABLE = "GUESTDATA_ADMIN_PASS";

    private final Map<String, String> environment;

    /** The command this mixin is part of: where the warning about {@code --admin-pass} goes. */
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /** Options of a command run with {@code environment} (where {@value #ADMIN_PASS_VARIABLE} may be). */
    InstanceOptions(Map<String, String> environment) {
        this.environment = environment;
    }

    /** Builds and validates the instance, or fails with every problem found. */
    Instance load() throws CommandFailure {
        KeyPairResolver keyPairs = keyPairs();
        InstanceDocumentParser parser = new InstanceDocumentParser(Limits.nova(), keyPairs);
        Map<String, String> sources = new LinkedHashMap<>();
        try {
            if (instanceFile != null) {
                rejectDocumentFlags();
                return parser.parse(read(instanceFile, "--instance"));
            }
            return parser.parse(documentFromFlags(sources));
        } catch (InvalidDocumentException e) {
            throw new CommandFailure(ExitCode.INVALID_INSTANCE, describe(e.errors(), sources));
        }
    }

    private KeyPairResolver keyPairs() throws CommandFailure {
        if (keyFile == null) {
            return KeyPairResolver.none();
        }
        if (keyName == null) {
            throw new CommandFailure(ExitCode.USAGE, "--key needs --key-name: the key pair's name");
        }
        String text = new String(read(keyFile, "--key"), StandardCharsets.UTF_8).strip();
        try {
            KeyPair pair = SshPublicKeys.parse(keyName, text);
            return KeyPairResolver.of(pair);
        } catch (InvalidKeyException e) {
            throw new CommandFailure(ExitCode.INVALID_INSTANCE, "--key " + keyFile + ": " + e.getMessage());
        }
    }

    private void rejectDocumentFlags() throws CommandFailure {
        List<String> given = new ArrayList<>();
        if (name != null) {
            given.add("--name");
        }
        if (uuid != null) {
            given.add("--uuid");
        }
        if (hostname != null) {
            given.add("--hostname");
        }
        if (!meta.isEmpty()) {
            given.add("--meta");
        }
        if (!files.isEmpty()) {
            given.add("--file");
        }
        if (userData != null) {
            given.add("--user-data");
        }
        if (adminPass != null) {
            given.add("--admin-pass");
        }
        if (adminPassFile != null) {
            given.add("--admin-pass-file");
        }
        if (environment.containsKey(ADMIN_PASS_VARIABLE)) {
            given.add(ADMIN_PASS_VARIABLE + " (environment)");
        }
        if (networkData != null) {
            given.add("--network-data");
        }
        if (!given.isEmpty()) {
            throw new CommandFailure(ExitCode.USAGE, "--instance cannot be combined with " + String.join(", ", given)
                    + ": put those fields in the document (only --key-name/--key may be given, to resolve its key_name)");
        }
    }

    /** The document the flags describe; {@code sources} maps JSON pointers to the flag they came from. */
    ObjectNode documentFromFlags(Map<String, String> sources) throws CommandFailure {
        if (name == null) {
            throw new CommandFailure(ExitCode.USAGE, "give --instance FILE, or --name (and the other nova-boot flags)");
        }
        ObjectNode doc = JsonNodeFactory.instance.objectNode();
        doc.put("uuid", uuid != null ? uuid : UUID.randomUUID().toString());
        sources.put("/uuid", "--uuid");
        doc.put("name", name);
        sources.put("/name", "--name");
        if (hostname != null) {
            doc.put("hostname", hostname);
            sources.put("/hostname", "--hostname");
        }
        if (keyName != null) {
            doc.put("key_name", keyName);
            sources.put("/key_name", "--key-name");
        }
        if (!meta.isEmpty()) {
            ObjectNode m = doc.putObject("metadata");
            for (String item : meta) {
                int eq = item.indexOf('=');
                if (eq < 0) {
                    throw new CommandFailure(ExitCode.USAGE, "--meta " + item + ": expected KEY=VALUE");
                }
                String key = item.substring(0, eq);
                if (m.has(key)) {
                    throw new CommandFailure(ExitCode.USAGE, "--meta " + key + " is given twice");
                }
                m.put(key, item.substring(eq + 1));
                sources.put("/metadata/" + pointerToken(key), "--meta " + item);
            }
            sources.put("/metadata", "--meta");
        }
        if (!files.isEmpty()) {
            ArrayNode list = doc.putArray("files");
            for (String item : files) {
                int eq = item.indexOf('=');
                if (eq < 0) {
                    throw new CommandFailure(ExitCode.USAGE, "--file " + item + ": expected GUEST_PATH=LOCAL_FILE");
                }
                byte[] bytes = read(Path.of(item.substring(eq + 1)), "--file " + item);
                sources.put("/files/" + list.size(), "--file " + item);
                list.addObject()
                        .put("path", item.substring(0, eq))
                        .put("contents", Base64.getEncoder().encodeToString(bytes));
            }
            sources.put("/files", "--file");
        }
        if (userData != null) {
            doc.put("user_data", Base64.getEncoder().encodeToString(read(userData, "--user-data")));
            sources.put("/user_data", "--user-data " + userData);
        }
        Map<String, String> passwords = new LinkedHashMap<>();
        if (adminPass != null) {
            passwords.put("--admin-pass", adminPass);
        }
        if (adminPassFile != null) {
            passwords.put("--admin-pass-file " + adminPassFile, adminPassFromFile());
        }
        if (environment.containsKey(ADMIN_PASS_VARIABLE)) {
            passwords.put(ADMIN_PASS_VARIABLE + " (environment)", environment.get(ADMIN_PASS_VARIABLE));
        }
        if (passwords.size() > 1) {
            throw new CommandFailure(ExitCode.USAGE, "the admin password is given " + passwords.size() + " times, by "
                    + String.join(" and ", passwords.keySet()) + ": give it once");
        }
        if (adminPass != null) {
            // Accepted for compatibility with scripts written for nova boot's --admin-pass; said once per run.
            PrintWriter err = command.commandLine().getErr();
            err.println("guestdata: warning: --admin-pass puts the admin password on the command line, where every "
                    + "user of this host can read it (ps, /proc): use --admin-pass-file FILE or " + ADMIN_PASS_VARIABLE);
            err.flush();
        }
        for (Map.Entry<String, String> password : passwords.entrySet()) {
            doc.put("admin_pass", password.getValue());
            sources.put("/admin_pass", password.getKey());
        }
        if (networkData != null) {
            byte[] bytes = read(networkData, "--network-data");
            try {
                doc.set("network_data", JSON.read(bytes));
            } catch (IOException e) {
                throw new CommandFailure(ExitCode.INVALID_INSTANCE,
                        "--network-data " + networkData + ": not valid JSON: " + firstLine(e.getMessage()));
            }
            sources.put("/network_data", "--network-data " + networkData);
        }
        return doc;
    }

    /** The password in {@code --admin-pass-file}: the file's text (UTF-8) less one trailing newline. */
    private String adminPassFromFile() throws CommandFailure {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .decode(java.nio.ByteBuffer.wrap(read(adminPassFile, "--admin-pass-file"))).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new CommandFailure(ExitCode.INVALID_INSTANCE, "--admin-pass-file " + adminPassFile
                    + ": not UTF-8 text");
        }
        text = text.endsWith("\r\n") ? text.substring(0, text.length() - 2)
                : text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        if (text.isEmpty()) {
            throw new CommandFailure(ExitCode.INVALID_INSTANCE, "--admin-pass-file " + adminPassFile + ": the file is"
                    + " empty (an admin password needs at least one character)");
        }
        return text;
    }

    /** One line per error, naming the flag an error came from when the document was built from flags. */
    static List<String> describe(List<DocumentError> errors, Map<String, String> sources) {
        List<String> lines = new ArrayList<>();
        for (DocumentError error : errors) {
            String from = sourceOf(error.pointer(), sources);
            lines.add(error.oneLine() + (from == null ? "" : " (from " + from + ")"));
        }
        return lines;
    }

    private static String sourceOf(String pointer, Map<String, String> sources) {
        String p = pointer;
        while (!p.isEmpty()) {
            String s = sources.get(p);
            if (s != null) {
                return s;
            }
            p = p.substring(0, p.lastIndexOf('/'));
        }
        return null;
    }

    private static String pointerToken(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }

    static byte[] read(Path file, String what) throws CommandFailure {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new CommandFailure(ExitCode.INPUT, what + ": cannot read " + file + ": " + e.getClass().getSimpleName()
                    + (e.getMessage() == null || e.getMessage().equals(file.toString()) ? "" : ": " + e.getMessage()));
        }
    }

    private static String firstLine(String s) {
        int nl = s == null ? -1 : s.indexOf('\n');
        return nl < 0 ? String.valueOf(s) : s.substring(0, nl);
    }

    static JsonNode readJson(Path file, String what) throws CommandFailure {
        byte[] bytes = read(file, what);
        try {
            return JSON.read(bytes);
        } catch (IOException e) {
            throw new CommandFailure(ExitCode.INPUT, what + " " + file + ": not valid JSON: " + firstLine(e.getMessage()));
        }
    }
}
